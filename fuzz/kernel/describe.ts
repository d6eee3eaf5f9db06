/**
 * Readable text of `syscalls` programs: one line per call, with slots
 * named by their page and offset and futex commands by their names.
 *
 * @module
 */

import { type Call, SLOTS } from "./calls.ts";
import type { Program } from "./program.ts";

const CMD_NAMES: Record<number, string> = {
  0: "FUTEX_WAIT",
  1: "FUTEX_WAKE",
  3: "FUTEX_REQUEUE",
  4: "FUTEX_CMP_REQUEUE",
  5: "FUTEX_WAKE_OP",
  6: "FUTEX_LOCK_PI",
  7: "FUTEX_UNLOCK_PI",
  8: "FUTEX_TRYLOCK_PI",
  9: "FUTEX_WAIT_BITSET",
  10: "FUTEX_WAKE_BITSET",
  11: "FUTEX_WAIT_REQUEUE_PI",
  12: "FUTEX_CMP_REQUEUE_PI",
  13: "FUTEX_LOCK_PI2",
};

const hex = (n: number) => `0x${n.toString(16)}`;

/** A slot as `shared+4`, `private+0` or `unmapped`. */
export function slotName(slot: number): string {
  const s = SLOTS[slot];
  return s.page === "unmapped" ? "unmapped" : `${s.page}+${s.offset}`;
}

/**
 * One call as a line of text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeCall } from "./describe.ts";
 * assert.equal(describeCall({ kind: "store32", slot: 1, val: 1 }), "store32(shared+4, 1)");
 * ```
 */
export function describeCall(c: Call): string {
  switch (c.kind) {
    case "futex": {
      const flags = [CMD_NAMES[c.cmd], c.private ? "PRIVATE" : "", c.realtime ? "CLOCK_REALTIME" : ""];
      return `futex(${slotName(c.slot)}, ${flags.filter((f) => f).join("|")}, val=${c.val}, val2=${c.val2}, ` +
        `uaddr2=${slotName(c.slot2)}, val3=${hex(c.val3)}, timeout=${c.timeout})`;
    }
    case "waitv":
      return `futex_waitv([${c.entries.map((e) => `${slotName(e.slot)}==${e.val}`).join(", ")}], ` +
        `${c.private ? "PRIVATE" : "shared"}, ${
          c.realtime ? "CLOCK_REALTIME" : "CLOCK_MONOTONIC"
        }, timeout=${c.timeout})`;
    case "load32":
      return `load32(${slotName(c.slot)})`;
    case "store32":
      return `store32(${slotName(c.slot)}, ${c.val})`;
    case "cas32":
      return `cas32(${slotName(c.slot)}, ${c.expected}, ${c.desired})`;
    case "fetchAdd32":
      return `fetchAdd32(${slotName(c.slot)}, ${c.val})`;
    case "nanosleep":
      return `nanosleep(${c.ns})`;
    case "spawnThread":
      return `spawnThread(body ${c.body})`;
    case "exit":
      return `exit(${c.code})`;
    case "fork":
      return `fork() then a thread running body ${c.body} in the child`;
    case "mmapShared":
      return "mmap(shared page again)";
    case "munmapShared":
      return "munmap(shared page)";
    case "mprotectShared":
      return `mprotect(shared page, ${["PROT_NONE", "PROT_READ", "", "PROT_READ|PROT_WRITE"][c.prot]})`;
    case "setRobustList":
      return `set_robust_list(one entry locking ${slotName(c.slot)})`;
  }
}

/**
 * The whole program as text: machine, threads, bodies, signals, schedule length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeProgram } from "./describe.ts";
 * import { decodeProgram } from "./program.ts";
 * assert.match(describeProgram(decodeProgram(new Uint8Array())), /^x86_64, 1 hart/);
 * ```
 */
export function describeProgram(p: Program): string {
  const lines = [`${p.isa}, ${p.harts} hart(s), ${p.processes} process(es), ${p.schedule.length} schedule byte(s)`];
  p.threads.forEach((t, i) => {
    lines.push(`T${i} (process ${t.process}):`);
    t.calls.forEach((c, k) => lines.push(`  ${k}. ${describeCall(c)}`));
  });
  p.bodies.forEach((b, i) => {
    lines.push(`body ${i}:`);
    b.forEach((c, k) => lines.push(`  ${k}. ${describeCall(c)}`));
  });
  for (const s of p.signals) lines.push(`signal to T${s.thread} at ${s.at} ns${s.restart ? " (SA_RESTART)" : ""}`);
  return lines.join("\n");
}
