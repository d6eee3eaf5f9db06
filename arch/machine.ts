/**
 * The simulated machine: harts, memory, devices, a scheduling policy and a
 * virtual clock, under one deterministic step loop.
 *
 * Invariants:
 * - Given the same options and the same booted code, `run` produces the same
 *   steps, statistics and `traceHash`, bit for bit.
 * - Every nondeterministic choice goes through the policy: which hart steps
 *   next, and every `machine.choose(n)`.
 * - Memory is flat RAM from address 0. The top `harts × 4 KiB` of it are the
 *   per-CPU blocks the firmware points each hart's per-CPU register at.
 *
 * @module
 */

import { BytesSource, SeededSource } from "./decision.ts";
import { Engine } from "./engine.ts";
import type { InterruptHandler } from "./hart_core.ts";
import { Hart } from "./hart.ts";
import { PAGE_SIZE, PhysicalMemory } from "./memory.ts";
import type { Op } from "./op.ts";
import type { Arch, InterruptCause, Platform } from "./platform.ts";
import { PctPolicy } from "./policy/pct.ts";
import type { Policy } from "./policy/policy.ts";
import { RandomPolicy } from "./policy/random.ts";
import { ReplayPolicy } from "./policy/replay.ts";
import { RoundRobinPolicy } from "./policy/round_robin.ts";
import type { RunReport } from "./report.ts";
import type { Clint } from "./riscv/clint.ts";
import type { Plic } from "./riscv/plic.ts";
import { RiscvPlatform } from "./riscv/platform.ts";
import { Tape } from "./tape.ts";
import { TestDevice } from "./test_device.ts";
import type { IoApic } from "./x86/ioapic.ts";
import type { Lapic } from "./x86/lapic.ts";
import { X86Platform } from "./x86/platform.ts";

/** Most harts a machine may have.
 */
export const MAX_HARTS = 256;
/** Default `maxSteps` of one `run` call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { DEFAULT_MAX_STEPS } from "@ksim/ksim/arch";
 * const m = new Machine();
 * m.boot(function* (hart) { for (;;) yield* hart.pause(); });
 * assert(m.run({ maxSteps: 10 }).steps < DEFAULT_MAX_STEPS);
 * ``` */
export const DEFAULT_MAX_STEPS = 10_000_000;
/** Size of each hart's per-CPU block.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { CPU_LOCAL_BLOCK } from "@ksim/ksim/arch";
 * const m = new Machine({ harts: 2 });
 * assert.equal(m.harts[1].cpuLocalBase - m.harts[0].cpuLocalBase, CPU_LOCAL_BLOCK);
 * ``` */
export const CPU_LOCAL_BLOCK: number = PAGE_SIZE;

/**
 * How to schedule. Strings are shorthands for the object forms.
 * - `round-robin`: a switch at every scheduling point, in id order.
 * - `random`: uniform among runnable harts, from the seed.
 * - `free-running`: keep a hart for `quantum` steps (default 256) or until it
 *   parks; the fast mode for benchmarks and demos.
 * - `pct`: PCT with bug depth `depth` (default 3) over about `steps` steps
 *   (default 10,000).
 * - `replay`: follow a tape; past its end, the explorer's default
 *   continuation (see `ReplayPolicy`), noted in `report.tapeExhausted`.
 * - `fuzz`: decisions read from fuzzer input bytes.
 * - or any {@linkcode Policy} object.
 *
 * @example
 * ```ts
 * import { Machine, type PolicyOption } from "@ksim/ksim";
 * const policies: PolicyOption[] = ["random", { kind: "free-running", quantum: 64 }, { kind: "pct", depth: 2, steps: 500 }];
 * for (const policy of policies) new Machine({ harts: 2, policy });
 * ```
 */
export type PolicyOption =
  | "round-robin"
  | "random"
  | "free-running"
  | "pct"
  | { readonly kind: "round-robin"; readonly quantum?: number }
  | { readonly kind: "random" }
  | { readonly kind: "free-running"; readonly quantum?: number }
  | { readonly kind: "pct"; readonly depth?: number; readonly steps?: number }
  | { readonly kind: "replay"; readonly tape: Tape | string }
  | { readonly kind: "fuzz"; readonly data: Uint8Array }
  | Policy;

