import assert from "node:assert/strict";
import fc from "fast-check";
import {
  EAGAIN,
  EDEADLK,
  EFAULT,
  EINTR,
  EINVAL,
  ENOSYS,
  EPERM,
  ESRCH,
  ETIMEDOUT,
  FUTEX_BITSET_MATCH_ANY,
  FUTEX_CLOCK_REALTIME,
  FUTEX_CMP_REQUEUE,
  FUTEX_CMP_REQUEUE_PI,
  FUTEX_FD,
  FUTEX_LOCK_PI,
  FUTEX_LOCK_PI2,
  FUTEX_OP,
  FUTEX_OP_ADD,
  FUTEX_OP_ANDN,
  FUTEX_OP_CMP_EQ,
  FUTEX_OP_CMP_GE,
  FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT,
  FUTEX_OP_CMP_NE,
  FUTEX_OP_OPARG_SHIFT,
  FUTEX_OP_OR,
  FUTEX_OP_SET,
  FUTEX_OP_XOR,
  FUTEX_OWNER_DIED,
  FUTEX_PRIVATE_FLAG,
  FUTEX_REQUEUE,
  FUTEX_TRYLOCK_PI,
  FUTEX_UNLOCK_PI,
  FUTEX_WAIT,
  FUTEX_WAIT_BITSET,
  FUTEX_WAIT_REQUEUE_PI,
  FUTEX_WAITERS,
  FUTEX_WAKE,
  FUTEX_WAKE_BITSET,
  FUTEX_WAKE_OP,
} from "../../mod.ts";
import { FlatFutexMemory, type FutexCall, FutexModel, type FutexOutcome } from "../../testing/mod.ts";

const P = FUTEX_PRIVATE_FLAG;
const RT = FUTEX_CLOCK_REALTIME;
const INT_MAX = 0x7fffffff;
const A = 0x1000, B = 0x2000, C = 0x3000;
const D = 0x4000, UNMAPPED = 0x9000, RO = 0xa000;

/** A fresh model and memory with an unmapped page at UNMAPPED and a read-only page at RO. */
function world(options: { threadExists?: (tid: number) => boolean } = {}) {
  const mem = new FlatFutexMemory().unmap(UNMAPPED).readOnly(RO);
  const model = new FutexModel(options);
  const call = (c: FutexCall): FutexOutcome => {
    const out = model.call(c, mem);
    model.checkInvariants();
    return out;
  };
  const res = (c: FutexCall): number | undefined => call(c).result;
  const block = (c: FutexCall): void => assert.equal(call(c).status, "blocked", `tid ${c.tid} blocks`);
  return { mem, model, call, res, block };
}

Deno.test("FutexModel: the checks before any op come in FUTEX_SPEC's order", async (t) => {
  const { res } = world();
  await t.step("an unreadable timespec gives EFAULT and an invalid one EINVAL, before anything else", () => {
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, timeout: "EFAULT" }), -EFAULT);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, timeout: { sec: -1, nsec: 0 } }), -EINVAL);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, timeout: { sec: 0, nsec: 1e9 } }), -EINVAL);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, timeout: { sec: 0, nsec: -1 } }), -EINVAL);
    // An invalid timespec beats ENOSYS for CLOCK_REALTIME on WAIT, and beats alignment and faults.
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | RT, uaddr: UNMAPPED + 1, timeout: { sec: 0, nsec: 1e9 } }), -EINVAL);
    for (const cmd of [FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI, FUTEX_LOCK_PI2]) {
      assert.equal(res({ tid: 1, op: cmd | P, uaddr: A, timeout: "EFAULT" }), -EFAULT, `cmd ${cmd}`);
    }
  });
  await t.step("ops without a timeout ignore the timeout argument", () => {
    assert.equal(res({ tid: 1, op: FUTEX_WAKE | P, uaddr: A, val: 1, timeout: "EFAULT" }), 0);
    assert.equal(res({ tid: 1, op: FUTEX_TRYLOCK_PI | P, uaddr: C, timeout: "EFAULT" }), 0);
  });
  await t.step("FUTEX_CLOCK_REALTIME gives ENOSYS except on WAIT_BITSET, WAIT_REQUEUE_PI and LOCK_PI2", () => {
    for (const cmd of [FUTEX_WAIT, FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_WAKE_OP, FUTEX_LOCK_PI, FUTEX_UNLOCK_PI]) {
      assert.equal(res({ tid: 1, op: cmd | P | RT, uaddr: A, val: 1 }), -ENOSYS, `cmd ${cmd}`);
    }
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_BITSET | P | RT, uaddr: A, val: 1, val3: 1 }), -EAGAIN);
    assert.equal(res({ tid: 1, op: FUTEX_LOCK_PI2 | P | RT, uaddr: B + 4 }), 0);
  });
  await t.step("an unknown cmd gives ENOSYS: FD, 14, 15 and stray bits", () => {
    for (const op of [FUTEX_FD, FUTEX_FD | P, 14, 15, 512 | FUTEX_WAKE, 0x80000000 | FUTEX_WAKE]) {
      assert.equal(res({ tid: 1, op, uaddr: A, val: 1 }), -ENOSYS, `op ${op}`);
    }
    // An unknown cmd with CLOCK_REALTIME is ENOSYS too, and the timeout is not looked at.
    assert.equal(res({ tid: 1, op: 14 | RT, uaddr: A, timeout: "EFAULT" }), -ENOSYS);
  });
  await t.step("a misaligned address gives EINVAL before any fault, private or shared", () => {
    for (const flag of [P, 0]) {
      assert.equal(res({ tid: 1, op: FUTEX_WAIT | flag, uaddr: UNMAPPED + 2, val: 0 }), -EINVAL);
      assert.equal(res({ tid: 1, op: FUTEX_WAKE | flag, uaddr: UNMAPPED + 1, val: 1 }), -EINVAL);
      assert.equal(res({ tid: 1, op: FUTEX_LOCK_PI | flag, uaddr: RO + 3 }), -EINVAL);
    }
  });
});

