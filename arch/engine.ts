/**
 * The interleaving engine: the step loop and its in-place fast path, virtual
 * time and interrupt delivery. {@linkcode Machine} is its public face; this
 * module is internal to `arch/`. Its parts live in modules of their own:
 * per-hart state (`hart_core.ts`), what each instruction does
 * (`opcodes.ts`), timer deadlines and device events (`timed_events.ts`),
 * the harts blocked on memory words (`watchers.ts`) and the trace hash
 * (`trace_hash.ts`).
 *
 * Invariants:
 * - One step = one hart executes its pending instruction (or takes an
 *   interrupt) and then runs local code up to its next yield. Steps are the
 *   only place where shared state changes, so the sequence of steps is the
 *   whole story of a run, and the trace hash folds every one of them.
 * - `runnable` is the ascending list of ids of RUNNABLE harts; it changes only
 *   when a hart parks, blocks, halts or wakes.
 * - Time moves forward only: by each step's cycle cost (1 cycle = 1 ns), and
 *   by jumps to the next timer or device event when no hart can run.
 * - An interrupt is delivered at a scheduling point of a RUNNABLE hart whose
 *   interrupt flag is set; the handler runs nested on that hart with the flag
 *   clear, and the flag is set again when the handler returns.
 * - A user-mode access (an instruction with a `space`, see `userOp`) is
 *   translated in the step that performs it, before anything else it does;
 *   the address it acted on (or the fault) is what the trace hash folds.
 * - In-place steps: when a hart issues an instruction, the engine makes the
 *   next scheduling decision right there, since nothing can change before
 *   the loop would make it: no `until` test or trace is asked for, no limit
 *   or event is reached, and no interrupt is due. If the decision (no
 *   choice with one runnable hart, else the policy's `pick`, called with the
 *   same arguments as the loop would) is that same hart, the instruction is
 *   performed on the spot as that step, without travelling up the
 *   generators to the loop; otherwise the loop takes the recorded pick. The
 *   policy sees the same calls and every step counts, costs, hashes and
 *   lands on the tape as a looped step would, so a run is bit for bit the
 *   same with the fast path on or off. While an explorer records the run
 *   (`dpor/recorder.ts`), an in-place step reports its start and footprint
 *   as a looped one does, and one the recorder would refuse (its hart is
 *   asleep) is left to the loop, so that the run stops outside simulated
 *   code. (The one exception is code that
 *   starts an instruction and then drops it instead of yielding it, which
 *   breaks the operation protocol.) Instructions that can stop their hart
 *   (`stops` in their descriptor) never run in place, nor does any
 *   instruction while another pick is pending, a step or time limit is
 *   reached, or the step would reach the next timed event.
 * - The hot path (`#step`, `#performInPlace`, `#carryOut`, `perform`, and
 *   for a hart's attempts `attempt32` and `perform32`) allocates
 *   nothing of its own, reads each opcode's cost and flags from its
 *   descriptor in `OPS` (one object shape for all), admits in-place steps
 *   with one check (`#admit`) and performs them with the one `perform`
 *   switch, whose 32-bit cases are `perform32`. The exceptions are the
 *   load, CAS, fetch-add and pause attempts, which the kernel's hot paths
 *   make: each has its own small function, which must do what `perform`
 *   does for its opcode (the golden step test and the fast-path tests
 *   compare them), and a hart alone admits its attempts with a shorter
 *   check of the same outcome (`#solo`).
 *
 * @module
 */

import { DEFER, Instruction, Issue, NOT_IN_PLACE, type Op, setInPlace } from "./op.ts";
import { type Effects, formatResult, OpCode, OPS, type OpSpec, perform, perform32, STOPPED } from "./opcodes.ts";
import { MemoryFault, type PhysicalMemory } from "./memory.ts";
import type { InterruptCause, Platform, PlatformHost } from "./platform.ts";
import type { Policy } from "./policy/policy.ts";
import type { Tape } from "./tape.ts";
import { type HartStats, MachinePanic, type RunReport, type RunStatus } from "./report.ts";
import { BLOCKED, HALTED, HartCore, type InterruptHandler, PARKED, RUNNABLE, thrownFrom } from "./hart_core.ts";
import { TraceHash } from "./trace_hash.ts";
import { TimedEvents } from "./timed_events.ts";
import { Watchers } from "./watchers.ts";
import { active } from "./dpor/recorder.ts";
import { attach, attached } from "./attach.ts";
import { irqObject } from "./dpor/footprint.ts";

