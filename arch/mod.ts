/**
 * ksim's simulated platform, below the machine: devices, per-hart data,
 * physical memory, decision sources, tapes and scheduling policies.
 *
 * A program needs only `Machine` and `Hart` from `@ksim/ksim`. This entry
 * point is for what sits under them: programming an interrupt controller,
 * giving each hart its own data, driving a run from your own decision
 * source, or reading a tape.
 *
 * @example Route a device interrupt to a hart and count it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Machine } from "@ksim/ksim";
 * import { CpuLocal } from "@ksim/ksim/arch";
 *
 * const m = new Machine({ arch: "riscv64", harts: 2, recordTape: true });
 * const irqs = new CpuLocal<{ n: number }>(m);
 * m.routeIrq(5, { hart: 1 }); // device line 5 goes to hart 1 only
 * m.onInterrupt("external", function* (hart) {
 *   const irq = hart.claim();
 *   if (irq !== null) {
 *     irqs.getOr(() => ({ n: 0 })).n++;
 *     hart.complete(irq);
 *   }
 * });
 * m.testDevice.raiseAt(1_000, 5); // raise line 5 at t = 1 µs
 * m.boot(function* (hart) {
 *   hart.enableInterrupts();
 *   while (hart.now() < 2_000) yield* hart.wfi(); // sleep until an interrupt
 * });
 * m.run();
 * assert.deepEqual([...irqs.iter()], [{ n: 1 }]);
 * assert.ok(m.tape?.startsWith("t1.")); // every scheduling decision, replayable
 * ```
 *
 * @module
 */

export { Xoshiro128 } from "./rng.ts";
export { BytesSource, type DecisionSource, SeededSource } from "./decision.ts";
export { Tape } from "./tape.ts";
export { Instruction, userOp, type UserSpace } from "./op.ts";
export { OpCode } from "./opcodes.ts";
export { NOT_IN_PLACE } from "./hart.ts";
export { PAGE_SIZE, PhysicalMemory } from "./memory.ts";
export type { Platform, PlatformHost } from "./platform.ts";
export type { HartContext } from "./hart_core.ts";
export type { Policy } from "./policy/policy.ts";
export { RoundRobinPolicy } from "./policy/round_robin.ts";
export { RandomPolicy } from "./policy/random.ts";
export { PctPolicy } from "./policy/pct.ts";
export { ReplayPolicy, type TapeExhausted } from "./policy/replay.ts";
export { CPU_LOCAL_BLOCK, DEFAULT_MAX_STEPS, type Devices, MAX_HARTS } from "./machine.ts";
export { CpuLocal } from "./cpu_local.ts";
export { TestDevice } from "./test_device.ts";
export { Clint } from "./riscv/clint.ts";
export { Plic, PLIC_SOURCES } from "./riscv/plic.ts";
export { RiscvPlatform } from "./riscv/platform.ts";
export { IPI_VECTOR, Lapic, type LapicTimerMode, TIMER_VECTOR } from "./x86/lapic.ts";
export { IoApic, IOAPIC_PINS, type Redirection } from "./x86/ioapic.ts";
export { EXTERNAL_VECTOR_BASE, X86Platform } from "./x86/platform.ts";
