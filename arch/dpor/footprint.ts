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

/**
 * The pseudo-object of whether physical page `no` exists (has been written
 * since the memory was made): the step that creates it writes it, and a
 * step that finds the page untouched reads it (see `PhysicalMemory.clearPage`).
 */
export function pageObject(no: number): number {
  return -1_000_000_000 - no;
}

/** Entries past which a footprint also indexes its objects in a set (a step that zeroes a page touches 1,024 words). */
const INDEXED = 16;

/**
 * The objects one step read and wrote, and whether it is global. Most
 * steps touch a handful of objects, so plain arrays searched linearly beat
 * sets there; past {@linkcode INDEXED} entries a set indexes them too. The
 * engine fills and clears one footprint per recorded step, so the arrays
 * keep their storage and count their entries.
 */
export class Footprint {
  /** Objects read, each once, in `reads[0 .. readCount)` (a step that reads and writes an object is in both). */
  readonly reads: number[] = [];
  /** How many entries of `reads` are in use. */
  readCount = 0;
  /** Objects written, each once, in `writes[0 .. writeCount)` (a read-modify-write is a write). */
  readonly writes: number[] = [];
  /** How many entries of `writes` are in use. */
  writeCount = 0;
  /** Dependent with every step: it read the clock, fired an event, or is the idle time jump. */
  global = false;
  /** The objects of `reads` (and of `writes`) once there are more than INDEXED of them, else null. */
  #readIndex: Set<number> | null = null;
  #writeIndex: Set<number> | null = null;

  /** Forgets everything, for reuse. */
  clear(): void {
    this.readCount = 0;
    this.writeCount = 0;
    this.global = false;
    this.#readIndex = null;
    this.#writeIndex = null;
  }

  /** Records a read of `obj`. */
  read(obj: number): void {
    if (this.readsObject(obj)) return;
    this.reads[this.readCount++] = obj;
    if (this.#readIndex !== null) this.#readIndex.add(obj);
    else if (this.readCount > INDEXED) this.#readIndex = new Set(this.reads.slice(0, this.readCount));
  }

  /** Records a write of `obj`. */
  write(obj: number): void {
    if (this.writesObject(obj)) return;
    this.writes[this.writeCount++] = obj;
    if (this.#writeIndex !== null) this.#writeIndex.add(obj);
    else if (this.writeCount > INDEXED) this.#writeIndex = new Set(this.writes.slice(0, this.writeCount));
  }

  /** Whether the step read `obj`. */
  readsObject(obj: number): boolean {
    if (this.#readIndex !== null) return this.#readIndex.has(obj);
    const reads = this.reads;
    for (let i = 0; i < this.readCount; i++) if (reads[i] === obj) return true;
    return false;
  }

  /** Whether the step wrote `obj`. */
  writesObject(obj: number): boolean {
    if (this.#writeIndex !== null) return this.#writeIndex.has(obj);
    const writes = this.writes;
    for (let i = 0; i < this.writeCount; i++) if (writes[i] === obj) return true;
    return false;
  }

  /** Adds everything `other` touched. */
  merge(other: Footprint): void {
    for (let i = 0; i < other.readCount; i++) this.read(other.reads[i]);
    for (let i = 0; i < other.writeCount; i++) this.write(other.writes[i]);
    if (other.global) this.global = true;
  }

  /** Whether this step and `other` do not commute. */
  dependent(other: Footprint): boolean {
    if (this.global || other.global) return true;
    for (let i = 0; i < this.writeCount; i++) {
      const o = this.writes[i];
      if (other.writesObject(o) || other.readsObject(o)) return true;
    }
    for (let i = 0; i < other.writeCount; i++) if (this.readsObject(other.writes[i])) return true;
    return false;
  }

  /** A plain-data copy, for resume points. */
  toJSON(): [number[], number[], number] {
    return [this.reads.slice(0, this.readCount), this.writes.slice(0, this.writeCount), this.global ? 1 : 0];
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