/** The facade of the hart being stepped by whichever engine is running, if any. */
let current: unknown = null;

/**
 * The hart that is executing right now (its facade), like reading the
 * per-CPU pointer: set while an engine steps a hart or executes a host
 * operation, null otherwise.
 */
export function runningHart(): unknown {
  return current;
}

/** Each opcode's cost by code, for the attempts' hot path. */
const COST: Int32Array = Int32Array.from(OPS, (s) => s.cost);

/** Cycles for taking an interrupt (trap entry and return). */
const TRAP_COST = 20;
/** The costs of the attempts that have their own functions. */
const LOAD_COST = OPS[OpCode.Load32].cost, CAS_COST = OPS[OpCode.Cas32].cost;
const FETCH_ADD_COST = OPS[OpCode.FetchAdd32].cost, PAUSE_COST = OPS[OpCode.Pause].cost;
/** The instruction a woken `wfi` completes with. */
const WOKEN = new Instruction(OpCode.Resume, 0, 0, 0, 0n, 0n, "woken from wfi");
/** The instruction standing for "not started yet". */
const START = new Instruction(OpCode.Pause, 0, 0, 0, 0n, 0n, "start");

/** Options the engine needs from the machine. */
export interface EngineConfig {
  readonly harts: number;
  readonly memory: PhysicalMemory;
  readonly policy: Policy;
  readonly tape: Tape | undefined;
  readonly trace: ((line: string) => void) | undefined;
  readonly replay: () => string;
  readonly cpuLocalBase: (hart: number) => number;
  /** Whether in-place steps are allowed (they never change a run). */
  readonly fastPath: boolean;
}

/** The step loop and everything it touches. */
export class Engine<H> implements PlatformHost, Effects {
  now = 0;
  steps = 0;
  readonly cores: HartCore<H>[];
  readonly runnable: number[] = [];
  platform!: Platform;
  current: HartCore<H> | null = null;
  #cfg: EngineConfig;
  #tracing: boolean;
  readonly memory: PhysicalMemory;
  /** The low 32 bits of the last performed instruction's result, for the hash (see `Effects`). */
  word = 0;
  /** The physical address the last performed instruction acted on (a user access's fault, if it faulted), for the hash. */
  acted = 0;
  readonly #hash = new TraceHash();
  #last = -1;
  readonly #timed: TimedEvents;
  readonly #watchers = new Watchers<HartCore<H>>((c) => this.#makeRunnable(c));
  #fresh: HartCore<H>[] = [];
  /** Whether the current `run` allows in-place steps, and its limits. */
  #inPlaceOn = false;
  /** The hart being stepped while in-place steps are allowed, for its attempts; else null. */
  #stepping: HartCore<H> | null = null;
  /**
   * `#stepping` when its step began with that hart the only runnable one,
   * no pick kept, no recorder listening and no interrupt pending; null once
   * any of these may have changed: another hart became runnable
   * (`#insertRunnable`), an interrupt line changed (`updatePending`), or a
   * timer or device event was set (`armTimer`, `at`). While it is set,
   * `#admit` for that hart comes down to its step and time limits, which
   * its attempts check against `#horizon` (see `#admitAttempt`).
   */
  #solo: HartCore<H> | null = null;
  /** While `#solo` is set: the earlier of the next timed event and the run's time limit. */
  #horizon = 0;
  /**
   * The hart whose step is running, whose statistics are counted when the
   * step ends (`#step`): every step and cycle the engine counts meanwhile is
   * that hart's, but for cycles charged to other harts (`#foreign`).
   */
  #counting: HartCore<H> | null = null;
  #foreign = 0;
  /** A pick made at an in-place attempt that chose another hart, for the loop; -1 if none. */
  #picked = -1;
  #limit = 0;
  #maxTime = Infinity;
  readonly #performer = (ins: Instruction): unknown => this.#performInPlace(ins);

