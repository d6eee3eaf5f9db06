// Register-level edges of the four interrupt controllers (CLINT, PLIC,
// LAPIC, IOAPIC) and of the two platforms that combine them: which
// comparisons are strict, which bits a write clears, which hart a line or an
// IPI reaches, and when the host is told to re-read a hart's pending state.
// Each device is driven through a recording host, without a machine.

import assert from "node:assert/strict";
import type { PlatformHost } from "../../arch/platform.ts";
import { Clint } from "../../arch/riscv/clint.ts";
import { Plic, PLIC_SOURCES } from "../../arch/riscv/plic.ts";
import { RiscvPlatform } from "../../arch/riscv/platform.ts";
import { IPI_VECTOR, Lapic, TIMER_VECTOR } from "../../arch/x86/lapic.ts";
import { IoApic, IOAPIC_PINS } from "../../arch/x86/ioapic.ts";
import { EXTERNAL_VECTOR_BASE, X86Platform } from "../../arch/x86/platform.ts";

/** A host that records what devices ask of it. */
class RecordingHost implements PlatformHost {
  now = 0;
  armed: [number, number][] = [];
  updated: number[] = [];
  armTimer(hart: number, deadline: number): void {
    this.armed.push([hart, deadline]);
  }
  updatePending(hart: number): void {
    this.updated.push(hart);
  }
  lastArmed(hart: number): number | undefined {
    for (let i = this.armed.length - 1; i >= 0; i--) if (this.armed[i][0] === hart) return this.armed[i][1];
    return undefined;
  }
}

Deno.test("CLINT: a compare value at or before mtime is due at once, a later one is armed", async (t) => {
  const host = new RecordingHost();
  const clint = new Clint(host, 2);
  host.now = 1_000;
  await t.step("mtime reads the host clock", () => assert.equal(clint.mtime(), 1_000));
  await t.step("mtimecmp equal to mtime raises the timer interrupt without arming", () => {
    clint.setMtimecmp(1, 1_000);
    assert.equal(clint.timerPending(1), true);
    assert.equal(clint.timerPending(0), false);
    assert.equal(host.lastArmed(1), Infinity);
    assert.equal(host.updated.at(-1), 1);
  });
  await t.step("mtimecmp one nanosecond later clears the interrupt and arms the host", () => {
    clint.setMtimecmp(1, 1_001);
    assert.equal(clint.timerPending(1), false);
    assert.equal(clint.mtimecmp(1), 1_001);
    assert.equal(host.lastArmed(1), 1_001);
  });
  await t.step("expiry raises the interrupt of that hart only", () => {
    host.updated = [];
    clint.expire(1);
    assert.equal(clint.timerPending(1), true);
    assert.equal(clint.timerPending(0), false);
    assert.deepEqual(host.updated, [1]);
  });
  await t.step("mtimecmp = Infinity disarms and clears", () => {
    clint.setMtimecmp(1, Infinity);
    assert.equal(clint.timerPending(1), false);
    assert.equal(host.lastArmed(1), Infinity);
  });
  await t.step("msip is per hart and tells the host", () => {
    host.updated = [];
    clint.setMsip(0, true);
    assert.equal(clint.msip(0), true);
    assert.equal(clint.msip(1), false);
    clint.setMsip(0, false);
    assert.equal(clint.msip(0), false);
    assert.deepEqual(host.updated, [0, 0]);
  });
  await t.step("a fresh CLINT has no deadline and nothing pending", () => {
    const fresh = new Clint(new RecordingHost(), 1);
    assert.equal(fresh.mtimecmp(0), Infinity);
    assert.equal(fresh.timerPending(0), false);
    assert.equal(fresh.msip(0), false);
  });
});

