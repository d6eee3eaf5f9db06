/**
 * The interleaving engine: per-hart execution state, the step loop, virtual
 * time and interrupt delivery. {@linkcode Machine} is its public face; this
 * module is internal to `arch/`.
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
 *   same with the fast path on or off. (The one exception is code that
 *   starts an instruction and then drops it instead of yielding it, which
 *   breaks the operation protocol.)
 *
 * @module
 */

import { DEFER, Instruction, Issue, type Op, OpCode, opName, setInPlace, WRITE_BYTES } from "./op.ts";
import { MemoryFault, type PhysicalMemory } from "./memory.ts";
import type { InterruptCause, Platform, PlatformHost } from "./platform.ts";
import type { Policy } from "./policy/policy.ts";
import type { Tape } from "./tape.ts";
import { type HartStats, MachinePanic, type RunReport, type RunStatus } from "./report.ts";

/**
 * The frame stack in force when an error left its innermost frame, recorded
 * by `Hart.frame` so that a panic can show where the error was thrown even
 * though the frames' `finally` blocks have popped them by then.
 */
export const thrownFrom: WeakMap<object, readonly string[]> = new WeakMap();

/** Returned by `#perform` when the hart parked or blocked. */
const STOPPED: unique symbol = Symbol("stopped");

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

/** Hart execution states. */
export const RUNNABLE = 0, PARKED = 1, BLOCKED = 2, HALTED = 3;

/** A handler that the trap entry runs for one interrupt cause.
 *
 * @example
 * ```ts
 * import { type Hart, type InterruptHandler, Machine } from "@ksim/ksim";
 * const onIpi: InterruptHandler<Hart> = function* (hart) { yield* hart.fetchAdd32(0x40, 1); };
 * new Machine({ harts: 2 }).onInterrupt("software", onIpi);
 * ``` */
export type InterruptHandler<H> = (hart: H) => Op<void>;

/** Cycle cost of each opcode. Read-modify-writes cost more than plain accesses. */
const COST: readonly number[] = [1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 1, 1, 3, 3, 3, 1, 1, 0];
/** Cycles for taking an interrupt (trap entry and return). */
const TRAP_COST = 20;
/** The instruction a woken `wfi` completes with. */
const WOKEN = new Instruction(OpCode.Resume, 0, 0, 0, 0n, 0n, "woken from wfi");
/** The instruction standing for "not started yet". */
const START = new Instruction(OpCode.Pause, 0, 0, 0, 0n, 0n, "start");

/**
 * Whom a hart is working for, for traces and reports (never for the trace
 * hash): `name` is the task the kernel is polling on it (empty for the
 * hart's own code), `label` what its code last set with `hart.label`. Each
 * task has its own context, swapped in while it is polled, so a label
 * follows its task from hart to hart.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 1 });
 * m.boot(function* (hart) {
 *   const task = { name: "producer", label: "" };
 *   const outer = hart.context;
 *   hart.context = task;
 *   hart.label("push");
 *   yield* hart.fetchAdd32(0x40, 1);
 *   hart.context = outer;
 *   assert.equal(task.label, "push");
 * });
 * m.run();
 * ```
 */
export interface HartContext {
  /** The task's name, or empty. */
  readonly name: string;
  /** The label shown with the following operations, or empty. */
  label: string;
}

/** Mutable per-hart statistics. */
class Stats {
  steps = 0;
  cycles = 0;
  idleNs = 0;
  parks = 0;
  timer = 0;
  software = 0;
  external = 0;
  ipisSent = 0;
}

/** The engine's view of one hart. */
export class HartCore<H> {
  state = HALTED;
  /** Generator stack: the entry at 0, nested interrupt handlers above it. */
  readonly gens: Op<unknown>[] = [];
  /** The pending instruction of each generator on the stack. */
  readonly pend: Instruction[] = [];
  irqEnabled = false;
  irqPending = false;
  /** Descriptions of the operations in progress, outermost first. */
  frames: string[] = [];
  /** Whom the hart works for (a polled task) and its label, for traces and reports. */
  context: HartContext = { name: "", label: "" };
  readonly handlers: Partial<Record<InterruptCause, InterruptHandler<H>>> = {};
  cpuLocalBase: number;
  parkedAt = 0;
  waitAddr = -1;
  readonly stats = new Stats();
  /** Set by the owner once the facade exists. */
  facade!: H;

