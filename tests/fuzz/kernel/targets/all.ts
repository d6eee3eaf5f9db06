/** The built-in kernel fuzz targets, for tests that check each of them the same way. */
import type { KernelTarget } from "../../../../fuzz/kernel/target.ts";
import { target as executor } from "../../../../fuzz/kernel/targets/executor.ts";
import { target as syscalls } from "../../../../fuzz/kernel/targets/syscalls.ts";
import { target as timers } from "../../../../fuzz/kernel/targets/timers.ts";
import { target as waitcell } from "../../../../fuzz/kernel/targets/waitcell.ts";

/** Every built-in target, by name. */
export const TARGETS: readonly KernelTarget<unknown>[] = [
  syscalls as KernelTarget<unknown>,
  executor as KernelTarget<unknown>,
  waitcell as KernelTarget<unknown>,
  timers as KernelTarget<unknown>,
];

/** The task-program targets (executor, waitcell, timers). */
export const TASK_TARGETS: readonly KernelTarget<unknown>[] = TARGETS.slice(1);