Deno.test("PLIC: a source is deliverable only if pending, enabled and strictly above the threshold", async (t) => {
  const host = new RecordingHost();
  const plic = new Plic(host, 2);
  plic.setPriority(5, 3);
  plic.setEnabled(0, 5, true);
  plic.raise(5);
  await t.step("priority 3 over threshold 0 is delivered", () => assert.equal(plic.best(0), 5));
  await t.step("priority equal to the threshold is not", () => {
    plic.setThreshold(0, 3);
    assert.equal(plic.best(0), 0);
    plic.setThreshold(0, 2);
    assert.equal(plic.best(0), 5);
    plic.setThreshold(0, 0);
  });
  await t.step("a hart whose enable bit is off does not see it", () => assert.equal(plic.best(1), 0));
  await t.step("priority 0 means never", () => {
    plic.setPriority(5, 0);
    assert.equal(plic.best(0), 0);
    plic.setPriority(5, 3);
  });
  await t.step("the highest priority wins, and the lowest source id breaks ties", () => {
    plic.setPriority(9, 6);
    plic.setPriority(7, 6);
    plic.setPriority(3, 1);
    for (const s of [3, 7, 9]) {
      plic.setEnabled(0, s, true);
      plic.raise(s);
    }
    assert.equal(plic.best(0), 7);
    assert.equal(plic.claim(0), 7);
    assert.equal(plic.claim(0), 9);
    assert.equal(plic.claim(0), 5);
    assert.equal(plic.claim(0), 3);
    assert.equal(plic.claim(0), 0);
  });
  await t.step("raise and a priority change tell every hart's context", () => {
    host.updated = [];
    plic.raise(1);
    assert.deepEqual(host.updated, [0, 1]);
    host.updated = [];
    plic.setPriority(1, 2); // may make a pending source deliverable: re-read every hart
    assert.deepEqual(host.updated, [0, 1]);
  });
});

Deno.test("PLIC: claim, complete and a raise while in flight", async (t) => {
  const host = new RecordingHost();
  const plic = new Plic(host, 2);
  plic.setPriority(4, 2);
  plic.setEnabled(1, 4, true);
  plic.raise(4);
  assert.equal(plic.isPending(4), true);
  await t.step("a claim takes the source out of pending", () => {
    assert.equal(plic.claim(1), 4);
    assert.equal(plic.isPending(4), false);
    assert.equal(plic.claim(1), 0);
  });
  await t.step("a raise while in flight waits for complete", () => {
    plic.raise(4);
    assert.equal(plic.isPending(4), false);
    assert.equal(plic.best(1), 0);
    plic.complete(1, 4);
    assert.equal(plic.isPending(4), true);
    assert.equal(plic.claim(1), 4);
  });
  await t.step("complete from a context that does not enable the source is ignored", () => {
    plic.raise(4);
    plic.complete(0, 4);
    assert.equal(plic.isPending(4), false, "still in flight");
    plic.complete(1, 4);
    assert.equal(plic.isPending(4), true);
    assert.equal(plic.claim(1), 4);
  });
  await t.step("complete of a source not in flight changes nothing", () => {
    plic.complete(1, 4);
    plic.complete(1, 4);
    assert.equal(plic.isPending(4), false);
    plic.raise(4);
    assert.equal(plic.isPending(4), true);
  });
  await t.step("a completed source with no new raise stays quiet", () => {
    assert.equal(plic.claim(1), 4);
    plic.complete(1, 4);
    assert.equal(plic.isPending(4), false);
    assert.equal(plic.best(1), 0);
  });
});

