// Every case generated from torch 1.13 by tools/make_fixtures.py: special values in five layouts,
// 0-d and empty tensors, dim errors, casts, and random tensors.
import { logSoftmax, softmax } from '../lib/index.js';
import { compare, decode, loadFixture, type TorchCase } from './helpers.js';

// How far our results may be from torch's. Both are within a few ulp of the exact result; the
// rounding of (x - max), which dominates at large scales, is the same in both and cancels here.
const TOLERANCE = { float32: 4e-6, float64: 1e-13 };

const ARRAYS = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array,
} as const;

function inputOf(c: TorchCase) {
  const Ctor = ARRAYS[c.input_dtype as keyof typeof ARRAYS];
  if (Ctor === undefined) throw new Error(`fixture ${c.id} has input dtype ${c.input_dtype}`);
  return { data: Ctor.from(c.input.map(decode)), shape: c.shape };
}

function runCase(c: TorchCase) {
  const fn = c.op === 'softmax' ? softmax : logSoftmax;
  return fn(inputOf(c), c.dim, c.dtype === undefined ? undefined : { dtype: c.dtype });
}

function checkCase(c: TorchCase) {
  if (c.error !== undefined) {
    // torch's IndexError text is our RangeError text.
    const message = c.error.replace(/^\w+: /, '');
    expect(() => runCase(c)).toThrow(message);
    return;
  }
  const result = runCase(c);
  expect(result.dtype).toBe(c.output_dtype);
  expect(result.shape).toEqual(c.shape);
  const report = compare(result.data, c.output!.map(decode), result.dtype, c.op === 'log_softmax');
  expect(report.mismatches).toEqual([]);
  const tolerance = TOLERANCE[result.dtype];
  expect(report.maxRelative).toBeLessThanOrEqual(tolerance);
  expect(report.maxLogError).toBeLessThanOrEqual(tolerance);
}

describe.each(['special', 'shapes', 'casts', 'random'])('torch fixtures: %s', (group) => {
  const cases = loadFixture(group);
  test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => checkCase(c));
});