  constructor(readonly id: number, cpuLocalBase: number) {
    this.cpuLocalBase = cpuLocalBase;
  }

  /** The stack of descriptions shown in reports; `frames` overrides the live frames. */
  describeStack(frames: readonly string[] = this.frames): string[] {
    const out = [...frames];
    const top = this.pend.length - 1;
    if (this.state === HALTED) out.push("halted");
    else if (top >= 0) {
      const label = this.context.label;
      const ins = label ? `${this.pend[top].describe()} (${label})` : this.pend[top].describe();
      out.push(this.state === PARKED ? `${ins} (parked)` : this.state === BLOCKED ? `${ins} (blocked)` : ins);
    }
    return out;
  }
}

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

/** A device event: at `at` ns, run `fire`. */
interface TimedEvent {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** The step loop and everything it touches. */
export class Engine<H> implements PlatformHost {
  now = 0;
  steps = 0;
  readonly cores: HartCore<H>[];
  readonly runnable: number[] = [];
  platform!: Platform;
  current: HartCore<H> | null = null;
  #cfg: EngineConfig;
  #tracing: boolean;
  #h1 = 0x811c9dc5 | 0;
  #h2 = 0x2545f491 | 0;
  #last = -1;
  #deadlines: Float64Array;
  #nextDeadline = Infinity;
  #events: TimedEvent[] = [];
  #seq = 0;
  #nextEventAt = Infinity;
  #watchers = new Map<number, HartCore<H>[]>();
  #fresh: HartCore<H>[] = [];
  /** Whether the current `run` allows in-place steps, and its limits. */
  #inPlaceOn = false;
  /** A pick made at an in-place attempt that chose another hart, for the loop; -1 if none. */
  #picked = -1;
  #limit = 0;
  #maxTime = Infinity;
  readonly #performer = (ins: Instruction): unknown => this.#performInPlace(ins);

  /** Each public object's engine (a Machine's), for the facades that need engine state. */
  static #owners = new WeakMap<object, Engine<unknown>>();