/** Options of {@linkcode Machine}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, type MachineOptions } from "@ksim/ksim";
 * const options: MachineOptions = { arch: "x86_64", harts: 8, seed: 3, policy: "pct", recordTape: true };
 * assert.equal(new Machine(options).harts.length, 8);
 * ``` */
export interface MachineOptions {
  /** The ISA (default `"riscv64"`). */
  readonly arch?: Arch;
  /** Number of harts, 1 to 256 (default 1). */
  readonly harts?: number;
  /** Seed of every random decision (default 0). */
  readonly seed?: number;
  /** The scheduling policy (default `"random"`). */
  readonly policy?: PolicyOption;
  /** RAM size in bytes, a multiple of 4096 (default 256 MiB; pages are allocated on first write). */
  readonly memoryBytes?: number;
  /** Record every decision on a tape, reported as `report.tape` (default false). */
  readonly recordTape?: boolean;
  /** Receives one line per step; slows the run down. */
  readonly trace?: (line: string) => void;
  /**
   * Perform an instruction on the spot, without yielding it, when the
   * schedule leaves no doubt that it is the next step (default true). Runs
   * are bit for bit the same either way; turn it off only to check that.
   */
  readonly fastPath?: boolean;
  /**
   * How replay hints rebuild this machine: a constructor name and extra
   * options, for layers that wrap a machine (a kernel prints
   * `new Kernel({ ... })`). Default `{ name: "Machine", options: "" }`.
   */
  readonly replayAs?: { readonly name: string; readonly options?: string };
}

/** Options of {@linkcode Machine.run}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, type RunOptions } from "@ksim/ksim";
 * const m = new Machine();
 * m.boot(function* (hart) { for (;;) yield* hart.pause(); });
 * const options: RunOptions = { maxSteps: 1_000, until: () => m.now > 500 };
 * assert.equal(m.run(options).status, "stopped");
 * ``` */
export interface RunOptions {
  /** Most steps this call may make (default 10,000,000). */
  readonly maxSteps?: number;
  /**
   * A predicate, checked before every step: the run stops (`stopped`) when
   * it returns true. Or an absolute virtual time in ns: the run stops once
   * the clock reaches it, as `maxTime` does (the earlier of the two wins).
   */
  readonly until?: (() => boolean) | number;
  /** Stop (status `stopped`) once virtual time reaches this many ns; idle time jumps no further. */
  readonly maxTime?: number;
}

/** The device models of the machine's ISA.
 *
 * @example
 * ```ts
 * import { Machine } from "@ksim/ksim";
 * const { devices } = new Machine({ arch: "riscv64" });
 * if (devices.arch === "riscv64") devices.plic.setThreshold(0, 2);
 * ``` */
export type Devices =
  | { readonly arch: "riscv64"; readonly clint: Clint; readonly plic: Plic }
  | { readonly arch: "x86_64"; readonly lapics: readonly Lapic[]; readonly ioapic: IoApic };

const ARCHES: readonly Arch[] = ["riscv64", "x86_64"];

/**
 * A simulated multi-core machine.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ arch: "x86_64", harts: 4, seed: 1, policy: "random" });
 * m.boot(function* (hart) {
 *   for (let i = 0; i < 10; i++) yield* hart.fetchAdd32(0x1000, 1);
 * });
 * const report = m.run();
 * assert.equal(report.status, "halted");
 * assert.equal(m.memory.read32(0x1000), 40);
 * ```
 */
export class Machine {
  /** The ISA. */
  readonly arch: Arch;
  /** The seed of random decisions. */
  readonly seed: number;
  /** Simulated RAM; host code may read and write it between runs. */
  readonly memory: PhysicalMemory;
  /** The harts, indexed by id. */
  readonly harts: readonly Hart[];
  /** The interrupt hardware, seen through the ISA-neutral interface. */
  readonly platform: Platform;
  /** The ISA's device models. */
  readonly devices: Devices;
  /** A device that raises IRQ lines at chosen times. */
  readonly testDevice: TestDevice;
  /** The scheduling policy in use. */
  readonly policy: Policy;
  #engine: Engine<Hart>;
  #options: string;
  #replayName: string;
  #tape: Tape | undefined;

