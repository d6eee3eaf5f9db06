// Regressions for the disagreements that ksim's futex differential test (host_differential_test.ts) found between
// ksim and a Linux 6.18 x86-64 host, checked in ksim alone so that they run everywhere:
// - a futex key of an address above user space is EFAULT, private keys too (Linux's access_ok in get_futex_key):
//   on x86_64 an address above TASK_SIZE_MAX = 2^47 - 4096, on riscv64 a word that does not end by 2^47.
import assert from "node:assert/strict";
import {
  EFAULT,
  FUTEX_CMP_REQUEUE,
  FUTEX_OP,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_SET,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAKE,
  FUTEX_WAKE_OP,
  Kernel,
  type Sys,
} from "../../../mod.ts";
import type { Async } from "../../../kernel/task/async.ts";

const KERNEL_HALF = 0xffff800000000000;

/** Runs `body` as the only thread of a fresh process and returns what it collected. */
function solo(arch: "x86_64" | "riscv64", body: (sys: Sys, word: number) => Async<number[]>): number[] {
  const kernel = new Kernel({ arch, harts: 1 });
  const p = kernel.createProcess();
  const word = p.mmap(4096);
  let out: number[] = [];
  p.spawnThread(function* (sys) {
    out = yield* body(sys, word);
  });
  kernel.run();
  assert.deepEqual(kernel.shutdown(), []);
  return out;
}

for (const arch of ["x86_64", "riscv64"] as const) {
  // The first address above user space, and the last word below it.
  const [above, last] = arch === "x86_64" ? [2 ** 47 - 4092, 2 ** 47 - 4096] : [2 ** 47, 2 ** 47 - 4];

  Deno.test(`futex ${arch}: a private key above user space is EFAULT, as Linux's access_ok makes it`, () => {
    const P = FUTEX_PRIVATE_FLAG;
    const out = solo(arch, function* (sys, word) {
      return [
        yield* sys.futex(KERNEL_HALF, FUTEX_WAKE | P, 1),
        yield* sys.futex(above, FUTEX_WAKE | P, 1),
        yield* sys.futex(last, FUTEX_WAKE | P, 1), // unmapped, but a user address: a private WAKE needs no page
        yield* sys.futex(KERNEL_HALF, FUTEX_REQUEUE | P, 0, 0, word),
        yield* sys.futex(word, FUTEX_CMP_REQUEUE | P, 0, 0, KERNEL_HALF, 0),
        yield* sys.futex(word, FUTEX_WAIT_REQUEUE_PI | P, 0, null, KERNEL_HALF),
        yield* sys.futex(KERNEL_HALF, FUTEX_UNLOCK_PI | P, 0),
      ];
    });
    assert.deepEqual(out, [-EFAULT, -EFAULT, 0, -EFAULT, -EFAULT, -EFAULT, -EFAULT]);
  });

  Deno.test(`futex ${arch}: WAKE_OP with uaddr above user space fails before it writes uaddr2`, () => {
    const out = solo(arch, function* (sys, word) {
      yield* sys.store32(word, 7);
      const op = FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 7);
      return [
        yield* sys.futex(KERNEL_HALF, FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG, 1, 1, word, op),
        yield* sys.load32(word),
      ];
    });
    assert.deepEqual(out, [-EFAULT, 7]);
  });

  Deno.test(`futex ${arch}: shared keys above user space stay EFAULT, and the last user word is still a key`, () => {
    const kernel = new Kernel({ arch, harts: 1 });
    const p = kernel.createProcess();
    assert.equal(p.futexKey(KERNEL_HALF, "read", true), -EFAULT);
    assert.equal(p.futexKey(above, "read", false), -EFAULT);
    assert.equal(typeof p.futexKey(last, "read", false), "string");
    const out = solo(arch, function* (sys) {
      return [yield* sys.futex(above, FUTEX_WAIT, 0, { sec: 0, nsec: 0 })];
    });
    assert.deepEqual(out, [-EFAULT]);
  });
}
