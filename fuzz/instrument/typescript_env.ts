/**
 * Hides the process's Node-ness from `npm:typescript` while it loads (see `typescript.ts`).
 *
 * Importing this module sets `process.browser` when environment access to the compiler's variables is not granted;
 * {@linkcode restoreProcess} undoes it. Invariant: only a flag this module set is ever removed.
 *
 * @module
 */

import process from "node:process";

const flagged = process as unknown as { browser?: unknown };
const hidden = Deno.permissions.querySync({ name: "env", variable: "TSC_WATCHFILE" }).state !== "granted" &&
  !("browser" in flagged);
if (hidden) flagged.browser = true;

/** Removes the flag set when this module loaded, if it set one. */
export function restoreProcess(): void {
  if (hidden) delete flagged.browser;
}