Deno.test("PLIC: source, priority, threshold and context ranges are exact", () => {
  const plic = new Plic(new RecordingHost(), 2);
  assert.throws(() => plic.raise(0), RangeError);
  assert.throws(() => plic.raise(PLIC_SOURCES), RangeError);
  plic.raise(1);
  plic.raise(PLIC_SOURCES - 1);
  assert.equal(plic.isPending(PLIC_SOURCES - 1), true);
  plic.setPriority(1, 7);
  assert.equal(plic.priority(1), 7);
  assert.throws(() => plic.setPriority(1, 8), RangeError);
  assert.throws(() => plic.setPriority(1, -1), RangeError);
  plic.setPriority(1, 0);
  plic.setThreshold(1, 7);
  assert.equal(plic.threshold(1), 7);
  assert.throws(() => plic.setThreshold(1, 8), RangeError);
  assert.throws(() => plic.setThreshold(1, -1), RangeError);
  plic.setThreshold(0, 0);
  assert.throws(() => plic.setEnabled(2, 1, true), RangeError);
  assert.throws(() => plic.setEnabled(-1, 1, true), RangeError);
  assert.throws(() => plic.claim(2), RangeError);
  for (const bad of [0, PLIC_SOURCES]) {
    assert.throws(() => plic.priority(bad), RangeError);
    assert.throws(() => plic.enabled(0, bad), RangeError);
    assert.throws(() => plic.isPending(bad), RangeError);
    assert.throws(() => plic.complete(0, bad), RangeError);
  }
  assert.throws(() => plic.threshold(2), RangeError);
  plic.setEnabled(1, 3, true);
  assert.equal(plic.enabled(1, 3), true);
  assert.equal(plic.enabled(0, 3), false);
});

Deno.test("RISC-V platform: external beats software beats timer, and taking one clears only it", async (t) => {
  const host = new RecordingHost();
  const p = new RiscvPlatform(host, 2);
  await t.step("nothing pending", () => assert.equal(p.pendingCause(0), null));
  await t.step("take with nothing pending is an error", () => assert.throws(() => p.take(0), RangeError));
  p.setTimer(0, 0); // due now
  assert.equal(p.pendingCause(0), "timer");
  p.sendIpi(1, 0);
  assert.equal(p.pendingCause(0), "software");
  assert.equal(p.pendingCause(1), null, "an IPI reaches only its target");
  p.routeIrq(6, 0, 1);
  p.raiseIrq(6);
  assert.equal(p.pendingCause(0), "external");
  assert.equal(p.pendingCause(1), null, "a routed line reaches only its hart");
  await t.step("taking external leaves the line to claim", () => {
    assert.equal(p.take(0), "external");
    assert.equal(p.claim(0), 6);
    assert.equal(p.claim(0), null);
    p.complete(0, 6);
  });
  await t.step("taking software clears msip", () => {
    assert.equal(p.take(0), "software");
    assert.equal(p.clint.msip(0), false);
  });
  await t.step("taking timer disarms it", () => {
    assert.equal(p.take(0), "timer");
    assert.equal(p.clint.mtimecmp(0), Infinity);
    assert.equal(p.pendingCause(0), null);
  });
  await t.step("routing moves a line from one hart to another", () => {
    p.routeIrq(6, 1, 2);
    assert.equal(p.plic.enabled(0, 6), false);
    assert.equal(p.plic.enabled(1, 6), true);
    assert.equal(p.plic.priority(6), 2);
    assert.throws(() => p.routeIrq(6, 2, 1), RangeError);
  });
  await t.step("timerExpired raises the timer of that hart", () => {
    p.timerExpired(1);
    assert.equal(p.pendingCause(1), "timer");
    assert.equal(p.pendingCause(0), null);
  });
});

