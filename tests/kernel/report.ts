// Shared by the exhaustive kernel tests: print how many schedules a search
// explored, and insist that it was complete.
import assert from "node:assert/strict";

/** Prints the schedule count of an exhaustive search and asserts it was complete. */
export function report(name: string, r: { schedules: number; complete: boolean }): void {
  console.log(`${name}: ${r.schedules} schedules`);
  assert.ok(r.complete, `${name}: the search must be complete`);
}
