/**
 * The futex-model oracle: replays a run's futex log, in the order the
 * simulation linearised it, through the sequential `FutexModel`, with the
 * program's own user writes, thread starts, ends and forks applied between
 * entries; every result, woken list, moved list and PI chain must agree,
 * and so must what each finished thread's futex calls returned.
 *
 * Invariants:
 * - The model's memory resolves an address the way the calling process
 *   does: the shared page is one set of words wherever a process maps it
 *   (its mappings follow the program's mmap, munmap and mprotect calls),
 *   each process has its own private page (a fork copies its parent's
 *   words and mappings), and anything else is unmapped.
 * - A call's futex keys are resolved against the mappings at the step it
 *   looked them up (its log entry's `keyed`, else its `step`): a mapping
 *   change the run recorded at a later step is undone for the lookup, as
 *   Linux's get_futex_key came before it. Words are read and written
 *   with the mappings at the decision, except a word the call last read
 *   at an earlier step (its entry's `read`): that read sees the mappings
 *   and the other threads' stores as of that step, unless the call
 *   itself has written the word since.
 * - A PI call's attempt that met an exiting owner (a "retry" entry) is not
 *   a call of the model: the replay checks that the word held what the
 *   attempt read and applies its write of FUTEX_WAITERS.
 * - The comparison stops, agreeing, at the first point the model cannot
 *   follow: an `"unsupported"` outcome, or a `stop` event (the exit of a
 *   thread with a robust list, whose walk writes words the replay does
 *   not see).
 *
 * @module
 */

import { type FutexMemory, FutexModel } from "../../testing/mod.ts";
import type { FutexKeyResult } from "../../testing/mod.ts";
import type { FutexLogEntry } from "../../kernel/futex/futex.ts";
import { PROT_NONE, PROT_READ, PROT_WRITE } from "../../mod.ts";
import type { Layout, ReplayEvent } from "./world.ts";

/** One change to a process's mappings of the shared page, as applied: enough to undo it. */
interface MapChange {
  /** The step it happened in. */
  readonly step: number;
  readonly pid: number;
  readonly base: number;
  /** The protection before it, or undefined if the page was not mapped at `base`. */
  readonly was: number | undefined;
}

