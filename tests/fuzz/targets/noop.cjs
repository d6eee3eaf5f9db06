// A target that does nothing: the fuzzer's own cost per input.
module.exports.fuzz = function (data) {
  return data.length;
};
