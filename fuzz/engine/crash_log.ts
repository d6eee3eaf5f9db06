/**
 * `-ignore_crashes=1`: a campaign that goes on past its crashes keeps the
 * distinct ones here. Two crashes are the same when their signatures are
 * equal: {@linkcode crashSignature}, the error's name, the oracle that fired
 * (for a kernel target's `OracleViolation`) and the top stack frame of the
 * throw (function, file, line and column), as `-minimize_crash=1` compares
 * them.
 *
 * Invariants: `distinct` holds the first crash of each signature, in the
 * order found; `stats.crashes` counts every crash gone on past and
 * `stats.distinctCrashes` is the length of `distinct`; a crash the policy
 * does not go on past is neither counted nor kept.
 *
 * @module
 */

import type { CrashFinding } from "./campaign.ts";
import type { ErrorInfo } from "./executor.ts";
import { crashSignature } from "./minimize_crash.ts";
import type { CampaignStats } from "./status.ts";

/** Which crashes a campaign goes on past, and who hears of them. */
export interface CrashPolicy {
  /** True for a crash the campaign goes on past; any other crash ends it, as without the policy. */
  readonly goOn: (error: ErrorInfo) => boolean;
  /** Told each crash gone on past, with its signature; `known` when that signature was seen before. */
  readonly onCrash?: (crash: CrashFinding, signature: string, known: boolean) => void;
}

/** The crashes a campaign went on past. */
export class CrashLog {
  /** The first crash of each signature, in the order found. */
  readonly distinct: CrashFinding[] = [];
  readonly #policy: CrashPolicy | undefined;
  readonly #stats: CampaignStats;
  readonly #seen = new Set<string>();

  /** A log counting into `stats`; without a policy every crash ends the campaign. */
  constructor(policy: CrashPolicy | undefined, stats: CampaignStats) {
    this.#policy = policy;
    this.#stats = stats;
  }

  /** Records `crash` when the policy goes on past it, and says whether it does. */
  goesOn(crash: CrashFinding): boolean {
    if (this.#policy === undefined || !this.#policy.goOn(crash.error)) return false;
    const signature = crashSignature(crash.error);
    const known = this.#seen.has(signature);
    this.#stats.crashes++;
    if (!known) {
      this.#seen.add(signature);
      this.distinct.push(crash);
      this.#stats.distinctCrashes++;
    }
    this.#policy.onCrash?.(crash, signature, known);
    return true;
  }
}
