// Crashes when the input contains a long token anywhere. Buffer.indexOf is not
// instrumented, so no compare feedback reveals the token: only a dictionary does.
export function fuzz(data) {
  if (data.indexOf("ksim-dictionary-token") !== -1) throw new Error("planted: dictionary token");
}