/** Word memory of every process, as the replay sees it (see the module doc). */
class ReplayMemory {
  readonly shared = new Map<number, number>();
  readonly private = new Map<number, Map<number, number>>();
  /** Each process's mappings of the shared page: base → protection; a root process starts with the layout's. */
  readonly maps = new Map<number, Map<number, number>>();
  /** The mapping changes applied so far, in the order (and so the steps) they happened. */
  readonly #changes: MapChange[] = [];
  /** The program's stores applied so far, in step order, each with the value it replaced. */
  readonly #stores: {
    readonly step: number;
    readonly words: Map<number, number>;
    readonly offset: number;
    readonly was: number;
  }[] = [];
  constructor(readonly layout: Layout) {}

  #maps(pid: number): Map<number, number> {
    let maps = this.maps.get(pid);
    if (maps === undefined) this.maps.set(pid, maps = new Map([[this.layout.sharedBase, PROT_READ | PROT_WRITE]]));
    return maps;
  }

  /** `pid`'s mappings as they were at step `step`: the changes applied since then undone. */
  #mapsAt(pid: number, step: number): Map<number, number> {
    const now = this.#maps(pid);
    let then: Map<number, number> | null = null;
    for (let i = this.#changes.length - 1; i >= 0 && this.#changes[i].step > step; i--) {
      const c = this.#changes[i];
      if (c.pid !== pid) continue;
      then ??= new Map(now);
      if (c.was === undefined) then.delete(c.base);
      else then.set(c.base, c.was);
    }
    return then ?? now;
  }

  /** The words and offset of `addr` in `pid` (with `maps`, its mappings), with the page's protection; null if unmapped. */
  #locate(
    pid: number,
    addr: number,
    maps: Map<number, number> = this.#maps(pid),
  ): { words: Map<number, number>; offset: number; prot: number } | null {
    for (const [base, prot] of maps) {
      if (addr >= base && addr < base + 4096) return { words: this.shared, offset: addr - base, prot };
    }
    const { privateBase } = this.layout;
    if (addr >= privateBase && addr < privateBase + 4096) {
      let words = this.private.get(pid);
      if (words === undefined) this.private.set(pid, words = new Map());
      return { words, offset: addr - privateBase, prot: PROT_READ | PROT_WRITE };
    }
    return null;
  }

  /** A store of the program at step `step`. */
  write(pid: number, addr: number, value: number, step: number): void {
    const at = this.#locate(pid, addr);
    if (at === null) return;
    this.#stores.push({ step, words: at.words, offset: at.offset, was: at.words.get(at.offset) ?? 0 });
    at.words.set(at.offset, value >>> 0);
  }

  /** The word at `offset` of `words` as of step `step`: the program's later stores undone. */
  #valueAt(words: Map<number, number>, offset: number, step: number): number {
    let v = words.get(offset) ?? 0;
    for (let i = this.#stores.length - 1; i >= 0 && this.#stores[i].step > step; i--) {
      const s = this.#stores[i];
      if (s.words === words && s.offset === offset) v = s.was;
    }
    return v;
  }

  map(pid: number, base: number, prot: number | null, step: number): void {
    const maps = this.#maps(pid);
    this.#changes.push({ step, pid, base, was: maps.get(base) });
    if (prot === null) maps.delete(base);
    else maps.set(base, prot);
  }

  fork(parent: number, child: number): void {
    this.private.set(child, new Map(this.private.get(parent) ?? []));
    this.maps.set(child, new Map(this.#maps(parent)));
  }

  /**
   * The process `pid`'s view, for one model call whose keys were looked up
   * at step `keyed` and which last read the words of `read` at the steps
   * given (see the module doc).
   */
  view(pid: number, keyed: number, read: readonly { uaddr: number; step: number }[] = []): FutexMemory {
    const readAt = new Map(read.map((r) => [r.uaddr, r.step]));
    return {
      read32: (addr) => {
        const step = readAt.get(addr);
        const at = this.#locate(pid, addr, step === undefined ? undefined : this.#mapsAt(pid, step));
        if (at === null || (at.prot & PROT_READ) === 0) return { fault: "EFAULT" };
        return step === undefined ? at.words.get(at.offset) ?? 0 : this.#valueAt(at.words, at.offset, step);
      },
      write32: (addr, value) => {
        readAt.delete(addr); // from here on the call reads what it wrote
        const at = this.#locate(pid, addr);
        if (at === null || (at.prot & PROT_WRITE) === 0) return { fault: "EFAULT" };
        at.words.set(at.offset, value >>> 0);
        return undefined;
      },
      key: (addr, access, shared): FutexKeyResult => {
        if (!shared) return { key: `private:${pid}:${addr}` };
        const at = this.#locate(pid, addr, this.#mapsAt(pid, keyed));
        if (at === null || at.prot === PROT_NONE) return { fault: "EFAULT" };
        if (access === "write" && (at.prot & PROT_WRITE) === 0) return { fault: "EFAULT" };
        return { key: at.words === this.shared ? `shared:${at.offset}` : `mm:${pid}:${addr}` };
      },
    };
  }
}

/** Equal lists (undefined equals only undefined). */
const same = (a: readonly number[] | undefined, b: readonly number[] | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));

/**
 * Replays `log` through a fresh `FutexModel`; returns a description of the
 * first disagreement, or null if the model agrees (up to where it stops).
 *
 * @param layout the page layout every root process shares (see the module doc)
 * @param initial the tids alive when the run began
 */
