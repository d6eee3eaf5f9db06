// Throws from a timer, outside the call the fuzzer made: the Worker's uncaught
// error is reported as a crash of the input that was running.
export async function fuzz(data) {
  if (data.length > 0 && data[0] === 0x21) {
    setTimeout(() => {
      throw new Error("planted: thrown from a timer");
    }, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
