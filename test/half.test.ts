// float16 and bfloat16: torch 1.13's bfloat16 fixtures, every result within one ulp of the exact
// result rounded once, onnxruntime float16 tensors and the tags that say what a Uint16Array holds,
// casts, out, every existing feature (dims, 0-d, empty, async, threads, staging), and the Tensor API.
import {
  explain, logSoftmax, logSoftmaxAsync, setNumThreads, getNumThreads, softmax, softmaxAsync, Tensor, tensor,
} from '../lib/index.js';
import { halfBitsFromNumber, numberFromHalfBits } from '../lib/half.js';
import {
  decode, exactHalfSoftmax, halfMismatches, halfUlpDistance, halfValue, type HalfDtype, loadFixture, normal, roundToHalf,
  seededRandom,
} from './helpers.js';

interface HalfCase {
  id: string;
  op: 'softmax' | 'log_softmax';
  shape: number[];
  dim: number;
  input_dtype: string;
  input: (number | string)[];
  dtype?: string;
  output_dtype?: string;
  output?: (number | string)[];
  error?: string;
}

const random = seededRandom(16);

/** Bits of `count` values: normal samples times scale, rounded to the format. */
function randomBits(count: number, scale: number, dtype: HalfDtype): Uint16Array {
  const bits = new Uint16Array(count);
  for (let i = 0; i < count; i++) bits[i] = roundToHalf(normal(random) * scale, dtype);
  return bits;
}

function valuesOf(bits: Uint16Array, dtype: HalfDtype): Float64Array {
  return Float64Array.from(bits, (b) => halfValue(b, dtype));
}

function bitsOf(t: Tensor): Uint16Array {
  const data = t.data as ArrayBufferView;
  return new Uint16Array(data.buffer, data.byteOffset, t.numel);
}

function expectExact(result: Tensor, input: Uint16Array, inputDtype: HalfDtype, shape: number[], dim: number, log: boolean) {
  const exact = exactHalfSoftmax(valuesOf(input, inputDtype), shape, dim, log);
  expect(halfMismatches(bitsOf(result), exact, result.dtype as HalfDtype)).toEqual([]);
}

describe("torch 1.13's bfloat16 softmax and log_softmax", () => {
  const cases = loadFixture<HalfCase>('bfloat16');
  test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const fn = c.op === 'softmax' ? softmax : logSoftmax;
    const values = c.input.map((v) => decode(v as never));
    const input = c.input_dtype === 'bfloat16'
      ? { data: Uint16Array.from(values, (v) => roundToHalf(v, 'bfloat16')), shape: c.shape, dtype: 'bfloat16' as const }
      : c.input_dtype === 'float32' ? { data: Float32Array.from(values), shape: c.shape } : { data: Int32Array.from(values), shape: c.shape };
    const result = fn(input, c.dim, c.dtype === undefined ? undefined : { dtype: c.dtype as never });
    expect(result.dtype).toBe(c.output_dtype);
    const torchOutput = c.output!.map((v) => decode(v as never));
    if (result.dtype !== 'bfloat16') {
      // Casts out of bfloat16 compute in float32 or float64 from the widened values, as torch does.
      const got = Array.from(result.data as Float32Array);
      torchOutput.forEach((want, i) => {
        if (Number.isNaN(want) || !Number.isFinite(want)) expect(got[i]).toBe(want);
        else expect(Math.abs(got[i] - want)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(want)));
      });
      return;
    }
    // The exact result from the bfloat16 input (a float32 input is rounded first, as dtype= does).
    const inputBits = input.data instanceof Uint16Array ? input.data : Uint16Array.from(values, (v) => roundToHalf(Math.fround(v), 'bfloat16'));
    const log = c.op === 'log_softmax';
    expectExact(result, inputBits, 'bfloat16', c.shape, c.dim, log);
    // NaN where torch has NaN. Softmax: zeros and infinities exactly as torch, the rest within two
    // ulps of torch's, which is within one of the exact result itself. Log-softmax: torch's is off
    // near 0 and gives -inf for some finite results; there the exact result (checked above) rules.
    const got = bitsOf(result);
    torchOutput.forEach((want, i) => {
      const gotValue = halfValue(got[i], 'bfloat16');
      if (Number.isNaN(want)) expect(gotValue).toBeNaN();
      else if (log) return;
      else if (!Number.isFinite(want) || want === 0) expect(gotValue).toBe(want);
      else expect(halfUlpDistance(got[i], roundToHalf(want, 'bfloat16'), 'bfloat16')).toBeLessThanOrEqual(2);
    });
  });
});