Deno.test("LAPIC: a vector is delivered only if its priority class is above TPR and in-service classes", async (t) => {
  const host = new RecordingHost();
  const lapic = new Lapic(host, 0, () => {});
  await t.step("no request, nothing deliverable", () => assert.equal(lapic.deliverable(), -1));
  await t.step("TPR 0x50 masks class 5 and lets class 6 through", () => {
    lapic.setTpr(0x50);
    lapic.accept(0x5f);
    assert.equal(lapic.deliverable(), -1);
    lapic.accept(0x60);
    assert.equal(lapic.deliverable(), 0x60);
    lapic.setTpr(0x4f);
    assert.equal(lapic.deliverable(), 0x60, "the highest vector goes first");
    assert.equal(lapic.tpr(), 0x4f);
  });
  await t.step("acknowledge moves the vector from IRR to ISR", () => {
    assert.equal(lapic.acknowledge(), 0x60);
    assert.equal(lapic.requested(0x60), false);
    assert.equal(lapic.inService(0x60), true);
  });
  await t.step("an in-service class 6 blocks class 6 and lower, not class 7", () => {
    lapic.accept(0x61);
    assert.equal(lapic.deliverable(), -1);
    lapic.accept(0x70);
    assert.equal(lapic.deliverable(), 0x70);
    assert.equal(lapic.acknowledge(), 0x70);
    assert.equal(lapic.acknowledge(), -1);
  });
  await t.step("EOI retires the highest in-service vector only", () => {
    lapic.eoi();
    assert.equal(lapic.inService(0x70), false);
    assert.equal(lapic.inService(0x60), true);
    assert.equal(lapic.deliverable(), -1);
    lapic.eoi();
    assert.equal(lapic.inService(0x60), false);
    assert.equal(lapic.deliverable(), 0x61);
    lapic.eoi(); // nothing in service: a no-op
    assert.equal(lapic.deliverable(), 0x61);
  });
  await t.step("vectors and TPR are range-checked", () => {
    assert.throws(() => lapic.accept(31), RangeError);
    assert.throws(() => lapic.accept(256), RangeError);
    lapic.accept(32);
    lapic.accept(255);
    assert.equal(lapic.deliverable(), 255);
    assert.throws(() => lapic.setTpr(256), RangeError);
    assert.throws(() => lapic.setTpr(-1), RangeError);
    lapic.setTpr(255);
    assert.equal(lapic.deliverable(), -1, "TPR class 15 masks everything");
    lapic.setTpr(0);
  });
  await t.step("accept tells the host about this LAPIC's CPU", () => {
    const h = new RecordingHost();
    const l = new Lapic(h, 3, () => {});
    l.accept(0x40);
    l.setTpr(0);
    assert.deepEqual(h.updated, [3, 3]);
  });
});

Deno.test("LAPIC: claimSource names each in-service line once, newest class first", () => {
  const lapic = new Lapic(new RecordingHost(), 0, () => {});
  lapic.accept(0x40, 7);
  lapic.accept(0x50, 2);
  lapic.accept(IPI_VECTOR); // no source line
  assert.equal(lapic.acknowledge(), IPI_VECTOR);
  assert.equal(lapic.claimSource(), null, "an IPI has no line");
  lapic.eoi();
  assert.equal(lapic.acknowledge(), 0x50);
  assert.equal(lapic.claimSource(), 2);
  assert.equal(lapic.claimSource(), null, "claimed already");
  lapic.eoi();
  assert.equal(lapic.acknowledge(), 0x40);
  assert.equal(lapic.claimSource(), 7);
  lapic.eoi();
  assert.equal(lapic.claimSource(), null);
  // Line 0 is a line like any other.
  lapic.accept(0x45, 0);
  assert.equal(lapic.acknowledge(), 0x45);
  assert.equal(lapic.claimSource(), 0);
  lapic.eoi();
  // A vector that comes back after EOI can be claimed again.
  lapic.accept(0x40, 7);
  assert.equal(lapic.acknowledge(), 0x40);
  assert.equal(lapic.claimSource(), 7);
});

