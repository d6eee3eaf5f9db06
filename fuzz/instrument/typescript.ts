/**
 * The TypeScript compiler API, loaded so that it works without environment permissions.
 *
 * When it loads, `npm:typescript` builds a Node "system" (file watching, polling intervals) that reads a dozen
 * environment variables, which throws under Deno without `--allow-env`. The instrumenter only parses, transforms and
 * prints, which need no system, so unless environment access is granted the compiler is loaded as if in a browser
 * (`ts.sys` is then undefined). `typescript_env.ts` is imported first, so it runs before the compiler loads.
 * Invariant: `process` is as it was once this module has loaded.
 *
 * @module
 */

import { restoreProcess } from "./typescript_env.ts";
import ts from "typescript";

restoreProcess();

export {
  /** The `npm:typescript` namespace. */
  ts,
};
