/**
 * Values attached to an object (a Machine, a Hart) by other modules: the
 * machine's engine, the kernel's word heap and waiter registry, a hart's
 * poll slot. They live exactly as long as their owner, and die with it.
 *
 * Why not a WeakMap keyed by the owner: such values point back at their
 * owner, and V8's young-generation collector keeps a WeakMap's values (and
 * so their owners) alive until a full collection. An exploration builds a
 * machine per schedule; with six such WeakMaps, every machine survived
 * every minor collection and the searches spent about half their time in
 * GC. Attachments are a Map held by the owner itself, so an owner and its
 * attachments are garbage together.
 *
 * Invariants:
 * - One value per (owner, key); `attach` refuses to replace one.
 * - The map is a non-enumerable property under a module-private symbol:
 *   only this module reads or writes it.
 * - A Hart gets its map in its constructor ({@linkcode holdAttachments}),
 *   and a Machine when its engine is attached, in its constructor too, so
 *   attaching never changes their shape: harts with a poll slot and harts
 *   without one would otherwise be two shapes to V8, and every call site
 *   that sees both is slower.
 *
 * @module
 */

const SLOTS: unique symbol = Symbol("ksim attachments");

interface Holder {
  [SLOTS]?: Map<object, unknown>;
}

/** The value attached to `owner` under `key`, or undefined. */
export function attached<T>(owner: object, key: object): T | undefined {
  return (owner as Holder)[SLOTS]?.get(key) as T | undefined;
}

/**
 * Gives `owner` its (empty) attachments now, as part of the shape its
 * constructor makes. Owners that are made often and attached to later (a
 * Hart) call it in their constructor.
 */
export function holdAttachments(owner: object): void {
  if ((owner as Holder)[SLOTS] === undefined) Object.defineProperty(owner, SLOTS, { value: new Map() });
}

/** Attaches `value` to `owner` under `key` and returns it; throws if `key` already has a value there. */
export function attach<T>(owner: object, key: object, value: T): T {
  let slots = (owner as Holder)[SLOTS];
  if (slots === undefined) {
    slots = new Map();
    Object.defineProperty(owner, SLOTS, { value: slots });
  } else if (slots.has(key)) throw new TypeError("ksim: this object already has that attachment");
  slots.set(key, value);
  return value;
}
