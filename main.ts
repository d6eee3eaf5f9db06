/**
 * `deno task run`: watch a scenario on a simulated machine. By default a
 * kernel scenario; `--bare` runs a bare-metal one. It needs no permissions:
 * it reads only its arguments.
 *
 * @module
 */

import { runBareMetal } from "./cli/bare_metal.ts";
import { runKernelDemo } from "./cli/kernel_demo.ts";
import { parseOptions, USAGE } from "./cli/options.ts";

if (import.meta.main) {
  const opts = parseOptions(Deno.args);
  if ("help" in opts) {
    console.log(USAGE);
  } else if ("error" in opts) {
    console.error(`ksim: ${opts.error}\n${USAGE}`);
    Deno.exit(2);
  } else {
    Deno.exit(opts.bare ? runBareMetal(opts) : runKernelDemo(opts));
  }
}