Deno.test("FutexModel: FUTEX_WAIT", async (t) => {
  await t.step("blocks while the word holds val, else EAGAIN", () => {
    const { mem, res, block, model } = world();
    mem.set(A, 7);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 6 }), -EAGAIN);
    block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 7 });
    assert.ok(model.isBlocked(1));
    // Words compare as unsigned 32-bit: -1 is 0xffffffff.
    mem.set(B, 0xffffffff);
    block({ tid: 2, op: FUTEX_WAIT, uaddr: B, val: -1 });
  });
  await t.step("a zero timeout with a mismatch gives EAGAIN, with a match ETIMEDOUT", () => {
    const { mem, res } = world();
    mem.set(A, 1);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0, timeout: { sec: 0, nsec: 0 } }), -EAGAIN);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 1, timeout: { sec: 0, nsec: 0 } }), -ETIMEDOUT);
  });
  await t.step("an unmapped word gives EFAULT, from the read (private) or the key (shared)", () => {
    const { res } = world();
    assert.equal(res({ tid: 1, op: FUTEX_WAIT | P, uaddr: UNMAPPED, val: 0 }), -EFAULT);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT, uaddr: UNMAPPED, val: 0 }), -EFAULT);
  });
  await t.step("a timer firing returns ETIMEDOUT and takes the waiter off the queue", () => {
    const { res, block, model } = world();
    block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0, timeout: { sec: 1, nsec: 0 } });
    assert.deepEqual(model.timeout(1), { status: "done", tid: 1, result: -ETIMEDOUT, woken: [], moved: [] });
    assert.equal(res({ tid: 2, op: FUTEX_WAKE | P, uaddr: A, val: 1 }), 0);
  });
});

Deno.test("FutexModel: FUTEX_WAIT_BITSET", async (t) => {
  await t.step("a zero mask gives EINVAL before the key and value checks", () => {
    const { res } = world();
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_BITSET, uaddr: UNMAPPED, val: 5, val3: 0 }), -EINVAL);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 5, val3: 0 }), -EINVAL);
  });
  await t.step("a deadline already past gives ETIMEDOUT, after the value check", () => {
    const { res } = world();
    const past = { sec: 1, nsec: 0, expired: true };
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 1, val3: 1, timeout: past }), -EAGAIN);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 0, val3: 1, timeout: past }), -ETIMEDOUT);
    // An absolute {0, 0} is not "expired" unless the caller says so; a relative WAIT's is.
    assert.equal(
      world().call({ tid: 1, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 0, val3: 1, timeout: { sec: 0, nsec: 0 } })
        .status,
      "blocked",
    );
  });
});

Deno.test("FutexModel: FUTEX_WAKE", async (t) => {
  await t.step("wakes in FIFO order", () => {
    const { call, block } = world();
    for (const tid of [3, 1, 2]) block({ tid, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
    assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 2 }), {
      status: "done",
      tid: 9,
      result: 2,
      woken: [3, 1],
      moved: [],
    });
    assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 2 }).woken, [2]);
  });
  await t.step("a count of 0 or less still wakes one, INT_MAX wakes all", () => {
    const { call, block } = world();
    for (const tid of [1, 2, 3, 4, 5]) block({ tid, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
    assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 0 }).woken, [1]);
    assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: -5 }).woken, [2]);
    assert.equal(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: INT_MAX }).result, 3);
    assert.equal(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 0 }).result, 0);
  });
  await t.step("wakes only its own key: private and shared keys never match", () => {
    const { call, block } = world();
    block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
    block({ tid: 2, op: FUTEX_WAIT, uaddr: A, val: 0 });
    assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE, uaddr: A, val: 5 }).woken, [2]);
    assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 5 }).woken, [1]);
  });
  await t.step("a private wake on unmapped memory returns 0; a shared one EFAULT", () => {
    const { res } = world();
    assert.equal(res({ tid: 1, op: FUTEX_WAKE | P, uaddr: UNMAPPED, val: 1 }), 0);
    assert.equal(res({ tid: 1, op: FUTEX_WAKE, uaddr: UNMAPPED, val: 1 }), -EFAULT);
  });
  await t.step("a PI waiter on the key gives EINVAL to the waker", () => {
    const { mem, res, block } = world();
    mem.set(A, 5);
    block({ tid: 1, op: FUTEX_LOCK_PI | P, uaddr: A });
    assert.equal(res({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 1 }), -EINVAL);
  });
});

