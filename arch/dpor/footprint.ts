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

/** Entries past which an {@linkcode ObjectSet} also indexes them in a set (a step that zeroes a page touches 1,024 words). */
const INDEXED = 16;

/**
 * Objects, each once, in the order they were added: `items[0 .. size)`.
 * Most steps touch a handful of objects, so a counted array searched
 * linearly beats a set there; past {@linkcode INDEXED} entries a set
 * indexes them too. Cleared sets keep their storage, for reuse.
 */
export class ObjectSet {
  /** The objects (entries from `size` on are stale). */
  readonly items: number[] = [];
  /** How many entries of `items` are in use. */
  size = 0;
  /** The objects, once there are more than INDEXED of them; else null. */
  #index: Set<number> | null = null;

  /** Forgets every object. */
  clear(): void {
    this.size = 0;
    this.#index = null;
  }

  /** Whether `obj` is in the set. */
  has(obj: number): boolean {
    if (this.#index !== null) return this.#index.has(obj);
    const items = this.items;
    for (let i = 0; i < this.size; i++) if (items[i] === obj) return true;
    return false;
  }

  /** Adds `obj`, unless it is in already. */
  add(obj: number): void {
    if (this.has(obj)) return;
    this.items[this.size++] = obj;
    if (this.#index !== null) this.#index.add(obj);
    else if (this.size > INDEXED) this.#index = new Set(this.toArray());
  }

  /** The objects, as a new array. */
  toArray(): number[] {
    return this.items.slice(0, this.size);
  }
}

/**
 * The objects one step read and wrote, and whether it is global. The
 * engine fills and clears one footprint per recorded step.
 */
export class Footprint {
  /** Objects read (a step that reads and writes an object is in both). */
  readonly reads: ObjectSet = new ObjectSet();
  /** Objects written (a read-modify-write is a write). */
  readonly writes: ObjectSet = new ObjectSet();
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
    const { reads, writes } = other;
    for (let i = 0; i < reads.size; i++) this.reads.add(reads.items[i]);
    for (let i = 0; i < writes.size; i++) this.writes.add(writes.items[i]);
    if (other.global) this.global = true;
  }

  /** Whether this step and `other` do not commute. */
  dependent(other: Footprint): boolean {
    if (this.global || other.global) return true;
    const mine = this.writes.items, theirs = other.writes.items;
    for (let i = 0; i < this.writes.size; i++) if (other.writes.has(mine[i]) || other.reads.has(mine[i])) return true;
    for (let i = 0; i < other.writes.size; i++) if (this.reads.has(theirs[i])) return true;
    return false;
  }

  /** A plain-data copy, for resume points. */
  toJSON(): [number[], number[], number] {
    return [this.reads.toArray(), this.writes.toArray(), this.global ? 1 : 0];
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
