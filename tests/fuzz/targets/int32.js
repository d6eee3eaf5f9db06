// An ESM target with a 32-bit integer compare read through Buffer's API: it
// crashes when the first four bytes are 0xdeadbeef, little-endian.
export function fuzz(data) {
  if (data.length >= 4 && data.readUInt32LE(0) === 0xdeadbeef) throw new Error("planted: 32-bit integer compare");
}