Deno.test("FutexModel: a wake that meets a requeue-PI waiter returns EINVAL, but those before it stay woken", () => {
  const { call, block, model } = world();
  block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
  block({ tid: 2, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: C, val: 0 });
  block({ tid: 3, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
  const out = call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 5 });
  assert.deepEqual([out.result, out.woken], [-EINVAL, [1]]);
  assert.deepEqual(model.waiters().map((w) => w.tid), [2, 3]);
});

Deno.test("FutexModel: a PI word that disagrees with the owner it recorded is reported as not covered", () => {
  const { mem, call, block, model } = world();
  mem.set(C, 5);
  block({ tid: 1, op: FUTEX_LOCK_PI | P, uaddr: C });
  mem.set(C, 6); // user space rewrote the owner behind the kernel's back
  const out = call({ tid: 2, op: FUTEX_LOCK_PI | P, uaddr: C });
  assert.equal(out.status, "unsupported");
  assert.match(out.reason!, /^model does not cover/);
  assert.deepEqual(model.waiters().map((w) => w.tid), [1]); // nothing changed
});

Deno.test("FutexModel: FUTEX_WAKE_BITSET wakes the waiters whose mask meets val3", () => {
  const { call, block, res } = world();
  assert.equal(res({ tid: 9, op: FUTEX_WAKE_BITSET | P, uaddr: UNMAPPED + 1, val: 1, val3: 0 }), -EINVAL);
  block({ tid: 1, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 0, val3: 0b01 });
  block({ tid: 2, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 0, val3: 0b10 });
  block({ tid: 3, op: FUTEX_WAIT | P, uaddr: A, val: 0 }); // FUTEX_BITSET_MATCH_ANY
  block({ tid: 4, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 0, val3: 0b11 });
  assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE_BITSET | P, uaddr: A, val: INT_MAX, val3: 0b10 }).woken, [2, 3, 4]);
  assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 1 }).woken, [1]); // plain WAKE matches any
  assert.equal(FUTEX_BITSET_MATCH_ANY, 0xffffffff);
});

Deno.test("FutexModel: FUTEX_REQUEUE and FUTEX_CMP_REQUEUE", async (t) => {
  const waiters = (n: number) => {
    const w = world();
    for (let tid = 1; tid <= n; tid++) w.block({ tid, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
    return w;
  };
  await t.step("both return woken + requeued, waking the first nr_wake and moving the next nr_requeue", () => {
    for (const cmd of [FUTEX_REQUEUE, FUTEX_CMP_REQUEUE]) {
      const { call, model } = waiters(5);
      const out = call({ tid: 9, op: cmd | P, uaddr: A, val: 1, val2: 2, uaddr2: B, val3: 0 });
      assert.deepEqual([out.result, out.woken, out.moved], [3, [1], [2, 3]]);
      assert.deepEqual(model.waiters().map((w) => [w.tid, w.key]), [
        [4, `private:p:${A}`],
        [5, `private:p:${A}`],
        [2, `private:p:${B}`],
        [3, `private:p:${B}`],
      ]);
      assert.deepEqual(call({ tid: 9, op: FUTEX_WAKE | P, uaddr: B, val: INT_MAX }).woken, [2, 3]);
    }
  });
  await t.step("(0, 0) returns 0 and touches nobody; negative counts give EINVAL first", () => {
    const { call, res } = waiters(2);
    assert.deepEqual(call({ tid: 9, op: FUTEX_REQUEUE | P, uaddr: A, val: 0, val2: 0, uaddr2: B }).result, 0);
    assert.equal(res({ tid: 9, op: FUTEX_REQUEUE, uaddr: UNMAPPED, val: -1, val2: 0, uaddr2: B }), -EINVAL);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE | P, uaddr: A, val: 0, val2: -1, uaddr2: B }), -EINVAL);
    // nr_wake 0 and nr_requeue 1 moves one.
    assert.deepEqual(call({ tid: 9, op: FUTEX_REQUEUE | P, uaddr: A, val: 0, val2: 1, uaddr2: B }).moved, [1]);
  });
  await t.step("uaddr == uaddr2 is allowed and keeps places; private keys work on unmapped memory", () => {
    const { call, model } = waiters(3);
    const out = call({ tid: 9, op: FUTEX_REQUEUE | P, uaddr: A, val: 1, val2: 5, uaddr2: A });
    assert.deepEqual([out.result, out.woken, out.moved], [3, [1], [2, 3]]);
    assert.deepEqual(model.waiters().map((w) => w.tid), [2, 3]);
    assert.equal(call({ tid: 9, op: FUTEX_REQUEUE | P, uaddr: A, val: 0, val2: 5, uaddr2: UNMAPPED }).result, 2);
    const back = call({ tid: 9, op: FUTEX_REQUEUE | P, uaddr: UNMAPPED, val: 1, val2: 1, uaddr2: B });
    assert.deepEqual([back.result, back.woken, back.moved], [2, [2], [3]]);
  });
  await t.step("errors come in order: key of uaddr, key of uaddr2, EFAULT reading, EAGAIN", () => {
    const { res, mem } = waiters(1);
    mem.set(A, 3);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE, uaddr: A + 2, uaddr2: UNMAPPED, val3: 0 }), -EINVAL);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE, uaddr: A, uaddr2: UNMAPPED, val3: 0 }), -EFAULT);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE | P, uaddr: UNMAPPED, uaddr2: B, val3: 0 }), -EFAULT);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE | P, uaddr: A, val: 1, uaddr2: B, val3: 0 }), -EAGAIN);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE | P, uaddr: A, val: 1, uaddr2: B, val3: 3 }), 1);
  });
});

