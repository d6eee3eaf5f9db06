/**
 * Links each public {@linkcode Machine} to its internal engine, so that the
 * `Hart` and `CpuLocal` facades can reach engine state without it becoming
 * public API.
 *
 * Invariant: an engine is registered exactly once, by the Machine
 * constructor, before any facade asks for it.
 *
 * @module
 */

import type { Engine } from "./engine.ts";
import type { Hart } from "./hart.ts";
import type { Machine } from "./machine.ts";

const engines = new WeakMap<Machine, Engine<Hart>>();

/** Registers the engine of a machine. */
export function register(machine: Machine, engine: Engine<Hart>): void {
  engines.set(machine, engine);
}

/** The engine behind a machine. */
export function engineOf(machine: Machine): Engine<Hart> {
  const engine = engines.get(machine);
  if (engine === undefined) throw new TypeError("ksim: this object is not a constructed Machine");
  return engine;
}