  /** Links `owner` (a Machine) to `engine`, once (`attach` refuses a second), so that facades find it with {@linkcode Engine.of}. */
  static register<H>(owner: object, engine: Engine<H>): void {
    attach(owner, Engine, engine);
  }

  /** The engine behind `owner` (a constructed Machine). */
  static of<H>(owner: object): Engine<H> {
    const engine = attached<Engine<H>>(owner, Engine);
    if (engine === undefined) throw new TypeError("ksim: this object is not a constructed Machine");
    return engine as Engine<H>;
  }

  constructor(cfg: EngineConfig) {
    this.#cfg = cfg;
    this.#tracing = cfg.trace !== undefined;
    this.cores = Array.from({ length: cfg.harts }, (_, i) => new HartCore<H>(i, cfg.cpuLocalBase(i)));
    this.memory = cfg.memory;
    this.#timed = new TimedEvents(cfg.harts, this.#hash, (h) => this.platform.timerExpired(h));
  }

  // ---- PlatformHost ----

  armTimer(hart: number, deadline: number): void {
    if (active !== null) active.write(irqObject(hart));
    this.#solo = null;
    this.#timed.armTimer(hart, deadline);
  }

  updatePending(hart: number): void {
    if (active !== null) active.write(irqObject(hart));
    const c = this.cores[hart];
    this.#solo = null;
    const pending = this.platform.pendingCause(hart) !== null;
    c.irqPending = pending;
    if (!pending) return;
    if (c.state === PARKED) {
      c.stats.idleNs += this.now - c.parkedAt;
      c.pend[c.pend.length - 1] = WOKEN;
      this.#makeRunnable(c);
    } else if (c.state === BLOCKED && c.irqEnabled) {
      this.#watchers.unwatch(c);
      this.#makeRunnable(c);
    }
  }

  // ---- host-side control ----

  /** Schedules a device event at an absolute virtual time. */
  at(time: number, fire: () => void): void {
    this.#solo = null;
    this.#timed.at(this.now, time, fire);
  }

  /** Installs an entry generator on a halted hart. */
  boot(c: HartCore<H>, gen: Op<unknown>): void {
    if (c.state !== HALTED) throw new TypeError(`Machine.boot: hart ${c.id} is already running`);
    c.gens.length = 0;
    c.pend.length = 0;
    c.frames = [];
    c.gens.push(gen);
    c.pend.push(START);
    c.state = RUNNABLE;
    this.#fresh.push(c);
  }