describe('every result within one ulp of the exact result rounded once', () => {
  const shapes: [number[], number][] = [
    [[1], 0], [[7], 0], [[16], 0], [[17], 0], [[33], 0], [[100], 0], [[1000], 0], [[3, 5000], 1], [[5, 19], 0],
    [[4, 300], 0], [[2, 3, 40], 1], [[2, 3, 40], 2], [[64, 3], 0], [[2, 1100, 2], 1],
  ];
  for (const dtype of ['float16', 'bfloat16'] as const) {
    for (const [shape, dim] of shapes) {
      for (const scale of [0.5, 8]) {
        test(`${dtype} [${shape}] dim ${dim} scale ${scale}`, () => {
          const count = shape.reduce((a, b) => a * b, 1);
          const bits = randomBits(count, scale, dtype);
          // A few specials in larger tensors: -inf keeps the rest finite; a NaN poisons its line.
          if (count > 100) bits[7] = dtype === 'float16' ? 0xfc00 : 0xff80;
          for (const log of [false, true]) {
            const result = (log ? logSoftmax : softmax)({ data: bits, shape, dtype }, dim);
            expect(result.dtype).toBe(dtype);
            expectExact(result, bits, dtype, shape, dim, log);
          }
        });
      }
    }
  }

  test('results in the subnormal range are produced, not flushed; near 0, log-softmax keeps its bits', () => {
    const rows: [HalfDtype, number[]][] = [
      ['float16', [0, -10, -16, -17, -20]], ['bfloat16', [0, -88, -90, -95, -100]], ['bfloat16', [0, -50]], ['float16', [0, -12]],
    ];
    for (const [dtype, row] of rows) {
      const bits = Uint16Array.from(row, (v) => roundToHalf(v, dtype));
      for (const log of [false, true]) {
        const result = (log ? logSoftmax : softmax)({ data: bits, shape: [row.length], dtype }, 0);
        expectExact(result, bits, dtype, [row.length], 0, log);
      }
    }
    // float16: e^-16 / (1 + ...) is 1.1e-7, subnormal (the smallest normal is 6.1e-5).
    const f16 = softmax({ data: Uint16Array.from([0, -16], (v) => roundToHalf(v, 'float16')), shape: [2], dtype: 'float16' }, 0);
    expect(f16.toArray()).toEqual([1, halfValue(roundToHalf(Math.exp(-16) / (1 + Math.exp(-16)), 'float16'), 'float16')]);
    // bfloat16 log-softmax of [0, -50]: -e^-50 = -1.9e-22, not 0.
    const bf16 = logSoftmax({ data: Uint16Array.from([0, -50], (v) => roundToHalf(v, 'bfloat16')), shape: [2], dtype: 'bfloat16' }, 0);
    expect((bf16.toArray() as number[])[0]).toBeLessThan(-1e-22);
  });

  test('max finite, infinities and NaN payloads', () => {
    for (const [dtype, max, inf, nans] of [['float16', 0x7bff, 0x7c00, [0x7c01, 0x7e00, 0xfc01, 0x7fff]],
      ['bfloat16', 0x7f7f, 0x7f80, [0x7f81, 0x7fc0, 0xff81, 0x7fff]]] as const) {
      const huge = softmax({ data: Uint16Array.of(max, max ^ 0x8000), shape: [2], dtype }, 0);
      expect(huge.toArray()).toEqual([1, 0]);
      const equal = softmax({ data: Uint16Array.of(max, max), shape: [2], dtype }, 0);
      expect(equal.toArray()).toEqual([0.5, 0.5]);
      for (const nan of nans) {
        const result = softmax({ data: Uint16Array.of(0, nan, 0x3c00), shape: [3], dtype }, 0);
        expect((result.toArray() as number[]).every(Number.isNaN)).toBe(true);
      }
      const withInf = softmax({ data: Uint16Array.of(0, inf), shape: [2], dtype }, 0);
      expect((withInf.toArray() as number[]).every(Number.isNaN)).toBe(true);
      const minusInf = logSoftmax({ data: Uint16Array.of(0, inf ^ 0x8000), shape: [2], dtype }, 0);
      expect(minusInf.toArray()).toEqual([0, -Infinity]);
    }
  });
});