Deno.test("FutexModel: FUTEX_WAKE_OP", async (t) => {
  const wakeOp = (old: number, val3: number) => {
    const w = world();
    w.mem.set(B, old);
    const out = w.call({ tid: 9, op: FUTEX_WAKE_OP | P, uaddr: A, val: 1, val2: 1, uaddr2: B, val3 });
    return { out, word: w.mem.get(B), w };
  };
  await t.step("FUTEX_OP encodes as Linux's uapi macro", () => {
    assert.equal(FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 1), 0x14001001);
    assert.equal(FUTEX_OP(FUTEX_OP_XOR, -1, FUTEX_OP_CMP_GE, -2), 0x45fffffe);
    assert.equal(FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 0), 0xa001f000);
  });
  await t.step("every op, with sign-extended operands and the shift flag", () => {
    const cases: [number, number, number, number][] = [
      [FUTEX_OP_SET, 0x55, 9, 0x55],
      [FUTEX_OP_SET, -1, 9, 0xffffffff],
      [FUTEX_OP_ADD, 3, 9, 12],
      [FUTEX_OP_ADD, -1, 0, 0xffffffff],
      [FUTEX_OP_OR, 0x0f0, 0x00f, 0x0ff],
      [FUTEX_OP_ANDN, 0x0f0, 0x0ff, 0x00f],
      [FUTEX_OP_XOR, 0x0ff, 0x0f0, 0x00f],
      [FUTEX_OP_XOR, -1, 0x0f0, 0xffffff0f],
      [FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 31, 0, 0x80000000],
      [FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, 1, 0x11],
      [FUTEX_OP_ANDN | FUTEX_OP_OPARG_SHIFT, 0, 3, 2],
      [FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 33, 0, 2], // oparg & 31
    ];
    for (const [op, oparg, old, next] of cases) {
      const { out, word } = wakeOp(old, FUTEX_OP(op, oparg, FUTEX_OP_CMP_EQ, 0));
      assert.equal(out.result, 0, `op ${op} oparg ${oparg}`);
      assert.equal(word, next, `op ${op} oparg ${oparg} on ${old}`);
    }
  });
  await t.step("every cmp compares old and cmparg as signed 32-bit values", () => {
    const table: [number, number, number, boolean][] = [
      [FUTEX_OP_CMP_EQ, 0xffffffff, -1, true],
      [FUTEX_OP_CMP_EQ, 5, 4, false],
      [FUTEX_OP_CMP_NE, 5, 4, true],
      [FUTEX_OP_CMP_NE, 4, 4, false],
      [FUTEX_OP_CMP_LT, 0xffffffff, 0, true], // -1 < 0
      [FUTEX_OP_CMP_LT, 0, 0, false],
      [FUTEX_OP_CMP_LE, 0, 0, true],
      [FUTEX_OP_CMP_LE, 1, 0, false],
      [FUTEX_OP_CMP_GT, 0x80000000, -2048, false], // INT_MIN > -2048 is false
      [FUTEX_OP_CMP_GT, 1, -1, true],
      [FUTEX_OP_CMP_GE, 2047, 2047, true],
      [FUTEX_OP_CMP_GE, 0xfffffffe, -1, false],
    ];
    for (const [cmp, old, cmparg, holds] of table) {
      const w = world();
      w.mem.set(B, old);
      w.block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
      w.block({ tid: 2, op: FUTEX_WAIT | P, uaddr: B, val: old });
      const out = w.call({
        tid: 9,
        op: FUTEX_WAKE_OP | P,
        uaddr: A,
        val: 1,
        val2: 1,
        uaddr2: B,
        val3: FUTEX_OP(FUTEX_OP_ADD, 0, cmp, cmparg),
      });
      assert.deepEqual(out.woken, holds ? [1, 2] : [1], `cmp ${cmp}: ${old | 0} vs ${cmparg}`);
      assert.equal(out.result, holds ? 2 : 1);
    }
  });
  await t.step("counts of 0 or less wake one on each side", () => {
    const w = world();
    for (const tid of [1, 2]) w.block({ tid, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
    for (const tid of [3, 4]) w.block({ tid, op: FUTEX_WAIT | P, uaddr: B, val: 0 });
    const val3 = FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0);
    const out = w.call({ tid: 9, op: FUTEX_WAKE_OP | P, uaddr: A, val: 0, val2: -3, uaddr2: B, val3 });
    assert.deepEqual([out.result, out.woken], [2, [1, 3]]);
  });
  await t.step("a bad op gives ENOSYS before uaddr2 is touched; a bad cmp gives ENOSYS after the write", () => {
    const w = world();
    for (const op of [5, 6, 7]) {
      assert.equal(
        w.res({ tid: 9, op: FUTEX_WAKE_OP | P, uaddr: A, uaddr2: RO, val3: FUTEX_OP(op, 1, 0, 0) }),
        -ENOSYS,
      );
      assert.equal(
        w.res({ tid: 9, op: FUTEX_WAKE_OP | P, uaddr: A, uaddr2: UNMAPPED, val3: FUTEX_OP(op, 1, 0, 0) }),
        -ENOSYS,
      );
    }
    // Shared keys need uaddr2 writable: the key lookup faults first.
    assert.equal(w.res({ tid: 9, op: FUTEX_WAKE_OP, uaddr: A, uaddr2: RO, val3: FUTEX_OP(5, 1, 0, 0) }), -EFAULT);
    // A good op on a read-only private page faults at the write.
    assert.equal(w.res({ tid: 9, op: FUTEX_WAKE_OP | P, uaddr: A, uaddr2: RO, val3: FUTEX_OP(0, 1, 0, 0) }), -EFAULT);
    assert.equal(w.mem.get(RO), 0);
    for (const cmp of [6, 9, 15]) {
      w.block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
      const out = w.call({
        tid: 9,
        op: FUTEX_WAKE_OP | P,
        uaddr: A,
        uaddr2: B,
        val3: FUTEX_OP(FUTEX_OP_ADD, 1, cmp, 0),
      });
      assert.deepEqual([out.result, out.woken], [-ENOSYS, []]);
      w.model.timeout(1);
    }
    assert.equal(w.mem.get(B), 3, "each bad-cmp call still added 1");
  });
});

