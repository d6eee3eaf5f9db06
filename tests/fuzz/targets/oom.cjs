// Holds on to 16 MB more on every run: memory grows until the RSS limit.
const kept = [];
module.exports.fuzz = function (data) {
  const block = new Uint8Array(16 << 20);
  block.fill(data.length & 0xff);
  kept.push(block);
};