describe('onnxruntime float16 tensors and tags', () => {
  // What onnxruntime-node returns for a float16 output: {type: 'float16', data: Uint16Array, dims}.
  const logits = [[-10, 4, 8], [1, 2, 3]];
  const bits = Uint16Array.from(logits.flat(), (v) => roundToHalf(v, 'float16'));
  const ortTensor = { type: 'float16', dims: [2, 3], data: bits, size: 6, location: 'cpu' };

  test('a float16 tensor goes straight in; the result is float16', () => {
    const result = softmax(ortTensor, -1);
    expect(result.dtype).toBe('float16');
    expect(result.shape).toEqual([2, 3]);
    expectExact(result, bits, 'float16', [2, 3], -1, false);
    // e^-18 / sum = 1.5e-8 is below half the smallest float16 subnormal (6e-8): it rounds to 0.
    expect(String(result)).toBe('tensor([[0.0000, 0.0180, 0.9819],\n        [0.0900, 0.2448, 0.6650]], dtype=torch.float16)');
  });

  test("options.dtype widens the bits' values, not the integers (once a silently wrong answer)", () => {
    const result = softmax(ortTensor, -1, { dtype: 'float32' });
    expect(result.dtype).toBe('float32');
    const row = (result.toArray() as number[][])[0];
    expect(row[0]).toBeCloseTo(1.5e-8, 9);
    expect(row[1]).toBeCloseTo(0.018, 3);
    expect(row[2]).toBeCloseTo(0.982, 3);
  });

  test('a tag that disagrees with its array is a TypeError', () => {
    expect(() => softmax({ ...ortTensor, type: 'float32' }, -1)).toThrow(
      "softmax(): input.type is 'float32', which is held in a Float32Array, but input.data is a Uint16Array");
    expect(() => softmax({ data: new Float32Array(6), shape: [2, 3], dtype: 'bfloat16' }, -1)).toThrow(
      "input.dtype is 'bfloat16', which is held in a Uint16Array, but input.data is a Float32Array");
    expect(() => softmax({ data: new Float64Array(6), dims: [2, 3], type: 'float16' }, -1)).toThrow(TypeError);
    expect(() => softmax({ data: new Uint16Array(6), dims: [2, 3], type: 'float8' }, -1)).toThrow(
      "input.type 'float8' is not a dtype softmax takes");
    expect(() => softmax({ data: new Uint16Array(6), dims: [2, 3], type: 3 } as never, -1)).toThrow(
      'expected input.type to be a dtype name, but got 3 (number)');
  });

  test('string, bool and int64 tensors get a clear TypeError', () => {
    expect(() => softmax({ type: 'string', dims: [2], data: ['a', 'b'] }, 0)).toThrow("input.type is 'string': a string tensor holds no numbers");
    expect(() => softmax({ type: 'bool', dims: [2], data: Uint8Array.of(1, 0) }, 0)).toThrow(TypeError);
    expect(() => softmax({ type: 'bool', dims: [2], data: Uint8Array.of(1, 0) }, 0)).toThrow("input.type is 'bool'");
    expect(() => softmax({ type: 'int64', dims: [2], data: BigInt64Array.of(1n, 2n) }, 0)).toThrow(
      "input.type is 'int64': int64 values do not fit a float exactly");
  });

  test('integer tags hold integers: cast with options.dtype, as a bare typed array', () => {
    const ints = { type: 'uint16', dims: [3], data: Uint16Array.of(1, 2, 3) };
    expect(() => softmax(ints, 0)).toThrow('input has dtype uint16');
    const result = softmax(ints, 0, { dtype: 'float32' });
    expect(Array.from(result.data as Float32Array)).toEqual(Array.from(softmax(Float32Array.of(1, 2, 3), 0).data as Float32Array));
  });

  test('a bare Uint16Array stays integers, refused without options.dtype, with how to say it holds half bits', () => {
    expect(() => softmax(bits, 0)).toThrow(
      "if it holds float16 or bfloat16 bit patterns (as an onnxruntime float16 tensor's data does), pass {data, dims, type: 'float16'}");
    const cast = softmax(Uint16Array.of(0, 1), 0, { dtype: 'float16' });
    expect(cast.dtype).toBe('float16');
    expect(cast.toArray()).toEqual([halfValue(roundToHalf(1 / (1 + Math.E), 'float16'), 'float16'),
      halfValue(roundToHalf(Math.E / (1 + Math.E), 'float16'), 'float16')]);
  });
});

