// The waiter registry lists holders in the order they entered, whether the
// registry keeps their entry (holders of a user's own) or they keep it
// themselves (ksim's cells and queues), and unlists them from anywhere in
// that order.
import assert from "node:assert/strict";
import { enterOwn, leaveOwn, WaiterEntry, type WaiterHolder, WaiterRegistry } from "../../../kernel/sync/waiters.ts";

const holder = (label: string): WaiterHolder => ({ label, waiting: () => [] });
const labels = (r: WaiterRegistry) => r.holders().map((h) => h.label);

Deno.test("waiter registry: holders are listed in entry order, from the front, middle and end alike", () => {
  const r = new WaiterRegistry();
  const [a, c] = [holder("a"), holder("c")];
  const b = new WaiterEntry(holder("b")), d = new WaiterEntry(holder("d"));
  r.enter(a);
  enterOwn(r, b);
  r.enter(c);
  enterOwn(r, d);
  assert.deepEqual(labels(r), ["a", "b", "c", "d"]);
  r.enter(a); // entering again keeps its place
  enterOwn(r, b);
  assert.deepEqual(labels(r), ["a", "b", "c", "d"]);
  leaveOwn(r, b); // the middle
  assert.deepEqual(labels(r), ["a", "c", "d"]);
  leaveOwn(r, d); // the end
  assert.deepEqual(labels(r), ["a", "c"]);
  r.leave(a); // the front
  assert.deepEqual(labels(r), ["c"]);
  enterOwn(r, b); // back, at the end
  r.enter(a);
  assert.deepEqual(labels(r), ["c", "b", "a"]);
  r.leave(c);
  r.leave(a);
  leaveOwn(r, b);
  assert.deepEqual(labels(r), []);
  enterOwn(r, d);
  assert.deepEqual(labels(r), ["d"]);
});

Deno.test("waiter registry: leaving when not listed changes nothing", () => {
  const r = new WaiterRegistry();
  const listed = holder("listed");
  r.enter(listed);
  r.leave(holder("never entered"));
  leaveOwn(r, new WaiterEntry(holder("never entered either")));
  assert.deepEqual(labels(r), ["listed"]);
});

Deno.test("waiter registry: a holder's own entry belongs to one registry", () => {
  const one = new WaiterRegistry(), two = new WaiterRegistry();
  const entry = new WaiterEntry(holder("cell"));
  enterOwn(one, entry);
  assert.throws(() => enterOwn(two, entry), TypeError);
  leaveOwn(two, entry); // not listed there: nothing happens
  assert.deepEqual(labels(one), ["cell"]);
  leaveOwn(one, entry);
  enterOwn(two, entry);
  assert.deepEqual([labels(one), labels(two)], [[], ["cell"]]);
});
