/**
 * The polling context: which waker belongs to the future being polled on
 * each hart (Rust's `Context::waker()`).
 *
 * Invariants:
 * - While a hart polls a future (a task, or `blockOn`), `contextWaker()` on
 *   that hart returns that future's waker; polls on one hart do not nest.
 *   Interrupt handlers that run during a poll must not use it: they are not
 *   part of the polled future.
 * - The waker is *borrowed* for the poll: code that keeps it (in a WaitCell,
 *   a wait queue, a timer) stores `yield* waker.clone()`.
 * - A hart's slot is attached to the hart (`arch/attach.ts`); the last hart
 *   looked up and its slot are remembered, since a poll looks its hart up
 *   at least three times (enter, the body's `contextWaker`, exit).
 *
 * @module
 */

import { currentHart, type Hart } from "../../arch/hart.ts";
import { attach, attached } from "../../arch/attach.ts";
import type { Waker } from "./waker.ts";

/** A hart's poll slot: attached to the hart on its first poll, then only read and written. */
interface PollSlot {
  waker: Waker | null;
}

/** The key of the poll slot among a hart's attachments. */
const POLL_SLOT = {};

/** The last hart whose slot was looked up, and that slot: a poll looks its hart up twice or more. */
let lastHart: Hart | null = null;
let lastSlot: PollSlot | undefined;

function slotOf(hart: Hart): PollSlot | undefined {
  if (hart === lastHart) return lastSlot;
  const slot = attached<PollSlot>(hart, POLL_SLOT);
  if (slot !== undefined) {
    lastHart = hart;
    lastSlot = slot;
  }
  return slot;
}

/**
 * Marks `hart` as polling a future whose waker is `waker`. Executors call
 * this around each poll; see {@linkcode exitPoll}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine, type Waker } from "@ksim/ksim";
 * import { contextWaker, enterPoll, exitPoll } from "@ksim/ksim/kernel";
 * const m = new Machine();
 * const waker = { description: "demo" } as Waker;
 * m.boot(function* (hart) {
 *   enterPoll(hart, waker);
 *   assert.equal(contextWaker(), waker);
 *   exitPoll(hart);
 *   yield* hart.pause();
 * });
 * m.run();
 * ```
 */
export function enterPoll(hart: Hart, waker: Waker): void {
  const slot = slotOf(hart);
  if (slot === undefined) attach<PollSlot>(hart, POLL_SLOT, { waker });
  else if (slot.waker !== null) throw new TypeError(`enterPoll: hart ${hart.id} is already polling a future`);
  else slot.waker = waker;
}

/**
 * Ends the poll begun by {@linkcode enterPoll}.
 */
export function exitPoll(hart: Hart): void {
  const slot = slotOf(hart);
  if (slot !== undefined) slot.waker = null;
}

/**
 * The waker of the future being polled on the current hart. Throws a
 * TypeError outside a poll (in host code, or in an interrupt handler).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contextWaker } from "@ksim/ksim/kernel";
 * try { contextWaker(); } catch (e) { assert(e instanceof TypeError); }
 * ```
 */
export function contextWaker(): Waker {
  const hart = currentHart();
  const waker = slotOf(hart)?.waker ?? null;
  if (waker === null) {
    throw new TypeError(`contextWaker: hart ${hart.id} is not polling a task (async operations need a task)`);
  }
  return waker;
}

/**
 * Whether the current hart is polling a future.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { inPoll } from "@ksim/ksim/kernel";
 * assert.equal(inPoll(), false);
 * ```
 */
export function inPoll(): boolean {
  try {
    return (slotOf(currentHart())?.waker ?? null) !== null;
  } catch {
    return false;
  }
}
