/**
 * The scenarios of `deno task run`, in the order `--list` shows them.
 *
 * Invariant: names are unique, and `DEFAULT_SCENARIO` is one of them.
 *
 * @module
 */

import { bare } from "./bare.ts";
import { barrier } from "./barrier.ts";
import { bug } from "./bug.ts";
import { condvar } from "./condvar.ts";
import { demo } from "./demo.ts";
import { irq } from "./irq.ts";
import { mutex } from "./mutex.ts";
import { pi } from "./pi.ts";
import { pingpong } from "./pingpong.ts";
import { timers } from "./timers.ts";
import { workStealing } from "./work_stealing.ts";
import type { Scenario } from "./types.ts";

/** Every scenario. */
export const SCENARIOS: readonly Scenario[] = [
  demo,
  mutex,
  condvar,
  pingpong,
  workStealing,
  timers,
  irq,
  pi,
  barrier,
  bug,
  bare,
];

/** The scenario run when `--scenario` is not given. */
export const DEFAULT_SCENARIO = "demo";