  /**
   * Creates a Machine.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ arch: "riscv64", harts: 2, seed: 7, policy: { kind: "pct", depth: 2 } });
   * assert.equal(m.harts.length, 2);
   * ```
   */
  constructor(options: MachineOptions = {}) {
    const arch = options.arch ?? "riscv64";
    if (!ARCHES.includes(arch)) {
      throw new TypeError(`Machine: arch must be "riscv64" or "x86_64", got ${JSON.stringify(arch)}`);
    }
    const harts = options.harts ?? 1;
    if (!Number.isInteger(harts) || harts < 1 || harts > MAX_HARTS) {
      throw new RangeError(`Machine: harts must be an integer from 1 to ${MAX_HARTS}, got ${harts}`);
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Machine: seed must be a non-negative safe integer, got ${seed}`);
    }
    const memoryBytes = options.memoryBytes ?? 256 * 1024 * 1024;
    if (!Number.isSafeInteger(memoryBytes) || memoryBytes % PAGE_SIZE !== 0 || memoryBytes < (harts + 1) * PAGE_SIZE) {
      throw new RangeError(
        `Machine: memoryBytes must be a multiple of ${PAGE_SIZE} and hold the per-CPU blocks (at least ${
          (harts + 1) * PAGE_SIZE
        }), got ${memoryBytes}`,
      );
    }
    if (options.trace !== undefined && typeof options.trace !== "function") {
      throw new TypeError("Machine: trace must be a function that takes a line");
    }
    if (options.fastPath !== undefined && typeof options.fastPath !== "boolean") {
      throw new TypeError(`Machine: fastPath must be a boolean, got ${String(options.fastPath)}`);
    }
    this.arch = arch;
    this.seed = seed;
    this.memory = new PhysicalMemory(memoryBytes);
    this.policy = buildPolicy(options.policy ?? "random", seed, harts, () => this.#engine.steps);
    this.#tape = options.recordTape ? new Tape() : undefined;
    const mem = options.memoryBytes === undefined ? "" : `, memoryBytes: ${memoryBytes}`;
    const extra = options.replayAs?.options ? `, ${options.replayAs.options}` : "";
    this.#options = `arch: "${arch}", harts: ${harts}, seed: ${seed}${mem}${extra}`;
    this.#replayName = options.replayAs?.name ?? "Machine";
    const cpuLocalStart = memoryBytes - harts * CPU_LOCAL_BLOCK;
    const engine = new Engine<Hart>({
      harts,
      memory: this.memory,
      policy: this.policy,
      tape: this.#tape,
      trace: options.trace,
      replay: () => this.#replayHint(),
      cpuLocalBase: (i) => cpuLocalStart + i * CPU_LOCAL_BLOCK,
      fastPath: options.fastPath ?? true,
    });
    this.#engine = engine;
    Engine.register(this, engine);
    if (arch === "riscv64") {
      const p = new RiscvPlatform(engine, harts);
      this.platform = p;
      this.devices = { arch, clint: p.clint, plic: p.plic };
    } else {
      const p = new X86Platform(engine, harts);
      this.platform = p;
      this.devices = { arch, lapics: p.lapics, ioapic: p.ioapic };
    }
    engine.platform = this.platform;
    this.testDevice = new TestDevice(this.platform, (at, fire) => engine.at(at, fire), () => engine.now);
    this.harts = Array.from({ length: harts }, (_, i) => new Hart(this, i));
  }

  /**
   * Virtual time in nanoseconds.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine().now, 0);
   * ```
   */
  get now(): number {
    return this.#engine.now;
  }

  /**
   * Scheduling points executed since the machine was built.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine().steps, 0);
   * ```
   */
  get steps(): number {
    return this.#engine.steps;
  }

  /**
   * The hart being stepped, or null when host code is running.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * let seen = -1;
   * m.bootHart(1, function* (hart) { seen = m.currentHart!.id; yield* hart.pause(); });
   * m.run();
   * assert(seen === 1 && m.currentHart === null);
   * ```
   */
  get currentHart(): Hart | null {
    return this.#engine.current?.facade ?? null;
  }

  /**
   * The hash of the run so far (16 hex digits).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine().traceHash.length, 16);
   * ```
   */
  get traceHash(): string {
    return this.#engine.traceHash();
  }

  /**
   * The text form of the tape recorded so far, if `recordTape` is on.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert.equal(new Machine({ recordTape: true }).tape, "t1.");
   * ```
   */
  get tape(): string | undefined {
    return this.#tape?.toString();
  }

  /**
   * How to rebuild this run: the options literal, with the tape if recorded.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * assert(new Machine({ seed: 4 }).replay.includes("seed: 4"));
   * ```
   */
  get replay(): string {
    return this.#replayHint();
  }

  /**
   * Boots `entry` on every hart. Each hart runs its own generator, which
   * receives the hart. Harts must be halted (never booted, or finished).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 3 });
   * m.boot(function* (hart) { yield* hart.fetchAdd32(0, 1); });
   * m.run();
   * assert.equal(m.memory.read32(0), 3);
   * ```
   */
  boot(entry: (hart: Hart) => Op<unknown>): void {
    for (const hart of this.harts) this.bootHart(hart.id, entry);
  }

  /**
   * Boots `entry` on one hart; the other harts stay stopped.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * m.bootHart(1, function* (hart) { yield* hart.store32(0, hart.id); });
   * m.run();
   * assert.equal(m.memory.read32(0), 1);
   * ```
   */
  bootHart(id: number, entry: (hart: Hart) => Op<unknown>): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.harts.length) {
      throw new RangeError(`Machine.bootHart: no hart ${id} (harts 0..${this.harts.length - 1})`);
    }
    if (typeof entry !== "function") throw new TypeError("Machine.boot: entry must be a generator function");
    const gen = entry(this.harts[id]);
    if (gen === null || typeof gen !== "object" || typeof gen.next !== "function") {
      throw new TypeError(
        "Machine.boot: entry must be a generator function (function*), not a plain or async function",
      );
    }
    this.#engine.boot(this.#engine.cores[id], gen);
  }

