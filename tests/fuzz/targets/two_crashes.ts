// Two planted crashes, found again and again once found: an input starting
// with "AB" throws a RangeError; one starting with "XY" throws an
// OracleViolation naming the oracle "planted" (as a kernel target's oracle
// does). For -ignore_crashes=1: two distinct crashes, and many repeats.
import type { Buffer } from "node:buffer";

class OracleViolation extends Error {
  readonly oracle = "planted";
  constructor(message: string) {
    super(message);
    this.name = "OracleViolation";
  }
}

export function fuzz(data: Buffer): number {
  switch (data.toString("latin1", 0, 2)) {
    case "AB":
      throw new RangeError(`planted: AB, ${data.length} bytes`);
    case "XY":
      throw new OracleViolation(`planted: XY, ${data.length} bytes`);
    default:
      return 0;
  }
}
