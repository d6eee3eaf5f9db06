// Hangs (a synchronous loop) on any input that starts with "H".
export function fuzz(data) {
  if (data.length > 0 && data[0] === 0x48) {
    for (;;) {
      // spin
    }
  }
}