describe('casts round once, as torch casts', () => {
  test('float32 to bfloat16 and float16 rounds the input, then computes', () => {
    const x = Float32Array.from({ length: 40 }, () => normal(random) * 3);
    for (const dtype of ['bfloat16', 'float16'] as const) {
      const result = softmax(x, 0, { dtype });
      expect(result.dtype).toBe(dtype);
      const rounded = Uint16Array.from(x, (v) => roundToHalf(v, dtype));
      expectExact(result, rounded, dtype, [40], 0, false);
    }
  });

  test('float64 rounds once to half precision (not through float32)', () => {
    // 1 + 2^-11 + 2^-40 is above the float16 tie between 1 and 1 + 2^-10; through float32 it would be the tie, rounding to 1.
    const t = tensor(Float64Array.of(1 + 2 ** -11 + 2 ** -40), { dtype: 'float16' });
    expect(t.item()).toBe(1 + 2 ** -10);
    expect(halfBitsFromNumber(1 + 2 ** -11, 'float16')).toBe(0x3c00); // the tie itself goes to even
  });

  test('half to float32 and float64 widens exactly', () => {
    const bitsIn = randomBits(30, 4, 'bfloat16');
    const widened = Float32Array.from(bitsIn, (b) => halfValue(b, 'bfloat16'));
    for (const dtype of ['float32', 'float64'] as const) {
      const result = softmax({ data: bitsIn, shape: [30], dtype: 'bfloat16' }, 0, { dtype });
      const direct = softmax(dtype === 'float32' ? widened : Float64Array.from(widened), 0);
      expect(Array.from(result.data as Float32Array)).toEqual(Array.from(direct.data as Float32Array));
    }
    const f16ToBf16 = softmax({ data: Uint16Array.of(0x3c00, 0x4000), shape: [2], dtype: 'float16' }, 0, { dtype: 'bfloat16' });
    expect(f16ToBf16.dtype).toBe('bfloat16');
  });

  test('the lib conversions agree with the oracle on every pattern and on ties', () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      for (let b = 0; b < 65536; b++) {
        const value = numberFromHalfBits(b, dtype);
        if (Number.isNaN(halfValue(b, dtype))) {
          expect(Number.isNaN(value)).toBe(true);
          continue;
        }
        if (!Object.is(value, halfValue(b, dtype))) throw new Error(`${dtype} 0x${b.toString(16)}: ${value}`);
        if (halfBitsFromNumber(value, dtype) !== b) throw new Error(`${dtype} round trip of 0x${b.toString(16)}`);
        // The midpoint to the next pattern rounds to the even one of the two.
        const next = halfValue(b + 1, dtype);
        if (b < 0x7f00 && Number.isFinite(next) && !Number.isNaN(next) && (b & 0x8000) === 0) {
          const mid = (value + next) / 2;
          expect(halfBitsFromNumber(mid, dtype)).toBe(roundToHalf(mid, dtype));
        }
      }
    }
  });
});