  /** A data decision, recorded on the tape. */
  choose(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 0x1_0000_0000) {
      throw new RangeError(`Machine.choose: n must be an integer in [1, 2^32], got ${n}`);
    }
    if (n === 1) return 0;
    const v = this.#cfg.policy.choose(n);
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new RangeError(`Machine.choose: the policy answered ${v}, which is not in [0, ${n})`);
    }
    this.#cfg.tape?.push(v);
    this.#hash.mix(0x5eed0000 ^ v);
    return v;
  }

  // ---- the loop ----

  run(maxSteps: number, until: (() => boolean) | undefined, maxTime: number = Infinity): RunReport {
    this.#prime();
    // Host-side writes may have changed watched words: let blocked harts re-check.
    for (const c of this.cores) {
      if (c.state === BLOCKED) {
        this.#watchers.unwatch(c);
        this.#makeRunnable(c);
      }
    }
    const limit = this.steps + maxSteps;
    const runnable = this.runnable;
    const timed = this.#timed;
    // An explorer recording the run's steps (see arch/dpor/) sees each one start in this loop.
    const rec = active;
    rec?.start(this.cores.length);
    this.#inPlaceOn = this.#cfg.fastPath && until === undefined && !this.#tracing;
    this.#limit = limit;
    this.#maxTime = maxTime;
    this.#picked = -1;
    try {
      for (;;) {
        if (until !== undefined && until()) return this.report("stopped");
        const n = runnable.length;
        if (this.now >= maxTime) return this.report("stopped");
        if (n === 0) {
          const next = timed.nextEventAt;
          if (next > maxTime && next !== Infinity) {
            this.now = Math.max(this.now, maxTime);
            return this.report("stopped");
          }
          if (next === Infinity) return this.report(this.#quiescent());
          rec?.idle();
          this.now = Math.max(this.now, next);
          this.#hash.mix(0x7100 ^ (this.now | 0));
          timed.fireDue(this.now);
          continue;
        }
        if (this.steps >= limit) return this.report("step-limit");
        let id: number;
        if (this.#picked >= 0) {
          id = this.#picked;
          this.#picked = -1;
        } else id = n === 1 ? runnable[0] : this.#pick();
        this.#last = id;
        rec?.begin(id);
        this.#step(this.cores[id]);
        if (this.now >= timed.nextEventAt) {
          rec?.global();
          timed.fireDue(this.now);
        }
      }
    } finally {
      this.#inPlaceOn = false;
      rec?.stop();
    }
  }

  /** Asks the policy which of two or more runnable harts steps next, and records the answer. */
  #pick(): number {
    const runnable = this.runnable;
    const id = this.#cfg.policy.pick(runnable, this.#last, this.steps);
    if (this.cores[id]?.state !== RUNNABLE) {
      throw new RangeError(
        `Machine.run: the policy picked hart ${id}, which cannot run (runnable: ${runnable.join(", ")})`,
      );
    }
    this.#cfg.tape?.push(id);
    return id;
  }

  /** Runs every newly booted hart to its first yield, in id order. */
  #prime(): void {
    if (this.#fresh.length === 0) return;
    const fresh = this.#fresh.sort((a, b) => a.id - b.id);
    this.#fresh = [];
    for (const c of fresh) {
      if (c.state === RUNNABLE && !this.runnable.includes(c.id)) this.#insertRunnable(c.id);
      this.current = c;
      current = c.facade;
      try {
        this.#resume(c, c.gens[0].next());
      } catch (e) {
        throw this.#asPanic(c, e);
      } finally {
        this.current = null;
        current = null;
      }
    }
  }

  #step(c: HartCore<H>): void {
    this.current = c;
    current = c.facade;
    const steps0 = this.steps, now0 = this.now;
    this.#counting = c;
    this.#foreign = 0;
    this.steps++;
    if (this.#inPlaceOn) {
      setInPlace(this.#performer);
      this.#stepping = c;
      if (this.runnable.length <= 1 && active === null && this.#picked < 0 && !c.irqPending) {
        this.#solo = c;
        this.#horizon = Math.min(this.#timed.nextEventAt, this.#maxTime);
      }
    }
    try {
      // Whether an interrupt is taken here depends on the hart's interrupt state.
      if (c.irqEnabled && active !== null) active.read(irqObject(c.id));
      if (c.irqEnabled && c.irqPending) {
        this.#trap(c);
        return;
      }
      const depth = c.gens.length - 1;
      const ins = c.pend[depth];
      // wfi parks or not, and a woken hart resumes, by its interrupt state.
      if (active !== null && (ins.code === OpCode.Wfi || ins.code === OpCode.Resume)) active.read(irqObject(c.id));
      let value: unknown;
      try {
        const spec = OPS[ins.code];
        if (spec === undefined) throw new TypeError(`unknown opcode ${ins.code}`);
        value = this.#carryOut(c, ins, spec);
      } catch (e) {
        if (!(e instanceof MemoryFault)) throw e;
        this.#trace(c, ins, `fault: ${e.message}`);
        this.#resume(c, c.gens[depth].throw(e));
        return;
      }
      if (value === STOPPED) {
        this.#trace(c, ins, c.state === PARKED ? "parked" : "blocked");
        return;
      }
      if (this.#tracing) this.#trace(c, ins, value === undefined ? "" : `→ ${formatResult(ins.code, value)}`);
      this.#resume(c, c.gens[depth].next(value));
    } catch (e) {
      throw this.#asPanic(c, e);
    } finally {
      // The step's own instruction, its in-place steps and attempts, and any
      // trap, all charged to `c` here rather than one by one.
      c.stats.steps += this.steps - steps0;
      c.stats.cycles += this.now - now0 - this.#foreign;
      this.#counting = null;
      setInPlace(null);
      this.#stepping = null;
      this.#solo = null;
      this.current = null;
      current = null;
    }
  }

  /**
   * A hart's in-place attempt of a kernel-mode 32-bit instruction
   * (`Hart.trySwap32` and the like; `code` with operands `a` and `b`):
   * while hart `c` is being stepped with in-place steps allowed, the same
   * decision and step as an issued instruction's (see `#performInPlace`),
   * performed directly, and its result; else NOT_IN_PLACE. The load, CAS
   * and fetch-add that every poll makes, and the pause, have their own
   * copies below, each small enough for V8 to compile with the memory
   * access inlined.
   */
  attempt32(c: HartCore<H>, code: OpCode, addr: number, a: number, b: number): number {
    if (!this.#admitAttempt(c, COST[code])) return NOT_IN_PLACE;
    this.acted = addr;
    let value: number;
    try {
      value = perform32(this, code, addr, a, b);
    } catch (e) {
      this.#faulted(c, code, e);
    }
    this.#hash.mix3((c.id << 8) | code, addr | 0, this.word | 0);
    return value;
  }

  /** `attempt32` of a Load32. */
  attemptLoad32(c: HartCore<H>, addr: number): number {
    if (!this.#admitAttempt(c, LOAD_COST)) return NOT_IN_PLACE;
    let v: number;
    try {
      v = this.memory.read32(addr);
    } catch (e) {
      this.#faulted(c, OpCode.Load32, e);
    }
    this.#hash.mix3((c.id << 8) | OpCode.Load32, addr | 0, v | 0);
    return v;
  }

  /** `attempt32` of a Cas32 (`expected` already an unsigned word). */
  attemptCas32(c: HartCore<H>, addr: number, expected: number, desired: number): number {
    if (!this.#admitAttempt(c, CAS_COST)) return NOT_IN_PLACE;
    let v: number;
    try {
      const mem = this.memory;
      v = mem.read32(addr);
      if (v === expected) {
        mem.write32(addr, desired);
        this.#watchers.wrote(addr);
      }
    } catch (e) {
      this.#faulted(c, OpCode.Cas32, e);
    }
    this.#hash.mix3((c.id << 8) | OpCode.Cas32, addr | 0, v | 0);
    return v;
  }

  /** `attempt32` of a FetchAdd32. */
  attemptFetchAdd32(c: HartCore<H>, addr: number, delta: number): number {
    if (!this.#admitAttempt(c, FETCH_ADD_COST)) return NOT_IN_PLACE;
    let v: number;
    try {
      const mem = this.memory;
      v = mem.read32(addr);
      mem.write32(addr, (v + delta) >>> 0);
      this.#watchers.wrote(addr);
    } catch (e) {
      this.#faulted(c, OpCode.FetchAdd32, e);
    }
    this.#hash.mix3((c.id << 8) | OpCode.FetchAdd32, addr | 0, v | 0);
    return v;
  }

  /** The attempt of a Pause: a step that only lets other harts run. */
  attemptPause(c: HartCore<H>): number {
    if (!this.#admitAttempt(c, PAUSE_COST)) return NOT_IN_PLACE;
    this.#hash.mix3((c.id << 8) | OpCode.Pause, 0, 0);
    return 0;
  }

  /**
   * Whether hart `c` may take an attempt costing `cost` in place now: it is
   * the hart being stepped with in-place steps allowed, and `#admit` lets
   * the step run here. If so, the step is counted and its cost charged.
   */
  #admitAttempt(c: HartCore<H>, cost: number): boolean {
    // A hart alone (see `#solo`) needs only the checks that change with each
    // step: when they pass, so would `#admit`'s (now + cost < #horizon
    // implies now < #maxTime), which makes no pick and has no recorder to
    // tell. Anything else takes the full check, which decides exactly. (A
    // separate function: folding both into `#admit`, or this check into a
    // function of its own, costs the single-hart kernel path about 10% once
    // multi-hart runs have warmed it up.)
    if (this.#solo === c && this.now + cost < this.#horizon && this.steps < this.#limit) {
      this.steps++;
      this.now += cost;
      return true;
    }
    return this.#admitAnyAttempt(c, cost);
  }

  /** `#admitAttempt` for any hart, at any time. */
  #admitAnyAttempt(c: HartCore<H>, cost: number): boolean {
    if (this.#stepping !== c || !this.#admit(c, cost)) return false;
    this.now += cost;
    return true;
  }

  /** Charges `cycles` of work to hart `c` (`Hart.charge`): time passes, and `c`'s statistics count them. */
  charge(c: HartCore<H>, cycles: number): void {
    this.now += cycles;
    if (this.#counting === c) return; // counted when its step ends
    c.stats.cycles += cycles;
    if (this.#counting !== null) this.#foreign += cycles;
  }

  /** Folds a memory fault of an attempt into the trace hash, and rethrows it. */
  #faulted(c: HartCore<H>, code: OpCode, e: unknown): never {
    if (e instanceof MemoryFault) this.#hash.mix(((c.id << 8) | code) ^ 0x6000000);
    throw e;
  }

  /**
   * Makes the next scheduling decision when the running hart issues `ins`
   * (see the module invariants). If it is that hart again, performs `ins` as
   * that step, recording everything a looped step records in the same
   * order, and returns its result. Otherwise returns DEFER, and `ins` is
   * yielded to the loop as usual (with the pick kept for it, if one was made).
   */
  #performInPlace(ins: Instruction): unknown {
    const c = this.current;
    const spec = OPS[ins.code];
    if (c === null || spec === undefined || spec.stops) return DEFER;
    // A hart alone: the short check of `#admitAttempt`, written out here too.
    if (this.#solo === c && this.now + spec.cost < this.#horizon && this.steps < this.#limit) this.steps++;
    else if (!this.#admit(c, spec.cost)) return DEFER;
    return this.#carryOut(c, ins, spec);
  }

  /**
   * Whether the running hart `c` takes its next step in place, an
   * instruction costing `cost` (see the module invariants): if so, counts
   * the step (and reports its start to a recorder); if not, the loop takes
   * it, with the pick made here, if any.
   */
  #admit(c: HartCore<H>, cost: number): boolean {
    if (this.#picked >= 0 || (c.irqEnabled && c.irqPending)) return false;
    if (this.steps >= this.#limit || this.now >= this.#maxTime || this.now + cost >= this.#timed.nextEventAt) {
      return false;
    }
    if (this.runnable.length > 1 || active !== null) return this.#admitShared(c);
    this.steps++;
    return true;
  }

  /** The rest of `#admit` when other harts could run or a recorder listens: the pick, and the recorder's start. */
  #admitShared(c: HartCore<H>): boolean {
    if (this.runnable.length > 1) {
      const id = this.#pick();
      if (id !== c.id) {
        this.#picked = id;
        return false;
      }
    }
    const rec = active;
    if (rec !== null) {
      // A recorded step starts as a looped one does; a step the recorder
      // would refuse (its hart is asleep) goes to the loop, which stops the
      // run there, outside simulated code.
      if (!rec.admits(c.id)) {
        this.#picked = c.id;
        return false;
      }
      rec.begin(c.id);
      if (c.irqEnabled) rec.read(irqObject(c.id));
    }
    this.steps++;
    return true;
  }

  /**
   * The part of a step both paths share: charges `ins` (`spec` is its descriptor) to hart `c`,
   * performs it and folds it into the trace hash. Returns its result, or
   * STOPPED if the hart parked or blocked; a MemoryFault is folded, then
   * rethrown for the caller to deliver at the instruction.
   */
  #carryOut(c: HartCore<H>, ins: Instruction, spec: OpSpec): unknown {
    const code = ins.code;
    const cost = spec.cost;
    this.now += cost;
    let value: unknown;
    try {
      value = perform(this, c, ins, spec);
    } catch (e) {
      if (e instanceof MemoryFault) this.#hash.mix(((c.id << 8) | code) ^ 0x6000000);
      throw e;
    }
    if (value === STOPPED) this.#hash.mix(((c.id << 8) | code) ^ (c.state === PARKED ? 0x3000000 : 0x4000000));
    else this.#hash.mix3((c.id << 8) | code, this.acted | 0, this.word | 0);
    return value;
  }

  /** What simulated code threw, as the MachinePanic that names its hart. */
  #asPanic(c: HartCore<H>, e: unknown): MachinePanic {
    if (e instanceof MachinePanic) return e;
    return this.panic(c, e instanceof Error ? `${e.name}: ${e.message}` : `threw ${String(e)}`, e);
  }

  // ---- Effects, for `perform` ----

  wrote(addr: number): void {
    this.#watchers.wrote(addr);
  }

  wrote64(addr: number): void {
    const w = this.#watchers;
    w.wrote(addr);
    w.wrote(addr + 4);
  }

  park(c: HartCore<H>): typeof STOPPED {
    this.#removeRunnable(c.id);
    c.state = PARKED;
    c.parkedAt = this.now;
    c.stats.parks++;
    return STOPPED;
  }

  block(c: HartCore<H>, addr: number): typeof STOPPED {
    this.#removeRunnable(c.id);
    c.state = BLOCKED;
    this.#watchers.watch(c, addr);
    return STOPPED;
  }

  /**
   * Runs an operation to completion at once, from host code, on behalf of
   * hart `c`: no other hart interleaves and no time passes. Blocking is an
   * error, since nothing else could ever unblock it.
   */
  execute<T>(c: HartCore<H>, op: Op<T>): T {
    if (this.current !== null) throw new TypeError("Machine.execute: cannot be called from simulated code");
    this.#prime();
    this.current = c;
    current = c.facade;
    try {
      let r = op.next();
      while (!r.done) {
        const ins = r.value;
        if (!(ins instanceof Instruction) && !((ins as unknown) instanceof Issue)) {
          throw new TypeError(`Machine.execute: the operation yielded ${describeValue(ins)}, not an Instruction`);
        }
        const spec = OPS[ins.code];
        if (spec === undefined) throw new TypeError(`unknown opcode ${ins.code}`);
        if (spec.wouldStop(this.memory, c, ins)) {
          throw new TypeError(`Machine.execute: "${ins.describe()}" would wait forever in host code`);
        }
        let value: unknown;
        try {
          value = perform(this, c, ins, spec);
        } catch (e) {
          if (!(e instanceof MemoryFault)) throw e;
          r = op.throw(e);
          continue;
        }
        this.#hash.mix3((c.id << 8) | ins.code | 0x8000, this.acted | 0, this.word | 0);
        r = op.next(value);
      }
      return r.value;
    } finally {
      this.current = null;
      current = null;
    }
  }

  /** Takes the pending interrupt: pushes the trap entry on the hart's stack. */
  #trap(c: HartCore<H>): void {
    const cause = this.platform.take(c.id);
    c.stats[cause]++;
    this.now += TRAP_COST;
    this.#hash.mix(((c.id << 8) | 0xff) ^ (cause === "timer" ? 0x10000 : cause === "software" ? 0x20000 : 0x30000));
    this.updatePending(c.id);
    const handler = c.handlers[cause];
    if (handler === undefined) {
      throw this.panic(c, `unhandled ${cause} interrupt (register a handler with onInterrupt)`);
    }
    this.#cfg.trace?.(`${this.#where(c)}trap ${cause}`);
    c.irqEnabled = false;
    const gen = trapEntry(c, cause, handler);
    c.gens.push(gen);
    c.pend.push(START);
    this.#resume(c, gen.next());
  }

  /** Records what a generator did after being resumed. */
  #resume(c: HartCore<H>, r: IteratorResult<Instruction, unknown>): void {
    const depth = c.gens.length - 1;
    if (r.done) {
      c.gens.pop();
      c.pend.pop();
      if (depth === 0) {
        c.state = HALTED;
        this.#removeRunnable(c.id);
      } else {
        // Return from trap: the interrupted code's instruction is still pending.
        c.irqEnabled = true;
      }
      return;
    }
    const ins = r.value;
    if (!(ins instanceof Instruction) && !((ins as unknown) instanceof Issue)) {
      throw this.panic(
        c,
        `yielded ${
          describeValue(ins)
        }, which is not an Instruction (use yield* on operations, and never await inside the simulation)`,
      );
    }
    c.pend[depth] = ins;
  }

  #makeRunnable(c: HartCore<H>): void {
    c.state = RUNNABLE;
    this.#insertRunnable(c.id);
  }

  #insertRunnable(id: number): void {
    this.#solo = null;
    const r = this.runnable;
    let i = r.length;
    while (i > 0 && r[i - 1] > id) i--;
    r.splice(i, 0, id);
  }

  #removeRunnable(id: number): void {
    const r = this.runnable;
    const i = r.indexOf(id);
    if (i >= 0) r.splice(i, 1);
  }

  #quiescent(): RunStatus {
    let halted = true;
    for (const c of this.cores) {
      if (c.state === BLOCKED) return "deadlock";
      if (c.state !== HALTED) halted = false;
    }
    return halted ? "halted" : "idle";
  }

  /**
   * One trace line: `t=<ns>ns step=<n> hart=<id> [<task>] <frame> › <description> (<label>) <result>`,
   * such as `t=1234ns step=57 hart=1 [worker-3] push › fetch_add32 0x1000 +1 (first) → 5`;
   * the task, the innermost frame and the label are left out when there is none.
   */
  #trace(c: HartCore<H>, ins: Instruction, what: string): void {
    const label = c.context.label;
    this.#cfg.trace?.(`${this.#where(c)}${ins.describe()}${label ? ` (${label})` : ""}${what ? " " + what : ""}`);
  }

  /** The start of a trace line: when, which step, which hart, for which task, in which frame. */
  #where(c: HartCore<H>): string {
    const task = c.context.name;
    const frames = c.frames;
    const frame = frames.length > 0 ? `${frames[frames.length - 1]} › ` : "";
    return `t=${this.now}ns step=${this.steps} hart=${c.id} ${task ? `[${task}] ` : ""}${frame}`;
  }

  traceHash(): string {
    return this.#hash.toString();
  }

  panic(c: HartCore<H> | null, what: string, cause?: unknown): MachinePanic {
    const recorded = typeof cause === "object" && cause !== null ? thrownFrom.get(cause) : undefined;
    return new MachinePanic(what, {
      hart: c?.id ?? -1,
      stack: c?.describeStack(recorded) ?? [],
      replay: this.#cfg.replay(),
      now: this.now,
      cause,
    });
  }

  report(status: RunStatus): RunReport {
    const harts: HartStats[] = this.cores.map((c) => {
      const s = c.stats;
      return {
        id: c.id,
        steps: s.steps,
        cycles: s.cycles,
        idleNs: s.idleNs + (c.state === PARKED ? this.now - c.parkedAt : 0),
        parks: s.parks,
        interrupts: { timer: s.timer, software: s.software, external: s.external },
        ipisSent: s.ipisSent,
      };
    });
    const stuck = status !== "halted";
    const tape = this.#cfg.tape;
    return {
      status,
      steps: this.steps,
      now: this.now,
      traceHash: this.traceHash(),
      harts,
      ...(stuck ? { stacks: this.cores.map((c) => c.describeStack()) } : {}),
      ...(tape !== undefined ? { tape: tape.toString() } : {}),
      replay: this.#cfg.replay(),
    };
  }
}

/**
 * The ISA-neutral trap entry: dispatches one interrupt to its handler, in a
 * context of its own, so that the handler's operations are not shown as the
 * interrupted task's (its frame says `trap <cause>`).
 */
function* trapEntry<H>(c: HartCore<H>, cause: InterruptCause, handler: InterruptHandler<H>): Op<void> {
  const frames = c.frames;
  const interrupted = c.context;
  frames.push(`trap ${cause}`);
  c.context = { name: "", label: "" };
  try {
    yield* handler(c.facade);
  } finally {
    c.context = interrupted;
    frames.pop();
  }
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return `${typeof v} ${String(v)}`;
}