  /** Links `owner` (a Machine) to `engine`, once, so that facades find it with {@linkcode Engine.of}. */
  static register<H>(owner: object, engine: Engine<H>): void {
    if (Engine.#owners.has(owner)) throw new TypeError("ksim: this machine already has an engine");
    Engine.#owners.set(owner, engine as Engine<unknown>);
  }

  /** The engine behind `owner` (a constructed Machine). */
  static of<H>(owner: object): Engine<H> {
    const engine = Engine.#owners.get(owner);
    if (engine === undefined) throw new TypeError("ksim: this object is not a constructed Machine");
    return engine as Engine<H>;
  }

  constructor(cfg: EngineConfig) {
    this.#cfg = cfg;
    this.#tracing = cfg.trace !== undefined;
    this.cores = Array.from({ length: cfg.harts }, (_, i) => new HartCore<H>(i, cfg.cpuLocalBase(i)));
    this.#deadlines = new Float64Array(cfg.harts).fill(Infinity);
  }

  // ---- PlatformHost ----

  armTimer(hart: number, deadline: number): void {
    const old = this.#deadlines[hart];
    this.#deadlines[hart] = deadline;
    if (deadline < this.#nextDeadline) this.#nextDeadline = deadline;
    else if (old === this.#nextDeadline && deadline > old) this.#nextDeadline = Math.min(...this.#deadlines);
    this.#nextEventAt = Math.min(this.#nextDeadline, this.#events.length ? this.#events[0].at : Infinity);
  }

  updatePending(hart: number): void {
    const c = this.cores[hart];
    const pending = this.platform.pendingCause(hart) !== null;
    c.irqPending = pending;
    if (!pending) return;
    if (c.state === PARKED) {
      c.stats.idleNs += this.now - c.parkedAt;
      c.pend[c.pend.length - 1] = WOKEN;
      this.#makeRunnable(c);
    } else if (c.state === BLOCKED && c.irqEnabled) {
      this.#unwatch(c);
      this.#makeRunnable(c);
    }
  }

  // ---- host-side control ----

  /** Schedules a device event at an absolute virtual time. */
  at(time: number, fire: () => void): void {
    const ev: TimedEvent = { at: Math.max(time, this.now), seq: this.#seq++, fire };
    const evs = this.#events;
    let i = evs.length;
    while (i > 0 && (evs[i - 1].at > ev.at || (evs[i - 1].at === ev.at && evs[i - 1].seq > ev.seq))) i--;
    evs.splice(i, 0, ev);
    if (ev.at < this.#nextEventAt) this.#nextEventAt = ev.at;
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
    this.#mix(0x5eed0000 ^ v);
    return v;
  }

  // ---- the loop ----

  run(maxSteps: number, until: (() => boolean) | undefined, maxTime: number = Infinity): RunReport {
    this.#prime();
    // Host-side writes may have changed watched words: let blocked harts re-check.
    for (const c of this.cores) {
      if (c.state === BLOCKED) {
        this.#unwatch(c);
        this.#makeRunnable(c);
      }
    }
    const limit = this.steps + maxSteps;
    const runnable = this.runnable;
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
          if (this.#nextEventAt > maxTime && this.#nextEventAt !== Infinity) {
            this.now = Math.max(this.now, maxTime);
            return this.report("stopped");
          }
          if (this.#nextEventAt === Infinity) return this.report(this.#quiescent());
          this.now = Math.max(this.now, this.#nextEventAt);
          this.#mix(0x7100 ^ (this.now | 0));
          this.#fireDue();
          continue;
        }
        if (this.steps >= limit) return this.report("step-limit");
        let id: number;
        if (this.#picked >= 0) {
          id = this.#picked;
          this.#picked = -1;
        } else id = n === 1 ? runnable[0] : this.#pick();
        this.#last = id;
        this.#step(this.cores[id]);
        if (this.now >= this.#nextEventAt) this.#fireDue();
      }
    } finally {
      this.#inPlaceOn = false;
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
    const stats = c.stats;
    stats.steps++;
    this.steps++;
    if (this.#inPlaceOn) setInPlace(this.#performer);
    try {
      if (c.irqEnabled && c.irqPending) {
        this.#trap(c);
        return;
      }
      const depth = c.gens.length - 1;
      const ins = c.pend[depth];
      let value: unknown;
      try {
        value = this.#carryOut(c, ins);
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
      setInPlace(null);
      this.current = null;
      current = null;
    }
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
    const code = ins.code;
    if (c === null || this.#picked >= 0 || code >= OpCode.Wfi || (c.irqEnabled && c.irqPending)) return DEFER;
    const cost = COST[code];
    if (this.steps >= this.#limit || this.now >= this.#maxTime || this.now + cost >= this.#nextEventAt) return DEFER;
    if (this.runnable.length > 1) {
      const id = this.#pick();
      if (id !== c.id) {
        this.#picked = id;
        return DEFER;
      }
    }
    c.stats.steps++;
    this.steps++;
    return this.#carryOut(c, ins);
  }

  /**
   * The part of a step both paths share: charges `ins` to hart `c`,
   * performs it and folds it into the trace hash. Returns its result, or
   * STOPPED if the hart parked or blocked; a MemoryFault is folded, then
   * rethrown for the caller to deliver at the instruction.
   */
  #carryOut(c: HartCore<H>, ins: Instruction): unknown {
    const code = ins.code;
    const cost = COST[code];
    c.stats.cycles += cost;
    this.now += cost;
    let value: unknown;
    try {
      value = this.#perform(c, ins);
    } catch (e) {
      if (e instanceof MemoryFault) this.#mix(((c.id << 8) | code) ^ 0x6000000);
      throw e;
    }
    if (value === STOPPED) this.#mix(((c.id << 8) | code) ^ (c.state === PARKED ? 0x3000000 : 0x4000000));
    else this.#mix3((c.id << 8) | code, this.#at | 0, this.#word | 0);
    return value;
  }

  /** What simulated code threw, as the MachinePanic that names its hart. */
  #asPanic(c: HartCore<H>, e: unknown): MachinePanic {
    if (e instanceof MachinePanic) return e;
    return this.panic(c, e instanceof Error ? `${e.name}: ${e.message}` : `threw ${String(e)}`, e);
  }

  /** The low 32 bits of the last performed instruction's result, for the hash. */
  #word = 0;
  /** The physical address the last performed instruction acted on (a user access's fault, if it faulted), for the hash. */
  #at = 0;

  /**
   * Performs one instruction for hart `c` and returns its result, or STOPPED
   * if the hart parked or blocked instead (the instruction stays pending).
   * A user access is translated first; if that faults, it returns the
   * space's negative number and touches nothing.
   */
  #perform(c: HartCore<H>, ins: Instruction): unknown {
    const mem = this.#cfg.memory;
    let addr = ins.addr;
    let word = 0;
    let value: unknown = undefined;
    const code = ins.code;
    const writes = WRITE_BYTES[code];
    const space = ins.space;
    if (space !== null) {
      addr = space.translate(ins.vaddr, writes !== 0 ? "write" : "read");
      if (addr < 0) {
        this.#at = this.#word = addr;
        return addr;
      }
    }
    this.#at = addr;
    if (writes !== 0 && !ins.kernel && mem.isProtected(addr, writes)) throw mem.protectionFault(opName(code), addr);
    switch (code) {
      case OpCode.Pause:
      case OpCode.Resume:
        break;
      case OpCode.Load32:
        value = word = mem.read32(addr);
        break;
      case OpCode.Store32:
        mem.write32(addr, ins.a);
        this.#wrote(addr);
        break;
      case OpCode.Swap32:
        value = word = mem.read32(addr);
        mem.write32(addr, ins.a);
        this.#wrote(addr);
        break;
      case OpCode.Cas32:
        value = word = mem.read32(addr);
        if (word === ins.a >>> 0) {
          mem.write32(addr, ins.b);
          this.#wrote(addr);
        }
        break;
      case OpCode.FetchAdd32:
        value = word = mem.read32(addr);
        mem.write32(addr, (word + ins.a) >>> 0);
        this.#wrote(addr);
        break;
      case OpCode.FetchSub32:
        value = word = mem.read32(addr);
        mem.write32(addr, (word - ins.a) >>> 0);
        this.#wrote(addr);
        break;
      case OpCode.FetchOr32:
        value = word = mem.read32(addr);
        mem.write32(addr, (word | ins.a) >>> 0);
        this.#wrote(addr);
        break;
      case OpCode.FetchAnd32:
        value = word = mem.read32(addr);
        mem.write32(addr, (word & ins.a) >>> 0);
        this.#wrote(addr);
        break;
      case OpCode.FetchXor32:
        value = word = mem.read32(addr);
        mem.write32(addr, (word ^ ins.a) >>> 0);
        this.#wrote(addr);
        break;
      case OpCode.Load64: {
        const v = mem.read64(addr);
        value = v;
        word = Number(v & 0xffffffffn);
        break;
      }
      case OpCode.Store64:
        mem.write64(addr, ins.x);
        this.#wrote64(addr);
        break;
      case OpCode.Swap64: {
        const old = mem.read64(addr);
        mem.write64(addr, ins.x);
        this.#wrote64(addr);
        value = old;
        word = Number(old & 0xffffffffn);
        break;
      }
      case OpCode.Cas64: {
        const old = mem.read64(addr);
        if (old === BigInt.asUintN(64, ins.x)) {
          mem.write64(addr, ins.y);
          this.#wrote64(addr);
        }
        value = old;
        word = Number(old & 0xffffffffn);
        break;
      }
      case OpCode.FetchAdd64: {
        const old = mem.read64(addr);
        mem.write64(addr, old + ins.x);
        this.#wrote64(addr);
        value = old;
        word = Number(old & 0xffffffffn);
        break;
      }
      case OpCode.Wfi:
        if (!c.irqPending) {
          this.#removeRunnable(c.id);
          c.state = PARKED;
          c.parkedAt = this.now;
          c.stats.parks++;
          return STOPPED;
        }
        break;
      case OpCode.WaitWhile32:
        value = word = mem.read32(addr);
        if (word === ins.a >>> 0) {
          this.#removeRunnable(c.id);
          c.state = BLOCKED;
          c.waitAddr = addr;
          const list = this.#watchers.get(addr);
          if (list === undefined) this.#watchers.set(addr, [c]);
          else list.push(c);
          return STOPPED;
        }
        break;
      default:
        throw new TypeError(`unknown opcode ${ins.code}`);
    }
    this.#word = word;
    return value;
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
        if (ins.code === OpCode.Wfi || ins.code === OpCode.WaitWhile32) {
          const wouldWait = ins.code === OpCode.Wfi ? !c.irqPending : this.#cfg.memory.read32(ins.addr) === ins.a >>> 0;
          if (wouldWait) {
            throw new TypeError(`Machine.execute: "${ins.describe()}" would wait forever in host code`);
          }
        }
        let value: unknown;
        try {
          value = this.#perform(c, ins);
        } catch (e) {
          if (!(e instanceof MemoryFault)) throw e;
          r = op.throw(e);
          continue;
        }
        this.#mix3((c.id << 8) | ins.code | 0x8000, this.#at | 0, this.#word | 0);
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
    c.stats.cycles += TRAP_COST;
    this.now += TRAP_COST;
    this.#mix(((c.id << 8) | 0xff) ^ (cause === "timer" ? 0x10000 : cause === "software" ? 0x20000 : 0x30000));
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

  /** A 64-bit store covers two words: wake the harts waiting on either. */
  #wrote64(addr: number): void {
    this.#wrote(addr);
    this.#wrote(addr + 4);
  }

  /** A store hit `addr`: wake the harts waiting on it. */
  #wrote(addr: number): void {
    if (this.#watchers.size === 0) return;
    const list = this.#watchers.get(addr);
    if (list === undefined) return;
    this.#watchers.delete(addr);
    for (const w of list) {
      w.waitAddr = -1;
      this.#makeRunnable(w);
    }
  }

  #unwatch(c: HartCore<H>): void {
    const list = this.#watchers.get(c.waitAddr);
    if (list !== undefined) {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.#watchers.delete(c.waitAddr);
    }
    c.waitAddr = -1;
  }

  #makeRunnable(c: HartCore<H>): void {
    c.state = RUNNABLE;
    this.#insertRunnable(c.id);
  }

  #insertRunnable(id: number): void {
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

  #fireDue(): void {
    const now = this.now;
    while (this.#nextEventAt <= now) {
      if (this.#nextDeadline <= now) {
        const d = this.#deadlines;
        for (let h = 0; h < d.length; h++) {
          if (d[h] <= now) {
            d[h] = Infinity;
            this.#mix(0x7200 ^ h);
            this.platform.timerExpired(h);
          }
        }
        this.#nextDeadline = Math.min(...d);
      }
      while (this.#events.length && this.#events[0].at <= now) {
        const ev = this.#events.shift()!;
        this.#mix(0x7300 ^ ev.seq);
        ev.fire();
      }
      this.#nextEventAt = Math.min(this.#nextDeadline, this.#events.length ? this.#events[0].at : Infinity);
    }
  }

  #quiescent(): RunStatus {
    let halted = true;
    for (const c of this.cores) {
      if (c.state === BLOCKED) return "deadlock";
      if (c.state !== HALTED) halted = false;
    }
    return halted ? "halted" : "idle";
  }

  /** Folds one step (hart and opcode, address, result) into both hash lanes. */
  #mix3(a: number, b: number, c: number): void {
    let h1 = Math.imul(this.#h1 ^ a, 0x01000193);
    h1 = Math.imul(h1 ^ b, 0x01000193);
    this.#h1 = Math.imul(h1 ^ c, 0x01000193);
    let h2 = Math.imul(this.#h2 ^ a, 0x5bd1e995);
    h2 = Math.imul((h2 ^ (h2 >>> 15)) ^ b, 0x5bd1e995);
    h2 = Math.imul((h2 ^ (h2 >>> 15)) ^ c, 0x5bd1e995);
    this.#h2 = h2 ^ (h2 >>> 15);
  }

  #mix(w: number): void {
    this.#h1 = Math.imul(this.#h1 ^ w, 0x01000193);
    const h2 = Math.imul(this.#h2 ^ w, 0x5bd1e995);
    this.#h2 = h2 ^ (h2 >>> 15);
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
    const hex = (v: number) => (v >>> 0).toString(16).padStart(8, "0");
    return hex(this.#h1) + hex(this.#h2);
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

/**
 * An instruction's result as traces show it: the old value of a bitwise
 * read-modify-write in hex (it is a set of bits), any other value in decimal.
 */
function formatResult(code: OpCode, value: unknown): string {
  if (typeof value === "number" && code >= OpCode.FetchOr32 && code <= OpCode.FetchXor32) {
    return "0x" + value.toString(16);
  }
  return String(value);
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  return `${typeof v} ${String(v)}`;
}