Deno.test("FutexModel: FUTEX_LOCK_PI, FUTEX_LOCK_PI2 and FUTEX_TRYLOCK_PI word transitions", async (t) => {
  await t.step("TID 0: take it, keeping OWNER_DIED and dropping a stale WAITERS", () => {
    const { mem, res } = world();
    for (const cmd of [FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI]) {
      mem.set(A, 0);
      assert.equal(res({ tid: 7, op: cmd | P, uaddr: A }), 0);
      assert.equal(mem.get(A), 7);
      mem.set(A, FUTEX_OWNER_DIED);
      assert.equal(res({ tid: 7, op: cmd | P, uaddr: A }), 0);
      assert.equal(mem.get(A), FUTEX_OWNER_DIED | 7);
      mem.set(A, FUTEX_WAITERS);
      assert.equal(res({ tid: 7, op: cmd | P, uaddr: A }), 0);
      assert.equal(mem.get(A), 7);
    }
  });
  await t.step("the caller's own TID gives EDEADLK, even on a read-only page", () => {
    const { mem, res } = world();
    mem.set(A, 7).set(RO, 7);
    for (const cmd of [FUTEX_LOCK_PI, FUTEX_TRYLOCK_PI]) {
      assert.equal(res({ tid: 7, op: cmd | P, uaddr: A }), -EDEADLK);
      assert.equal(res({ tid: 7, op: cmd | P, uaddr: RO }), -EDEADLK);
    }
  });
  await t.step("a held lock: LOCK_PI sets WAITERS and blocks, TRYLOCK_PI sets WAITERS and gives EAGAIN", () => {
    const { mem, res, call } = world();
    mem.set(A, 5);
    assert.equal(res({ tid: 7, op: FUTEX_TRYLOCK_PI | P, uaddr: A }), -EAGAIN);
    assert.equal(mem.get(A), (FUTEX_WAITERS | 5) >>> 0);
    assert.equal(call({ tid: 7, op: FUTEX_LOCK_PI | P, uaddr: A }).status, "blocked");
    assert.equal(res({ tid: 8, op: FUTEX_TRYLOCK_PI | P, uaddr: A }), -EAGAIN);
    assert.equal(call({ tid: 8, op: FUTEX_LOCK_PI | P, uaddr: A }).status, "blocked");
  });
  await t.step("an owner TID that names no thread gives ESRCH, with WAITERS left set", () => {
    const { mem, res } = world({ threadExists: (tid) => tid < 100 });
    mem.set(A, 500);
    assert.equal(res({ tid: 7, op: FUTEX_LOCK_PI | P, uaddr: A }), -ESRCH);
    assert.equal(mem.get(A), (FUTEX_WAITERS | 500) >>> 0);
  });
  await t.step("an expired deadline gives ETIMEDOUT with WAITERS left set", () => {
    const { mem, res } = world();
    mem.set(A, 5);
    assert.equal(
      res({ tid: 7, op: FUTEX_LOCK_PI | P, uaddr: A, timeout: { sec: 0, nsec: 0, expired: true } }),
      -ETIMEDOUT,
    );
    assert.equal(mem.get(A), (FUTEX_WAITERS | 5) >>> 0);
  });
  await t.step("plain waiters on the word give EINVAL; faults give EFAULT", () => {
    const { mem, res, block } = world();
    mem.set(A, 5);
    block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 5 });
    assert.equal(res({ tid: 7, op: FUTEX_LOCK_PI | P, uaddr: A }), -EINVAL);
    assert.equal(res({ tid: 7, op: FUTEX_LOCK_PI | P, uaddr: UNMAPPED }), -EFAULT);
    assert.equal(res({ tid: 7, op: FUTEX_LOCK_PI | P, uaddr: RO }), -EFAULT); // the write faults
    assert.equal(res({ tid: 7, op: FUTEX_LOCK_PI, uaddr: RO }), -EFAULT); // the shared key needs write
  });
});