Deno.test("LAPIC timer: deadlines at or before now fire at once; masking, mode changes and one-shot counts", async (t) => {
  const host = new RecordingHost();
  const lapic = new Lapic(host, 1, () => {});
  host.now = 500;
  await t.step("a deadline equal to now fires without arming", () => {
    lapic.setDeadline(500);
    assert.equal(lapic.requested(TIMER_VECTOR), true);
    assert.equal(lapic.timerDeadline(), Infinity);
    assert.equal(host.lastArmed(1), Infinity);
    assert.equal(lapic.acknowledge(), TIMER_VECTOR);
    lapic.eoi();
  });
  await t.step("a deadline one nanosecond later is armed", () => {
    lapic.setDeadline(501);
    assert.equal(lapic.requested(TIMER_VECTOR), false);
    assert.equal(lapic.timerDeadline(), 501);
    assert.equal(host.lastArmed(1), 501);
  });
  await t.step("expiry raises the timer vector and disarms", () => {
    lapic.expire();
    assert.equal(lapic.requested(TIMER_VECTOR), true);
    assert.equal(lapic.timerDeadline(), Infinity);
    assert.equal(host.lastArmed(1), Infinity);
    lapic.acknowledge();
    lapic.eoi();
  });
  await t.step("writing TSC deadline 0 disarms", () => {
    lapic.setTscDeadline(900);
    assert.equal(lapic.timerDeadline(), 900);
    lapic.setTscDeadline(0);
    assert.equal(lapic.timerDeadline(), Infinity);
    assert.equal(lapic.requested(TIMER_VECTOR), false);
  });
  await t.step("a masked LVT timer expires silently", () => {
    lapic.setLvtTimer({ vector: 0xe0, masked: true, mode: "tsc-deadline" });
    lapic.setDeadline(400);
    assert.equal(lapic.requested(0xe0), false);
    assert.equal(lapic.timerDeadline(), Infinity);
    lapic.setLvtTimer({ vector: 0xe0, masked: false, mode: "tsc-deadline" });
    lapic.setDeadline(400);
    assert.equal(lapic.requested(0xe0), true);
    assert.equal(lapic.timerVector(), 0xe0);
    lapic.acknowledge();
    lapic.eoi();
  });
  await t.step("changing the mode disarms; keeping it does not", () => {
    lapic.setDeadline(10_000);
    lapic.setLvtTimer({ vector: 0xe0, masked: false, mode: "tsc-deadline" });
    assert.equal(lapic.timerDeadline(), 10_000);
    lapic.setLvtTimer({ vector: 0xe0, masked: false, mode: "one-shot" });
    assert.equal(lapic.timerDeadline(), Infinity);
    assert.throws(() => lapic.setDeadline(1), TypeError);
    assert.throws(() => lapic.setTscDeadline(1), TypeError);
  });
  await t.step("one-shot counts scale by the divider; count 0 stops the timer", () => {
    lapic.startOneShot(100, 8);
    assert.equal(lapic.timerDeadline(), 500 + 800);
    lapic.startOneShot(3);
    assert.equal(lapic.timerDeadline(), 503);
    lapic.startOneShot(0);
    assert.equal(lapic.timerDeadline(), Infinity);
    lapic.startOneShot(0xffffffff, 128);
    assert.throws(() => lapic.startOneShot(2 ** 32), RangeError);
    assert.throws(() => lapic.startOneShot(-1), RangeError);
    assert.throws(() => lapic.startOneShot(1, 3), RangeError);
    assert.throws(() => lapic.startOneShot(1, 256), RangeError);
    lapic.setLvtTimer({ vector: 0xe0, masked: false, mode: "tsc-deadline" });
    assert.throws(() => lapic.startOneShot(1), TypeError);
  });
  await t.step("LVT vectors are range-checked", () => {
    assert.throws(() => lapic.setLvtTimer({ vector: 31, masked: false, mode: "one-shot" }), RangeError);
    assert.throws(() => lapic.setLvtTimer({ vector: 256, masked: false, mode: "one-shot" }), RangeError);
  });
});

