#!/usr/bin/env node
// Accuracy of the active kernel set against a float64 reference, on the inputs of the torch 1.13
// accuracy table in ../shared/notes/torch-semantics.md: randn * scale, rounded to the dtype.
//   node bench/accuracy.js            (SIMD_SOFTMAX_ISA=scalar to measure another set)
// float32: max relative error where the reference is normal, in ulps too; max |row sum - 1|
// (rows summed with compensation); log-softmax |err| / max(1, |ref|). float64: the same in double.
'use strict';

const { backend, logSoftmax, softmax } = require('..');
const { gaussianArray } = require('./random.js');

// Neumaier's compensated sum: exact to a few ulps of the result whatever the number of terms,
// so the reference does not drop the tail terms a plain running sum loses.
function compensatedSum(count, term) {
  let sum = 0;
  let compensation = 0;
  for (let k = 0; k < count; k++) {
    const value = term(k);
    const t = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - t + value : value - t + sum;
    sum = t;
  }
  return sum + compensation;
}

// e^(x - max) with x - max taken exactly (TwoSum): the reference must not round it, or it would
// hide the rounding every implementation makes there (5.7e-14 relative in float64 at scale 100).
function expOfDifference(x, max) {
  const d = x - max;
  const maxPart = d - x;
  const error = (x - (d - maxPart)) + (-max - maxPart);
  return Math.exp(d) * (1 + (Number.isFinite(error) ? error : 0));
}

function ulpOf(value, digits) {
  const exponent = Math.floor(Math.log2(Math.abs(value)));
  return 2 ** (exponent - digits + 1);
}

function measure(dtype, shape, dim, scale, seed) {
  const numel = shape.reduce((a, b) => a * b, 1);
  const data = gaussianArray(dtype === 'float32' ? Float32Array : Float64Array, numel, seed, scale);
  const d = (dim + shape.length) % shape.length;
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const size = shape[d];
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const y = softmax({ data, shape }, dim).data;
  const ly = logSoftmax({ data, shape }, dim).data;
  const normalMin = dtype === 'float32' ? 2 ** -126 : 2 ** -1022;
  const digits = dtype === 'float32' ? 24 : 53;
  const r = { maxRel: 0, maxUlp: 0, rowSum: 0, logErr: 0 };
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const at = (k) => (o * size + k) * inner + c;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, data[at(k)]);
      const sum = compensatedSum(size, (k) => expOfDifference(data[at(k)], max));
      const logSum = Math.log(sum);
      const rowSum = compensatedSum(size, (k) => y[at(k)]);
      for (let k = 0; k < size; k++) {
        const i = at(k);
        const ref = expOfDifference(data[i], max) / sum;
        if (ref >= normalMin) {
          const err = Math.abs(y[i] - ref);
          r.maxRel = Math.max(r.maxRel, err / ref);
          r.maxUlp = Math.max(r.maxUlp, err / ulpOf(ref, digits));
        }
        const logRef = data[i] - max - logSum;
        r.logErr = Math.max(r.logErr, Math.abs(ly[i] - logRef) / Math.max(1, Math.abs(logRef)));
      }
      r.rowSum = Math.max(r.rowSum, Math.abs(rowSum - 1));
    }
  }
  return r;
}

const cases = {
  float32: { scales: [0.01, 1, 3, 10, 30, 100, 1000], shapes: [[[1000, 1000], -1], [[1000, 1000], 0], [[20, 50000], -1], [[125000, 8], -1], [[40000, 25], -1], [[1, 1000000], -1]] },
  float64: { scales: [1, 10, 100], shapes: [[[500, 1000], -1], [[500, 1000], 0], [[50000, 8], -1], [[1, 1000000], -1]] },
};
console.log(`kernel set: ${backend().isa}`);
for (const [dtype, { scales, shapes }] of Object.entries(cases)) {
  const worst = { maxRel: 0, maxUlp: 0, rowSum: 0, logErr: 0 };
  console.log(`\n${dtype}\n| scale | shape | dim | max rel | max ulp | max abs(rowsum-1) | logsm err/max(1,abs ref) |\n|---|---|---|---|---|---|---|`);
  let seed = 1;
  for (const scale of scales) {
    for (const [shape, dim] of shapes) {
      const r = measure(dtype, shape, dim, scale, seed++);
      for (const key of Object.keys(worst)) worst[key] = Math.max(worst[key], r[key]);
      console.log(`| ${scale} | [${shape}] | ${dim} | ${r.maxRel.toExponential(2)} | ${r.maxUlp.toFixed(2)} | ${r.rowSum.toExponential(2)} | ${r.logErr.toExponential(2)} |`);
    }
  }
  console.log(`${dtype} worst: ${JSON.stringify(worst)}`);
}