  /**
   * Runs until every hart halts, the machine goes idle or deadlocks, the
   * step limit is hit, or `until` returns true. May be called again to go on.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 1 });
   * m.boot(function* (hart) { for (;;) yield* hart.pause(); });
   * const r = m.run({ maxSteps: 100 });
   * assert(r.status === "step-limit" && r.steps === 100);
   * ```
   */
  run(options: RunOptions = {}): RunReport {
    const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    if (!(maxSteps >= 0) || (!Number.isSafeInteger(maxSteps) && maxSteps !== Infinity)) {
      throw new RangeError(`Machine.run: maxSteps must be a non-negative integer or Infinity, got ${maxSteps}`);
    }
    const until = options.until;
    if (until !== undefined && typeof until !== "function" && typeof until !== "number") {
      throw new TypeError("Machine.run: until must be a function or a virtual time in ns");
    }
    if (typeof until === "number" && (Number.isNaN(until) || until < 0)) {
      throw new RangeError(`Machine.run: until must be a non-negative number of ns, got ${until}`);
    }
    if (this.#engine.current !== null) {
      throw new TypeError("Machine.run: cannot run a machine from inside its own step");
    }
    const maxTime = options.maxTime ?? Infinity;
    if (typeof maxTime !== "number" || Number.isNaN(maxTime) || maxTime < 0) {
      throw new RangeError(`Machine.run: maxTime must be a non-negative number of ns, got ${maxTime}`);
    }
    const stopAt = typeof until === "number" ? Math.min(until, maxTime) : maxTime;
    const report = this.#engine.run(maxSteps, typeof until === "function" ? until : undefined, stopAt);
    const exhausted = this.policy instanceof ReplayPolicy ? this.policy.exhausted : undefined;
    return exhausted === undefined ? report : { ...report, tapeExhausted: exhausted };
  }

  /**
   * Runs an operation to completion right now, from host code, on behalf of
   * hart `hart` (default 0): no other hart interleaves and no time passes.
   * For setup and host-side control, such as spawning or cancelling a task
   * between runs. An operation that would park or block throws a TypeError.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * const old = m.execute((hart) => hart.fetchAdd32(0x40, 5));
   * assert(old === 0 && m.memory.read32(0x40) === 5);
   * ```
   */
  execute<T>(op: (hart: Hart) => Op<T>, options: { readonly hart?: number } = {}): T {
    const id = options.hart ?? 0;
    if (!Number.isInteger(id) || id < 0 || id >= this.harts.length) {
      throw new RangeError(`Machine.execute: no hart ${id}`);
    }
    if (typeof op !== "function") {
      throw new TypeError("Machine.execute: op must be a function that returns an operation");
    }
    return this.#engine.execute(this.#engine.cores[id], op(this.harts[id]));
  }

  /**
   * A nondeterministic choice in `[0, n)`, drawn from the policy and recorded
   * on the tape. Kernel code uses it for every random decision (steal
   * victims, injected faults), so that exploration and replay cover them.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ seed: 3 });
   * const victim = m.choose(4);
   * assert(victim >= 0 && victim < 4);
   * ```
   */
  choose(n: number): number {
    return this.#engine.choose(n);
  }