export function replayFutexLog(
  log: readonly FutexLogEntry[],
  events: readonly ReplayEvent[],
  layout: Layout,
  initial: readonly number[],
): string | null {
  const mem = new ReplayMemory({ ...layout });
  const live = new Set(initial);
  const model = new FutexModel({ threadExists: (tid) => live.has(tid) });
  const predicted = new Map<number, number[]>();
  const ended: { tid: number; futexResults: readonly number[] }[] = [];
  const finish = (tid: number, r: number) => predicted.set(tid, [...(predicted.get(tid) ?? []), r]);
  const inWaitv = new Set<number>();
  let ei = 0;
  for (let i = 0; i <= log.length; i++) {
    for (; ei < events.length && events[ei].before <= i; ei++) {
      const ev = events[ei];
      if (ev.kind === "stop") return null;
      if (ev.kind === "write") mem.write(ev.pid, ev.addr, ev.value, ev.step);
      else if (ev.kind === "spawn") live.add(ev.tid);
      else if (ev.kind === "fork") mem.fork(ev.parent, ev.child);
      else if (ev.kind === "map") mem.map(ev.pid, ev.base, ev.prot, ev.step);
      else {
        live.delete(ev.tid);
        ended.push(ev);
      }
    }
    if (i === log.length) break;
    const e = log[i];
    const where = () => `log[${i}] ${JSON.stringify(e)}`;
    let out;
    try {
      if (e.kind === "call") {
        out = model.call({ tid: e.tid, ...e.call! }, mem.view(e.pid, e.keyed ?? e.step, e.read));
      } else if (e.kind === "waitv") {
        const w = e.waitv!;
        if (w.step === "call") out = model.waitv({ ...w, tid: e.tid }, mem.view(e.pid, e.step));
        else if (w.step === "queue") out = model.waitvQueue(e.tid, mem.view(e.pid, e.step));
        else out = model.waitvUnqueue(e.tid, w.ended);
        if (out.status === "blocked") inWaitv.add(e.tid);
        else inWaitv.delete(e.tid);
      } else if (e.kind === "exit") {
        // In the kernel's handover order: where two locks share a word, the last new owner's TID stays in it.
        const x = model.exit(e.tid, e.woken);
        if (!same(x.woken, e.woken)) {
          return `exit handover: ${where()} vs model ${JSON.stringify(x)}`;
        }
        for (const t of e.woken) finish(t, 0);
        model.checkInvariants();
        continue;
      } else if (e.kind === "retry") {
        // The attempt's write of FUTEX_WAITERS before it met the exiting owner: over the value it read.
        const { uaddr, old, value } = e.wrote!;
        const view = mem.view(e.pid, e.step, e.read);
        const held = view.read32(uaddr);
        if (held !== old) return `retry: ${where()} read ${old}, but the word holds ${JSON.stringify(held)}`;
        view.write32(uaddr, value);
        continue;
      } else if (e.kind === "timeout") out = model.timeout(e.tid);
      else out = model.interrupt(e.tid, { restart: e.restart });
    } catch (err) {
      // The log reached a state the model holds impossible (e.g. a futex_waitv step the model did not queue).
      if (err instanceof RangeError) return `the model rejects ${where()}: ${err.message}`;
      throw err;
    }
    if (out.status === "unsupported") return null;
    const want = e.blocked ? "blocked" : e.restart ? "restart" : "done";
    const vs = () => `${where()} vs model ${JSON.stringify(out)}`;
    if (out.status !== want) return `status: ${vs()}`;
    if (want === "done" && out.result !== e.result) return `result: ${vs()}`;
    if (!same(out.woken, e.woken)) return `woken: ${vs()}`;
    if (!same(out.moved, e.moved)) return `moved: ${vs()}`;
    if (!same(out.boosts, e.boosts)) return `PI chain (boosts): ${vs()}`;
    if (want === "done") finish(e.tid, out.result!);
    for (const t of out.woken) if (!inWaitv.has(t)) finish(t, 0);
    model.checkInvariants();
  }
  for (const { tid, futexResults } of ended) {
    if (!same(futexResults, predicted.get(tid) ?? [])) {
      return `thread ${tid} saw futex results [${futexResults}] but the model predicts [${predicted.get(tid) ?? []}]`;
    }
  }
  return null;
}