Deno.test("IOAPIC: a masked pin holds its assertion until unmasked, then delivers it once", async (t) => {
  const sent: [number, number, number][] = [];
  const io = new IoApic(2, (dest, vector, pin) => sent.push([dest, vector, pin]));
  await t.step("every pin starts masked at vector 0x20", () => {
    assert.deepEqual(io.redirection(0), { vector: 0x20, dest: 0, masked: true });
    io.raise(3);
    assert.deepEqual(sent, []);
    assert.equal(io.asserted(3), true);
  });
  await t.step("unmasking forwards the held assertion to the destination", () => {
    io.setRedirection(3, { vector: 0x41, dest: 1, masked: false });
    assert.deepEqual(sent, [[1, 0x41, 3]]);
    assert.equal(io.asserted(3), false);
    io.setRedirection(3, { vector: 0x42 });
    assert.equal(sent.length, 1, "a second write does not deliver again");
    assert.deepEqual(io.redirection(3), { vector: 0x42, dest: 1, masked: false });
  });
  await t.step("an unmasked pin delivers every raise", () => {
    io.raise(3);
    io.raise(3);
    assert.deepEqual(sent.slice(1), [[1, 0x42, 3], [1, 0x42, 3]]);
  });
  await t.step("pins, vectors and destinations are range-checked", () => {
    assert.throws(() => io.raise(IOAPIC_PINS), RangeError);
    assert.throws(() => io.raise(-1), RangeError);
    io.raise(IOAPIC_PINS - 1);
    assert.throws(() => io.setRedirection(0, { vector: 31 }), RangeError);
    assert.throws(() => io.setRedirection(0, { vector: 256 }), RangeError);
    assert.throws(() => io.setRedirection(0, { dest: 2 }), RangeError);
    assert.throws(() => io.setRedirection(0, { dest: -1 }), RangeError);
    io.setRedirection(0, { vector: 255, dest: 1 });
    io.setRedirection(1, { vector: 32, dest: 0 }); // both ends of the vector range are valid
  });
});

Deno.test("x86 platform: timer and IPI vectors are taken with an automatic EOI, external lines wait for complete", async (t) => {
  const host = new RecordingHost();
  const p = new X86Platform(host, 2);
  await t.step("nothing pending", () => {
    assert.equal(p.pendingCause(0), null);
    assert.throws(() => p.take(0), RangeError);
  });
  await t.step("an IPI is software, on its target only, and EOIs itself", () => {
    p.sendIpi(1, 0);
    assert.equal(p.pendingCause(1), null);
    assert.equal(p.pendingCause(0), "software");
    assert.equal(p.take(0), "software");
    assert.equal(p.lapics[0].inService(IPI_VECTOR), false);
  });
  await t.step("the timer is timer, and EOIs itself", () => {
    p.setTimer(1, 0);
    assert.equal(p.pendingCause(1), "timer");
    assert.equal(p.take(1), "timer");
    assert.equal(p.lapics[1].inService(TIMER_VECTOR), false);
    host.now = 10;
    p.setTimer(1, 20);
    assert.equal(p.pendingCause(1), null);
    p.timerExpired(1);
    assert.equal(p.take(1), "timer");
  });
  await t.step("a routed line is external, claimable once, and in service until complete", () => {
    p.routeIrq(5, 1, 1);
    assert.deepEqual(p.ioapic.redirection(5), { vector: EXTERNAL_VECTOR_BASE + 5, dest: 1, masked: false });
    p.raiseIrq(5);
    assert.equal(p.pendingCause(0), null);
    assert.equal(p.pendingCause(1), "external");
    assert.equal(p.take(1), "external");
    assert.equal(p.lapics[1].inService(EXTERNAL_VECTOR_BASE + 5), true);
    assert.equal(p.claim(1), 5);
    assert.equal(p.claim(1), null);
    p.raiseIrq(5);
    assert.equal(p.pendingCause(1), null, "same class in service: held");
    p.complete(1, 5);
    assert.equal(p.lapics[1].inService(EXTERNAL_VECTOR_BASE + 5), false);
    assert.equal(p.pendingCause(1), "external");
  });
});
