// toString() against str(tensor) from torch 1.13 (tools/make_fixtures.py, group "print").
import { Tensor } from '../lib/index.js';
import { formatExponential, formatFixed } from '../lib/format.js';
import { decode, type Encoded, loadFixture, roundToHalf } from './helpers.js';

interface PrintCase {
  id: string;
  shape: number[];
  dtype: 'float32' | 'float64' | 'float16' | 'bfloat16';
  data: Encoded[];
  text: string;
}

describe("torch's print format", () => {
  test.each(loadFixture<PrintCase>('print').map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const values = c.data.map(decode);
    const data = c.dtype === 'float16' || c.dtype === 'bfloat16'
      ? Uint16Array.from(values, (v) => roundToHalf(v, c.dtype as 'float16' | 'bfloat16'))
      : (c.dtype === 'float32' ? Float32Array : Float64Array).from(values);
    expect(new Tensor(data, c.shape, c.dtype).toString()).toBe(c.text);
  });
});

describe("Python's number formats", () => {
  test('fixed: ties round to even, -0 keeps its sign', () => {
    expect(formatFixed(0.03125, 4)).toBe('0.0312');
    expect(formatFixed(0.09375, 4)).toBe('0.0938');
    expect(formatFixed(-0.03125, 4)).toBe('-0.0312');
    expect(formatFixed(2.5, 0)).toBe('2');
    expect(formatFixed(-0.5, 0)).toBe('-0');
    expect(formatFixed(-0, 4)).toBe('-0.0000');
    expect(formatFixed(-0.00001, 4)).toBe('-0.0000');
    expect(formatFixed(NaN, 4)).toBe('nan');
    expect(formatFixed(-Infinity, 0)).toBe('-inf');
  });

  test('exponential: signed two-digit exponents', () => {
    expect(formatExponential(1e-5, 4)).toBe('1.0000e-05');
    expect(formatExponential(123456789, 4)).toBe('1.2346e+08');
    expect(formatExponential(1e-300, 4)).toBe('1.0000e-300');
    expect(formatExponential(0, 4)).toBe('0.0000e+00');
    expect(formatExponential(-0, 4)).toBe('-0.0000e+00');
    expect(formatExponential(Infinity, 4)).toBe('inf');
  });
});