  /**
   * Registers an interrupt handler on every hart.
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * m.onInterrupt("software", function* () {});
   * ```
   */
  onInterrupt(cause: InterruptCause, handler: InterruptHandler<Hart>): void {
    for (const hart of this.harts) hart.onInterrupt(cause, handler);
  }

  /**
   * Routes external line `irq` to one hart, unmasked: on riscv64 the PLIC
   * source gets `priority` (default 1) and is enabled for that hart only; on
   * x86_64 the IOAPIC pin gets vector `0x30 + irq` and that destination.
   *
   * @example
   * ```ts
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 4 });
   * m.routeIrq(10, { hart: 2, priority: 3 });
   * ```
   */
  routeIrq(irq: number, to: { readonly hart: number; readonly priority?: number }): void {
    const hart = to.hart;
    if (!Number.isInteger(hart) || hart < 0 || hart >= this.harts.length) {
      throw new RangeError(`Machine.routeIrq: no hart ${hart}`);
    }
    this.platform.routeIrq(irq, hart, to.priority ?? 1);
  }

  /**
   * The hart whose per-CPU block starts at `base`, or -1 if none does.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Machine } from "@ksim/ksim";
   * const m = new Machine({ harts: 2 });
   * assert.equal(m.cpuOfBlock(m.harts[1].cpuLocalBase), 1);
   * ```
   */
  cpuOfBlock(base: number): number {
    const start = this.memory.size - this.harts.length * CPU_LOCAL_BLOCK;
    const offset = base - start;
    if (offset < 0 || offset % CPU_LOCAL_BLOCK !== 0) return -1;
    const id = offset / CPU_LOCAL_BLOCK;
    return id < this.harts.length ? id : -1;
  }

  #replayHint(): string {
    const tape = this.#tape;
    if (tape !== undefined) {
      const text = tape.toString();
      if (text.length <= 4096) {
        return `new ${this.#replayName}({ ${this.#options}, policy: { kind: "replay", tape: "${text}" } })`;
      }
      return `new ${this.#replayName}({ ${this.#options}, policy: ${this.policy.describe()} }) (tape of ${tape.length} decisions in report.tape)`;
    }
    return `new ${this.#replayName}({ ${this.#options}, policy: ${this.policy.describe()} })`;
  }
}

function buildPolicy(option: PolicyOption, seed: number, harts: number, steps: () => number): Policy {
  const spec = typeof option === "string" ? { kind: option } : option;
  if (spec === null || typeof spec !== "object") {
    throw new TypeError(`Machine: policy must be a policy name, an options object or a Policy, got ${String(option)}`);
  }
  if (!("kind" in spec)) {
    const p = spec as Policy;
    if (typeof p.pick !== "function" || typeof p.choose !== "function" || typeof p.describe !== "function") {
      throw new TypeError("Machine: a custom policy needs pick, choose and describe methods");
    }
    return p;
  }
  const source = new SeededSource(seed);
  switch (spec.kind) {
    case "round-robin":
      return new RoundRobinPolicy(source, "quantum" in spec ? spec.quantum ?? 1 : 1);
    case "free-running":
      return new RoundRobinPolicy(source, "quantum" in spec ? spec.quantum ?? 256 : 256, true);
    case "random":
      return new RandomPolicy(source);
    case "pct": {
      const depth = "depth" in spec ? spec.depth ?? 3 : 3;
      const steps = "steps" in spec ? spec.steps ?? 10_000 : 10_000;
      return new PctPolicy(source, { harts, depth, steps });
    }
    case "replay":
      if (!("tape" in spec)) throw new TypeError(`Machine: the replay policy needs a tape`);
      return new ReplayPolicy(spec.tape, { steps });
    case "fuzz":
      if (!("data" in spec) || !(spec.data instanceof Uint8Array)) {
        throw new TypeError("Machine: the fuzz policy needs data: Uint8Array");
      }
      return new RandomPolicy(new BytesSource(spec.data), `{ kind: "fuzz", data: <${spec.data.length} bytes> }`);
    default:
      throw new TypeError(
        `Machine: unknown policy kind ${
          JSON.stringify((spec as { kind: unknown }).kind)
        } (expected round-robin, random, free-running, pct, replay or fuzz)`,
      );
  }
}