Deno.test("FutexModel: FUTEX_UNLOCK_PI", async (t) => {
  await t.step("a non-owner gets EPERM, checked before alignment, also for word 0", () => {
    const { mem, res } = world();
    mem.set(A, 5);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: A }), -EPERM);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: B }), -EPERM);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: A + 2 }), -EPERM);
    mem.set(A + 2, 7);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: A + 2 }), -EINVAL);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: UNMAPPED }), -EFAULT);
  });
  await t.step("without waiters the word becomes 0, WAITERS and OWNER_DIED dropped", () => {
    const { mem, res } = world();
    mem.set(A, FUTEX_WAITERS | FUTEX_OWNER_DIED | 7);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: A }), 0);
    assert.equal(mem.get(A), 0);
    mem.set(RO, 7);
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: RO }), -EFAULT);
  });
  await t.step("with waiters it hands over in FIFO order: WAITERS | new TID, OWNER_DIED cleared", () => {
    const { mem, call, block } = world();
    mem.set(A, FUTEX_OWNER_DIED | 7);
    for (const tid of [11, 12, 13]) block({ tid, op: FUTEX_LOCK_PI | P, uaddr: A });
    assert.equal(mem.get(A), (FUTEX_WAITERS | FUTEX_OWNER_DIED | 7) >>> 0);
    let owner = 7;
    for (const next of [11, 12, 13]) {
      assert.equal(call({ tid: 99, op: FUTEX_UNLOCK_PI | P, uaddr: A }).result, -EPERM);
      const out = call({ tid: owner, op: FUTEX_UNLOCK_PI | P, uaddr: A });
      assert.deepEqual([out.result, out.woken], [0, [next]]);
      assert.equal(mem.get(A), (FUTEX_WAITERS | next) >>> 0);
      owner = next;
    }
    assert.equal(call({ tid: 13, op: FUTEX_UNLOCK_PI | P, uaddr: A }).result, 0);
    assert.equal(mem.get(A), 0);
  });
  await t.step("a plain waiter on the word gives EINVAL", () => {
    const { mem, res, block } = world();
    mem.set(A, 7);
    block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 7 });
    assert.equal(res({ tid: 7, op: FUTEX_UNLOCK_PI | P, uaddr: A }), -EINVAL);
  });
});

