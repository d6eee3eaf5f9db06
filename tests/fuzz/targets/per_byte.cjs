// A jsfuzz-style CommonJS target with nested per-byte branches: it crashes on
// inputs that start with "FUZ".
function fuzz(data) {
  if (data.length > 0 && data[0] === 0x46) {
    if (data.length > 1 && data[1] === 0x55) {
      if (data.length > 2 && data[2] === 0x5a) {
        throw new Error("planted: per-byte F, U, Z");
      }
    }
  }
}

module.exports = { fuzz };