describe('every feature in half precision', () => {
  const dtypes = ['float16', 'bfloat16'] as const;

  test('out: the matching array type, in place, and clear errors', () => {
    for (const dtype of dtypes) {
      const bits = randomBits(24, 2, dtype);
      const expected = bitsOf(softmax({ data: bits, shape: [4, 6], dtype }, 1));
      const out = new Uint16Array(24);
      const result = softmax({ data: bits, shape: [4, 6], dtype }, 1, { out });
      expect(result.data).toBe(out);
      expect(Array.from(out)).toEqual(Array.from(expected));
      const inPlace = bits.slice();
      softmax({ data: inPlace, shape: [4, 6], dtype }, 1, { out: inPlace });
      expect(Array.from(inPlace)).toEqual(Array.from(expected));
      expect(() => softmax({ data: bits, shape: [4, 6], dtype }, 1, { out: new Float32Array(24) })).toThrow(
        `expected options.out to be a Uint16Array${dtype === 'float16' ? ' or a Float16Array' : ''} (of the bit patterns) (the result's dtype is ${dtype}), but got a Float32Array`);
      expect(() => softmax({ data: bits, shape: [4, 6], dtype }, 1, { out: new Uint16Array(23) })).toThrow(RangeError);
    }
  });

  test('any dim, 0-d and empty tensors', () => {
    for (const dtype of dtypes) {
      const scalar = softmax(tensor(5, { dtype }), 0);
      expect(scalar.dtype).toBe(dtype);
      expect(scalar.shape).toEqual([]);
      expect(scalar.item()).toBe(1);
      expect(logSoftmax(tensor(5, { dtype }), -1).item()).toBe(0);
      const empty = softmax({ data: new Uint16Array(0), shape: [3, 0], dtype }, 1);
      expect(empty.shape).toEqual([3, 0]);
      expect(empty.dtype).toBe(dtype);
      const bits = randomBits(2 * 3 * 4 * 5, 3, dtype);
      for (let dim = -4; dim < 4; dim++) {
        expectExact(logSoftmax({ data: bits, shape: [2, 3, 4, 5], dtype }, dim), bits, dtype, [2, 3, 4, 5], dim, true);
      }
    }
  });

  test('async calls, split rows on two threads and staged small calls: within one ulp of the exact result', async () => {
    const threads = getNumThreads();
    try {
      setNumThreads(2);
      for (const dtype of dtypes) {
        // A row cut into segments, rows split, columns split (each past the 32768 elements a split
        // needs), and a staged call.
        for (const [shape, dim] of [[[1, 70000], 1], [[8, 8000], 1], [[1200, 40], 0], [[2, 7], 1]] as [number[], number][]) {
          const count = shape[0] * shape[1];
          const bits = randomBits(count, 4, dtype);
          const input = { data: bits, shape, dtype };
          for (const log of [false, true]) {
            // Async calls leave a core to the event loop, so they may split a row differently
            // (another order of summing): each is held to the exact result.
            const sync = (log ? logSoftmax : softmax)(input, dim);
            const asyncResult = await (log ? logSoftmaxAsync : softmaxAsync)(input, dim);
            expectExact(sync, bits, dtype, shape, dim, log);
            expectExact(asyncResult, bits, dtype, shape, dim, log);
          }
          const plan = explain(input, dim);
          expect(plan.dtype).toBe(dtype);
          expect(plan.staged).toBe(count * 2 <= 4096);
          if (count > 32768) expect(plan.split).not.toBe('none');
        }
      }
    } finally {
      setNumThreads(threads);
    }
  });
});

describe('Tensor in half precision', () => {
  test('tensor(), toString in torch format, toArray, item and sum', () => {
    const h = tensor([[1, 2, 3], [-1, 0, 5]], { dtype: 'float16' });
    expect(h.dtype).toBe('float16');
    expect(String(h)).toBe('tensor([[ 1.,  2.,  3.],\n        [-1.,  0.,  5.]], dtype=torch.float16)');
    expect(String(softmax(tensor([1, 2, 3], { dtype: 'float16' }), 0))).toBe('tensor([0.0900, 0.2448, 0.6650], dtype=torch.float16)');
    const b = softmax(tensor([1, 2, 3], { dtype: 'bfloat16' }), 0);
    expect(b.data).toBeInstanceOf(Uint16Array);
    expect(String(b)).toBe('tensor([0.0898, 0.2451, 0.6641], dtype=torch.bfloat16)');
    expect(b.sum().item()).toBe(1);
    expect(b.sum().dtype).toBe('bfloat16');
    expect(h.sum(1).toArray()).toEqual([6, 4]);
    expect(h.toArray()).toEqual([[1, 2, 3], [-1, 0, 5]]);
    expect(tensor([0.1], { dtype: 'bfloat16' }).item()).toBe(0.10009765625);
  });

  test('the Tensor constructor needs a dtype for a Uint16Array and checks it against other arrays', () => {
    expect(new Tensor(new Uint16Array(4), [2, 2], 'bfloat16').dtype).toBe('bfloat16');
    expect(() => new Tensor(new Uint16Array(4))).toThrow(
      "Tensor(): a Uint16Array holds the bits of float16 or bfloat16 values: pass dtype 'float16' or 'bfloat16'");
    expect(() => new Tensor(new Float32Array(4), [4], 'float64')).toThrow(
      "Tensor(): dtype 'float64' does not match data, a Float32Array (dtype 'float32')");
    expect(() => new Tensor(new Uint16Array(4), [4], 'float32')).toThrow(TypeError);
  });

  test('a Tensor of either dtype goes back in', () => {
    for (const dtype of ['float16', 'bfloat16'] as const) {
      const t = new Tensor(randomBits(12, 2, dtype), [3, 4], dtype);
      expectExact(softmax(t, 1), bitsOf(t), dtype, [3, 4], 1, false);
    }
  });
});