Deno.test("FutexModel: FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI", async (t) => {
  const REQ = FUTEX_CMP_REQUEUE_PI | P;
  await t.step("WAIT_REQUEUE_PI: uaddr == uaddr2 gives EINVAL, then uaddr2's key, then the value", () => {
    const { res, call } = world();
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: A, val: 1 }), -EINVAL);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_REQUEUE_PI, uaddr: UNMAPPED, uaddr2: RO, val: 1 }), -EFAULT);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B + 1, val: 1 }), -EINVAL);
    assert.equal(res({ tid: 1, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B, val: 1 }), -EAGAIN);
    assert.equal(call({ tid: 1, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B, val: 0 }).status, "blocked");
    assert.equal(res({ tid: 9, op: FUTEX_WAKE | P, uaddr: A, val: 1 }), -EINVAL); // a wake aimed at it
  });
  await t.step("CMP_REQUEUE_PI checks counts, addresses, val == 1, keys and the value in order", () => {
    const { res, mem } = world();
    mem.set(A, 3);
    assert.equal(res({ tid: 9, op: REQ, uaddr: A, val: 1, val2: -1, uaddr2: B, val3: 3 }), -EINVAL);
    assert.equal(res({ tid: 9, op: REQ, uaddr: A, val: 1, val2: 1, uaddr2: A, val3: 3 }), -EINVAL);
    assert.equal(res({ tid: 9, op: REQ, uaddr: A, val: 2, val2: 1, uaddr2: B, val3: 3 }), -EINVAL);
    assert.equal(res({ tid: 9, op: REQ, uaddr: A, val: 1, val2: 1, uaddr2: B, val3: 4 }), -EAGAIN);
    assert.equal(res({ tid: 9, op: FUTEX_CMP_REQUEUE_PI, uaddr: A, val: 1, uaddr2: RO, val3: 3 }), -EFAULT);
    // Private keys and no waiter: 0, even on a read-only uaddr2.
    assert.equal(res({ tid: 9, op: REQ, uaddr: A, val: 1, val2: 1, uaddr2: RO, val3: 3 }), 0);
  });
  await t.step("a free lock goes to the top waiter; the rest are requeued; unlock hands over to them", () => {
    const { mem, call, block, model } = world();
    for (const tid of [1, 2, 3]) block({ tid, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B, val: 0 });
    const out = call({ tid: 9, op: REQ, uaddr: A, val: 1, val2: INT_MAX, uaddr2: B, val3: 0 });
    assert.deepEqual([out.result, out.woken, out.moved], [3, [1], [2, 3]]);
    assert.equal(mem.get(B), (FUTEX_WAITERS | 1) >>> 0);
    assert.deepEqual(model.waiters().map((w) => [w.tid, w.kind, w.requeued]), [[2, "pi", true], [3, "pi", true]]);
    assert.deepEqual(call({ tid: 1, op: FUTEX_UNLOCK_PI | P, uaddr: B }).woken, [2]);
    // A signal after the requeue gives EAGAIN.
    assert.deepEqual(model.interrupt(3, { restart: true }).result, -EAGAIN);
  });
  await t.step("a held lock: nr_wake + nr_requeue waiters are requeued behind it (Linux's loop bound)", () => {
    const { mem, call, block, model } = world();
    mem.set(B, 50);
    for (const tid of [1, 2, 3, 4]) block({ tid, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B, val: 0 });
    const out = call({ tid: 9, op: REQ, uaddr: A, val: 1, val2: 2, uaddr2: B, val3: 0 });
    assert.deepEqual([out.result, out.woken, out.moved], [3, [], [1, 2, 3]]);
    assert.deepEqual(model.waiters(`private:p:${A}`).map((w) => w.tid), [4]);
    assert.equal(mem.get(B), (FUTEX_WAITERS | 50) >>> 0);
    assert.deepEqual(call({ tid: 50, op: FUTEX_UNLOCK_PI | P, uaddr: B }).woken, [1]);
  });
  await t.step("a free lock with nr_requeue 0 is acquired by the top waiter, without WAITERS", () => {
    const w = world();
    w.block({ tid: 1, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B, val: 0 });
    const one = w.call({ tid: 9, op: REQ, uaddr: A, val: 1, val2: 0, uaddr2: B, val3: 0 });
    assert.deepEqual([one.result, one.woken, w.mem.get(B)], [1, [1], 1]);
  });
  await t.step("a top waiter that is a plain WAIT, or waits for another lock, gives EINVAL", () => {
    const { res, block } = world();
    block({ tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0 });
    assert.equal(res({ tid: 9, op: REQ, uaddr: A, val: 1, val2: 1, uaddr2: B, val3: 0 }), -EINVAL);
    block({ tid: 2, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: C, uaddr2: B, val: 0 });
    assert.equal(res({ tid: 9, op: REQ, uaddr: C, val: 1, val2: 1, uaddr2: A, val3: 0 }), -EINVAL);
  });
});

Deno.test("FutexModel: signals end or restart a blocked call as FUTEX_SPEC says", () => {
  const { model, block } = world();
  const forever = { tid: 1, op: FUTEX_WAIT | P, uaddr: A, val: 0 };
  block(forever);
  assert.equal(model.interrupt(1, { restart: true }).status, "restart");
  assert.ok(!model.isBlocked(1));
  block(forever);
  assert.equal(model.interrupt(1).result, -EINTR);
  block({ ...forever, timeout: { sec: 5, nsec: 0 } });
  assert.equal(model.interrupt(1, { restart: true }).result, -EINTR);
  block({ tid: 2, op: FUTEX_WAIT_BITSET | P, uaddr: A, val: 0, val3: 1 });
  assert.equal(model.interrupt(2, { restart: true }).status, "restart");
  block({ tid: 3, op: FUTEX_WAIT_REQUEUE_PI | P, uaddr: A, uaddr2: B, val: 0 });
  assert.equal(model.interrupt(3).status, "restart"); // even without SA_RESTART
  assert.deepEqual(model.waiters(), []);
  assert.throws(() => model.interrupt(3), RangeError);
  assert.throws(() => model.timeout(3), RangeError);
  block(forever);
  assert.throws(() => model.call(forever, new FlatFutexMemory()), /tid 1 is blocked/);
});

