/**
 * ksim's simulated platform: machines, harts, memory, devices, decision
 * sources and scheduling policies.
 *
 * @example
 * ```ts
 * import { Machine } from "@ksim/ksim";
 * const m = new Machine({ harts: 2 });
 * m.boot(function* (hart) { yield* hart.fetchAdd32(0x40, 1); });
 * console.assert(m.run().status === "halted");
 * ```
 *
 * @module
 */

export { Xoshiro128 } from "./rng.ts";
export { BytesSource, type DecisionSource, SeededSource } from "./decision.ts";
export { Tape } from "./tape.ts";
export { Instruction, type Op, OpCode } from "./op.ts";
export { MemoryFault, PAGE_SIZE, PhysicalMemory } from "./memory.ts";
export type { Arch, InterruptCause, Platform, PlatformHost } from "./platform.ts";
export type { InterruptHandler } from "./engine.ts";
export { type HartStats, MachinePanic, type RunReport, type RunStatus } from "./report.ts";
export type { Policy } from "./policy/policy.ts";
export { RoundRobinPolicy } from "./policy/round_robin.ts";
export { RandomPolicy } from "./policy/random.ts";
export { PctPolicy } from "./policy/pct.ts";
export { ReplayPolicy, TapeDivergence, type TapeExhausted } from "./policy/replay.ts";
export { currentHart, Hart } from "./hart.ts";
export {
  CPU_LOCAL_BLOCK,
  DEFAULT_MAX_STEPS,
  type Devices,
  Machine,
  type MachineOptions,
  MAX_HARTS,
  type PolicyOption,
  type RunOptions,
} from "./machine.ts";
export { CpuLocal } from "./cpu_local.ts";
export { explore, type ExploreOptions, type ExploreReport, FAIRNESS_PICKS, ScheduleFailure } from "./explore.ts";
export { TestDevice } from "./test_device.ts";
export { Clint } from "./riscv/clint.ts";
export { Plic, PLIC_SOURCES } from "./riscv/plic.ts";
export { RiscvPlatform } from "./riscv/platform.ts";
export { IPI_VECTOR, Lapic, type LapicTimerMode, TIMER_VECTOR } from "./x86/lapic.ts";
export { IoApic, IOAPIC_PINS, type Redirection } from "./x86/ioapic.ts";
export { EXTERNAL_VECTOR_BASE, X86Platform } from "./x86/platform.ts";
