/**
 * ksim: a deterministic simulation of a multi-core kernel, with a
 * coverage-guided fuzzer.
 *
 * The platform layer simulates RISC-V and x86-64 machines. Concurrency is
 * simulated: harts are generators, every atomic is a scheduling point, and
 * one decision source (a seed, a tape, or fuzzer bytes) decides every
 * interleaving, so any run replays exactly.
 *
 * @example
 * ```ts
 * import { Machine } from "@ksim/ksim";
 *
 * // Four harts race on a non-atomic increment: updates get lost.
 * const m = new Machine({ arch: "riscv64", harts: 4, seed: 1, policy: "random" });
 * m.boot(function* (hart) {
 *   for (let i = 0; i < 100; i++) {
 *     const v = yield* hart.load32(0x1000);
 *     yield* hart.store32(0x1000, v + 1);
 *   }
 * });
 * const report = m.run();
 * console.log(report.status, m.memory.read32(0x1000), report.traceHash);
 * ```
 *
 * @module
 */

export * from "./arch/mod.ts";
export { KernelPanic } from "./kernel/panic.ts";
export * from "./kernel/task/state.ts";
export * from "./kernel/time/wheel.ts";