Deno.test("FutexModel: LOCK_PI restarts on any signal and leaves WAITERS set", () => {
  const { model, block, mem } = world();
  mem.set(A, 5);
  block({ tid: 1, op: FUTEX_LOCK_PI | P, uaddr: A });
  assert.equal(model.interrupt(1).status, "restart");
  assert.equal(mem.get(A), (FUTEX_WAITERS | 5) >>> 0);
  model.checkInvariants();
});

Deno.test("FutexModel: random call sequences never crash it and keep its invariants", () => {
  // Mostly calls that can meet: plain ops on A and B, PI ops on C, requeue-PI from D to C, private, values 0
  // and 1, no timeout; sometimes anything.
  const mostly = <T>(common: T[], rare: T[]) =>
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...common) }, { weight: 1, arbitrary: fc.constantFrom(...rare) });
  const WILD_ADDRS = [A + 4, UNMAPPED, RO, A + 1];
  const family = (cmds: number[], uaddrs: number[], uaddr2s: number[]) =>
    fc.record({
      tid: fc.integer({ min: 1, max: 8 }),
      cmd: mostly(cmds, [FUTEX_FD, 14, 15, 0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
      flags: mostly([P], [0, RT, P | RT]),
      uaddr: mostly(uaddrs, WILD_ADDRS),
      uaddr2: mostly(uaddr2s, WILD_ADDRS),
      val: mostly([0, 1], [-1, 2, INT_MAX, 0x80000000]),
      val2: mostly([0, 1, 2], [-1, INT_MAX]),
      val3: fc.oneof(mostly([0, 1, FUTEX_BITSET_MATCH_ANY], [2, 0x80000000]), fc.integer({ min: 0, max: 0xffffffff })),
      timeout: mostly([null], ["EFAULT" as const, { sec: 0, nsec: 0 }, { sec: 1, nsec: 0 }, { sec: 0, nsec: 1e9 }]),
    });
  const callArb = fc.oneof(
    { weight: 4, arbitrary: family([0, 1, 3, 4, 5, 9, 10], [A, B], [A, B]) },
    { weight: 2, arbitrary: family([6, 7, 8, 13], [C], [C]) },
    { weight: 2, arbitrary: family([11, 12], [D], [C]) },
  );
  const event = fc.oneof(
    { weight: 16, arbitrary: callArb.map((c) => ({ kind: "call" as const, c })) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("timeout" as const), pick: fc.nat() }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("interrupt" as const), pick: fc.nat(), restart: fc.boolean() }),
    },
  );
  const seen = { blocked: 0, woken: 0, moved: 0, errors: new Set<number>() };
  fc.assert(
    fc.property(
      fc.array(event, { minLength: 20, maxLength: 60, size: "max" }),
      fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 3 }),
      (events, init) => {
        const mem = new FlatFutexMemory().unmap(UNMAPPED).readOnly(RO);
        init.forEach((v, i) => mem.set([A, B, D][i], v));
        const model = new FutexModel({ threadExists: (tid) => tid <= 8 });
        for (const e of events) {
          const before = new Set(model.waiters().map((w) => w.tid));
          let out: FutexOutcome;
          if (e.kind === "call") {
            const { cmd, flags, ...rest } = e.c;
            if (model.isBlocked(rest.tid)) continue;
            out = model.call({ ...rest, op: cmd | flags }, mem);
          } else {
            if (before.size === 0) continue;
            const tid = [...before][e.pick % before.size];
            out = e.kind === "timeout" ? model.timeout(tid) : model.interrupt(tid, { restart: e.restart });
          }
          model.checkInvariants();
          const after = new Set(model.waiters().map((w) => w.tid));
          for (const tid of [...out.woken, ...out.moved]) assert.ok(before.has(tid), `tid ${tid} was waiting`);
          for (const tid of out.woken) assert.ok(!after.has(tid), `woken tid ${tid} left its queue`);
          for (const tid of out.moved) assert.ok(after.has(tid), `moved tid ${tid} still waits`);
          assert.equal(new Set(out.woken).size, out.woken.length);
          seen.woken += out.woken.length;
          seen.moved += out.moved.length;
          if (out.status === "blocked") seen.blocked++;
          if (out.status === "blocked") assert.ok(after.has(out.tid));
          else assert.ok(!after.has(out.tid) || out.status === "unsupported");
          if (out.status === "done") {
            const r = out.result!;
            assert.ok(Number.isInteger(r));
            if (r < 0) {
              seen.errors.add(-r);
              assert.ok(
                [EPERM, ESRCH, EINTR, EAGAIN, EFAULT, EINVAL, EDEADLK, ENOSYS, ETIMEDOUT].includes(-r),
              );
            }
          }
        }
      },
    ),
    { numRuns: 500, seed: 4 },
  );
  // The sequences reach the interesting states: blocking, waking, moving, and most errors.
  assert.ok(seen.blocked > 500 && seen.woken > 50 && seen.moved > 5, JSON.stringify({ ...seen, errors: [] }));
  assert.ok(seen.errors.size >= 8, `errors seen: ${[...seen.errors]}`);
});
