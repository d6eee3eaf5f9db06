/**
 * What one step touched, for the partial-order reduction of `explore`: the
 * shared objects it read and wrote, and whether it is *global* (dependent
 * with every other step). Objects are numbers: a 32-bit memory word is its
 * address divided by 4 (so a number from 0 up); the pseudo-objects below
 * are negative.
 *
 * Invariants:
 * - Two footprints are dependent when either is global, or one writes an
 *   object that the other reads or writes.
 * - A footprint only grows while its step runs; `merge` makes the union.
 *
 * @module
 */

/** The pseudo-object of a hart's interrupt state (pending interrupts, wfi, its timer). */
export function irqObject(hart: number): number {
  return -16 - hart;
}

/** The pseudo-object of the external-interrupt controllers (PLIC or IOAPIC claims and completions). */
export const DEVICE_OBJECT = -2;

/** The first of the fixed object numbers the kernel gives its host-side shared state; they count down. */
export const FIRST_HIDDEN_OBJECT = -1_000_000;

/** The pseudo-object every `newSharedObject` writes, so that creations keep their order. */
export const CREATION_OBJECT = -3;

/** The first object number `newSharedObject` hands out; they count down. */
export const FIRST_SHARED_OBJECT = -2_000_000;

/** The objects one step read and wrote, and whether it is global. */
export class Footprint {
  /** Objects read (a step that reads and writes an object is in both). */
  readonly reads: Set<number> = new Set();
  /** Objects written (a read-modify-write is a write). */
  readonly writes: Set<number> = new Set();
  /** Dependent with every step: it read the clock, fired an event, or is the idle time jump. */
  global = false;

  /** Forgets everything, for reuse. */
  clear(): void {
    this.reads.clear();
    this.writes.clear();
    this.global = false;
  }

  /** Records a read of `obj`. */
  read(obj: number): void {
    this.reads.add(obj);
  }

  /** Records a write of `obj`. */
  write(obj: number): void {
    this.writes.add(obj);
  }

  /** Adds everything `other` touched. */
  merge(other: Footprint): void {
    for (const o of other.reads) this.reads.add(o);
    for (const o of other.writes) this.writes.add(o);
    if (other.global) this.global = true;
  }

  /** Whether this step and `other` do not commute. */
  dependent(other: Footprint): boolean {
    if (this.global || other.global) return true;
    for (const o of this.writes) if (other.writes.has(o) || other.reads.has(o)) return true;
    for (const o of other.writes) if (this.reads.has(o)) return true;
    return false;
  }

  /** A plain-data copy, for resume points. */
  toJSON(): [number[], number[], number] {
    return [[...this.reads], [...this.writes], this.global ? 1 : 0];
  }

  /** The inverse of `toJSON`. */
  static fromJSON(data: unknown): Footprint {
    const f = new Footprint();
    const [reads, writes, global] = data as [number[], number[], number];
    for (const o of reads) f.read(o);
    for (const o of writes) f.write(o);
    f.global = global === 1;
    return f;
  }
}
