// A trivial branchy target that never crashes: the exec/s benchmark.
module.exports.fuzz = function (data) {
  let n = 0;
  for (let i = 0; i < data.length && i < 8; i++) {
    if (data[i] > 128) n++;
    else if (data[i] === 7) n += 2;
  }
  return n;
};
