/**
 * The timed-event queue: each hart's timer deadline and the devices'
 * one-shot events, and firing whatever is due when virtual time reaches it.
 *
 * Invariants:
 * - `nextEventAt` is the earliest of every armed deadline and every queued
 *   event (Infinity if none), kept up to date by every change, so the step
 *   loop tests one number per step.
 * - Events fire in (time, scheduling order); at one time, deadlines expire
 *   first, in hart order, then events. Each firing folds a word into the
 *   trace hash before it runs.
 * - An event is never scheduled in the past: one asked for earlier than
 *   `now` fires at `now`.
 *
 * @module
 */

import type { TraceHash } from "./trace_hash.ts";

/** A device event: at `at` ns, run `fire`. */
interface TimedEvent {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Timer deadlines by hart and device events by time. */
export class TimedEvents {
  /** The earliest deadline or event, or Infinity. */
  nextEventAt = Infinity;
  #deadlines: number[];
  #nextDeadline = Infinity;
  #events: TimedEvent[] = [];
  #seq = 0;

  /** `expire(hart)` tells the platform that the hart's timer deadline passed. */
  constructor(harts: number, readonly hash: TraceHash, readonly expire: (hart: number) => void) {
    this.#deadlines = new Array(harts).fill(Infinity);
  }

  /** Sets hart `hart`'s timer deadline (Infinity disarms it). */
  armTimer(hart: number, deadline: number): void {
    const old = this.#deadlines[hart];
    this.#deadlines[hart] = deadline;
    if (deadline < this.#nextDeadline) this.#nextDeadline = deadline;
    else if (old === this.#nextDeadline && deadline > old) this.#nextDeadline = Math.min(...this.#deadlines);
    this.nextEventAt = Math.min(this.#nextDeadline, this.#events.length ? this.#events[0].at : Infinity);
  }

  /** Schedules `fire` at absolute virtual time `time`, or at `now` if that is later. */
  at(now: number, time: number, fire: () => void): void {
    const ev: TimedEvent = { at: Math.max(time, now), seq: this.#seq++, fire };
    const evs = this.#events;
    let i = evs.length;
    while (i > 0 && (evs[i - 1].at > ev.at || (evs[i - 1].at === ev.at && evs[i - 1].seq > ev.seq))) i--;
    evs.splice(i, 0, ev);
    if (ev.at < this.nextEventAt) this.nextEventAt = ev.at;
  }

  /** Fires every deadline and event due at or before `now`, including those that firing schedules. */
  fireDue(now: number): void {
    const hash = this.hash;
    while (this.nextEventAt <= now) {
      if (this.#nextDeadline <= now) {
        const d = this.#deadlines;
        for (let h = 0; h < d.length; h++) {
          if (d[h] <= now) {
            d[h] = Infinity;
            hash.mix(0x7200 ^ h);
            this.expire(h);
          }
        }
        this.#nextDeadline = Math.min(...d);
      }
      while (this.#events.length && this.#events[0].at <= now) {
        const ev = this.#events.shift()!;
        hash.mix(0x7300 ^ ev.seq);
        ev.fire();
      }
      this.nextEventAt = Math.min(this.#nextDeadline, this.#events.length ? this.#events[0].at : Infinity);
    }
  }
}
