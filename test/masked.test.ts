// softmax's options: mask, causal, temperature and fullyMasked. torch 1.13's torch.masked.softmax
// fixtures (tools/make_fixtures.py, group masked); every kernel variant and thread split against
// the plain softmax of the input with the options applied in JS (masked elements -inf, x / T
// rounded as the dtype rounds it), for every dtype; the errors; and every existing feature.
import {
  backend, explain, logSoftmax, logSoftmaxAsync, setNumThreads, getNumThreads, softmax, softmaxAsync, type SoftmaxOptions, Tensor,
} from '../lib/index.js';
import {
  compare, decode, exactHalfSoftmax, halfMismatches, halfUlpDistance, halfValue, type HalfDtype, loadFixture, normal, roundToHalf, seededRandom,
} from './helpers.js';
import { stridesOf } from '../lib/shape.js';

type Dtype = 'float32' | 'float64' | 'float16' | 'bfloat16';

interface MaskedCase {
  id: string;
  op: 'softmax' | 'log_softmax';
  shape: number[];
  dim: number;
  dtype: 'float32' | 'float64' | 'bfloat16';
  input: (number | string)[];
  fully_masked: 'nan' | 'zero';
  mask_shape?: number[];
  mask?: number[];
  causal?: number;
  temperature?: number;
  output: (number | string)[];
}

const TOLERANCE = { float32: 4e-6, float64: 1e-13 };
const random = seededRandom(23);

/** A tensor of `dtype` holding `values` (rounded to the dtype). */
function tensorOf(values: ArrayLike<number>, shape: readonly number[], dtype: Dtype) {
  if (dtype === 'float32') return { data: Float32Array.from(values), shape };
  if (dtype === 'float64') return { data: Float64Array.from(values), shape };
  return { data: Uint16Array.from(values, (v) => roundToHalf(v, dtype)), shape, dtype };
}

/** The numbers a result holds. */
function valuesOf(result: Tensor): Float64Array {
  if (result.dtype === 'float32' || result.dtype === 'float64') return Float64Array.from(result.data as Float32Array);
  const data = result.data as ArrayBufferView;
  const bits = new Uint16Array(data.buffer, data.byteOffset, result.numel);
  return Float64Array.from(bits, (b) => halfValue(b, result.dtype as HalfDtype));
}

function bitsOf(result: Tensor): Uint16Array {
  const data = result.data as ArrayBufferView;
  return new Uint16Array(data.buffer, data.byteOffset, result.numel);
}

/** Expects `got` to be `want` within the dtype's tolerance (half precision: `ulps` patterns). */
function expectClose(got: Tensor, want: Tensor, log: boolean, ulps = 1) {
  expect(got.dtype).toBe(want.dtype);
  expect(got.shape).toEqual(want.shape);
  if (got.dtype === 'float32' || got.dtype === 'float64') {
    const report = compare(got.data as Float32Array, want.data as Float32Array, got.dtype, log);
    expect(report.mismatches).toEqual([]);
    const error = Math.max(report.maxRelative, report.maxLogError);
    expect(error <= TOLERANCE[got.dtype] ? 'within tolerance' : `${error}: ${report.worst}`).toBe('within tolerance');
    return;
  }
  const a = bitsOf(got), b = bitsOf(want);
  const misses: string[] = [];
  for (let i = 0; i < a.length && misses.length < 10; i++) {
    if (halfUlpDistance(a[i], b[i], got.dtype as HalfDtype) > ulps) misses.push(`[${i}] got 0x${a[i].toString(16)}, want 0x${b[i].toString(16)}`);
  }
  expect(misses).toEqual([]);
}

// ---- torch 1.13 ----

function optionsOf(c: MaskedCase, bare: boolean): SoftmaxOptions {
  const options: SoftmaxOptions = {};
  if (c.mask !== undefined) {
    const data = Uint8Array.from(c.mask);
    options.mask = bare ? data : { data, shape: c.mask_shape! };
  }
  if (c.causal !== undefined) options.causal = c.causal === 0 ? true : { diagonal: c.causal };
  if (c.temperature !== undefined) options.temperature = c.temperature;
  if (c.fully_masked === 'zero') options.fullyMasked = 'zero';
  return options;
}

describe('torch 1.13 masked softmax (torch.masked.softmax(x / T, dim, mask=M))', () => {
  const cases = loadFixture<MaskedCase>('masked');
  test.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const fn = c.op === 'softmax' ? softmax : logSoftmax;
    const log = c.op === 'log_softmax';
    const input = tensorOf(c.input.map(decode), c.shape, c.dtype);
    // A mask of the input's shape also goes in bare, as a Uint8Array.
    const sameShape = c.mask_shape !== undefined && c.mask_shape.join() === c.shape.join();
    const result = fn(input, c.dim, optionsOf(c, sameShape && c.id.length % 2 === 0));
    const want = c.output.map(decode);
    expect(result.dtype).toBe(c.dtype);
    if (c.dtype === 'bfloat16') {
      // Within one pattern of the exact result of the options applied to the bfloat16 input (torch's
      // log_softmax is not: it rounds log(sum) in float32, and gives 0 for -8e-7).
      const applied = applyOptions(c.input.map(decode), c.shape, 'bfloat16', c.mask_shape, c.mask, c.causal, c.temperature);
      const exact = exactHalfSoftmax(applied, c.shape, c.dim, log);
      if (c.fully_masked === 'zero') zeroFullyMasked(exact, applied, c.shape, c.dim, log);
      expect(halfMismatches(bitsOf(result), exact, 'bfloat16')).toEqual([]);
      if (!log) {
        // And torch's softmax rounds its float32 result once, as we do: at most one pattern apart each way.
        const got = bitsOf(result);
        const misses = want.flatMap((w, i) => (halfUlpDistance(got[i], roundToHalf(w, 'bfloat16'), 'bfloat16') > 2 ? [`[${i}] got ${halfValue(got[i], 'bfloat16')}, want ${w}`] : []));
        expect(misses).toEqual([]);
      }
      return;
    }
    const report = compare(result.data as Float32Array, want, c.dtype, log);
    expect(report.mismatches).toEqual([]);
    expect(Math.max(report.maxRelative, report.maxLogError)).toBeLessThanOrEqual(TOLERANCE[c.dtype]);
  });
});

// ---- Every variant and split against the options applied in JS ----

/** x / T as the dtype computes it: in float32 (float64 for float64), rounded to the dtype. */
function divided(value: number, temperature: number, dtype: Dtype): number {
  if (dtype === 'float64') return value / temperature;
  const quotient = Math.fround(value / temperature);
  return dtype === 'float32' ? quotient : halfValue(roundToHalf(quotient, dtype), dtype);
}

function roundedTemperature(temperature: number, dtype: Dtype): number {
  if (dtype === 'float64') return temperature;
  const single = Math.fround(temperature);
  return dtype === 'float32' ? single : halfValue(roundToHalf(temperature, dtype), dtype);
}

interface Scenario {
  shape: number[];
  dim: number;
  dtype: Dtype;
  log: boolean;
  maskShape?: number[]; // broadcast mask of this shape (random bits)
  padding?: boolean; // instead, each last-dim row of the mask keeps one range (the first row keeps none)
  keep?: number; // the fraction of mask bytes that are 1
  causal?: number;
  temperature?: number;
  zero?: boolean;
}


/** Whether element i of `shape` takes part under a mask of maskShape (broadcast) holding `data`. */
function maskPredicate(shape: readonly number[], maskShape: readonly number[], data: ArrayLike<number>): (i: number) => boolean {
  const inputStrides = stridesOf(shape);
  const maskStrides = stridesOf(maskShape);
  const lead = shape.length - maskShape.length;
  return (i) => {
    let offset = 0;
    for (let j = 0; j < maskShape.length; j++) {
      const index = Math.floor(i / inputStrides[lead + j]) % shape[lead + j];
      if (maskShape[j] !== 1) offset += index * maskStrides[j];
    }
    return data[offset] !== 0;
  };
}

/** Whether element i of `shape` is within the causal bound j <= i + diagonal of its last two dims. */
function causalPredicate(shape: readonly number[], diagonal: number): (i: number) => boolean {
  const cols = shape[shape.length - 1], rows = shape[shape.length - 2];
  return (i) => (i % cols) <= (Math.floor(i / cols) % rows) + diagonal;
}

/** The values the softmax sees: -inf where an element takes no part, else x / T as the dtype divides. */
function applyOptions(values: ArrayLike<number>, shape: readonly number[], dtype: Dtype, maskShape?: readonly number[],
  mask?: ArrayLike<number>, causal?: number, temperature?: number): Float64Array {
  const maskAt = maskShape === undefined ? () => true : maskPredicate(shape, maskShape, mask!);
  const causalAt = causal === undefined ? () => true : causalPredicate(shape, causal);
  const t = temperature === undefined ? 1 : roundedTemperature(temperature, dtype);
  return Float64Array.from(values, (v, i) => (maskAt(i) && causalAt(i) ? (t === 1 ? v : divided(v, t, dtype)) : -Infinity));
}

/** Lines (over dim) of `applied` that are all -inf: their results made 0 (log -inf), in place. */
function zeroFullyMasked(out: Float64Array, applied: ArrayLike<number>, shape: readonly number[], dim: number, log: boolean): void {
  const d = dim < 0 ? dim + shape.length : dim;
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const dimSize = shape.length === 0 ? 1 : shape[d];
  for (let start = 0; start < applied.length; start++) {
    if (Math.floor(start / inner) % dimSize !== 0) continue; // the first element of each line
    let none = true;
    for (let k = 0; k < dimSize; k++) if (applied[start + k * inner] !== -Infinity) none = false;
    if (none) for (let k = 0; k < dimSize; k++) out[start + k * inner] = log ? -Infinity : 0;
  }
}

/**
 * The scenario's input and options, and what the options mean: the plain softmax of the input with
 * elements that take no part made -inf and the rest divided by T, with fully masked lines then
 * made 0 (-inf) under 'zero'.
 */
function build(s: Scenario) {
  const numel = s.shape.reduce((a, b) => a * b, 1);
  const values = new Float64Array(numel);
  for (let i = 0; i < numel; i++) values[i] = normal(random) * 4;
  const input = tensorOf(values, s.shape, s.dtype);
  const stored = valuesOf(new Tensor(input.data, s.shape, s.dtype));
  const options: SoftmaxOptions = {};
  let data: Uint8Array | undefined;
  if (s.maskShape !== undefined) {
    const maskNumel = s.maskShape.reduce((a, b) => a * b, 1);
    data = Uint8Array.from({ length: maskNumel }, () => (random() < (s.keep ?? 0.7) ? 1 + Math.floor(random() * 255) : 0));
    if (s.padding) {
      const length = s.maskShape[s.maskShape.length - 1];
      for (let row = 0; row < maskNumel / length; row++) {
        // Right padding, left padding, both, or (the first row) nothing kept.
        const first = row === 0 ? 0 : row % 3 === 1 ? 0 : Math.floor(random() * length / 2);
        const last = row === 0 ? 0 : row % 3 === 2 ? length : first + 1 + Math.floor(random() * (length - first - 1));
        for (let j = 0; j < length; j++) data[row * length + j] = j >= first && j < last ? 1 : 0;
      }
    }
    options.mask = { data, shape: s.maskShape };
  }
  if (s.causal !== undefined) options.causal = { diagonal: s.causal };
  if (s.temperature !== undefined) options.temperature = s.temperature;
  if (s.zero) options.fullyMasked = 'zero';
  const applied = applyOptions(stored, s.shape, s.dtype, s.maskShape, data, s.causal, s.temperature);
  return { input, options, applied };
}

/** The plain softmax of `applied`, fully masked lines made 0 (-inf) under 'zero'. */
function expected(s: Scenario, applied: Float64Array): Tensor {
  const fn = s.log ? logSoftmax : softmax;
  const plain = fn(tensorOf(applied, s.shape, s.dtype), s.dim);
  if (!s.zero) return plain;
  const out = valuesOf(plain);
  zeroFullyMasked(out, applied, s.shape, s.dim, s.log);
  return new Tensor(tensorOf(out, s.shape, s.dtype).data, s.shape, s.dtype);
}

const SCENARIOS: Scenario[] = [];
for (const dtype of ['float32', 'float64', 'float16', 'bfloat16'] as const) {
  for (const log of [false, true]) {
    // Rows of one vector, of several, long rows; columns narrow and wide; every option.
    SCENARIOS.push(
      { shape: [64, 7], dim: 1, dtype, log, maskShape: [64, 7], temperature: 0.6, zero: true },
      { shape: [4, 3, 24, 24], dim: 3, dtype, log, maskShape: [4, 1, 1, 24], causal: 0, zero: true },
      { shape: [2, 5, 300], dim: 2, dtype, log, maskShape: [300], keep: 0.3, temperature: 1.7 },
      { shape: [3, 40, 40], dim: 2, dtype, log, causal: -3, zero: true },
      { shape: [6, 50, 20], dim: 1, dtype, log, maskShape: [6, 50, 1], zero: true },
      { shape: [6, 50, 3, 20], dim: 1, dtype, log, maskShape: [50, 1, 20], temperature: 0.8 },
      { shape: [300, 70], dim: 0, dtype, log, maskShape: [300, 70], keep: 0.05, zero: true },
      { shape: [2, 6000], dim: 1, dtype, log, maskShape: [2, 6000], keep: 0.5, temperature: 0.9, zero: true },
      // Padding masks (one kept range per sequence, none for one): computed as shorter rows.
      { shape: [4, 3, 8, 40], dim: 3, dtype, log, maskShape: [4, 1, 1, 40], padding: true, zero: true },
      { shape: [4, 3, 8, 40], dim: 3, dtype, log, maskShape: [4, 1, 1, 40], padding: true, temperature: 0.6 },
      { shape: [4, 3, 40, 40], dim: 3, dtype, log, maskShape: [4, 1, 1, 40], padding: true, causal: 0, zero: true },
    );
  }
}
// Large outputs (streamed, chunked) and thread splits (row and column segments), float32 and bfloat16,
// on the default kernel set (the other sets' runs, scripts/run-tests.js, take the small ones: their
// kernels read the filter alike, and filter_kernel_tests checks every set's at small sizes).
const DEFAULT_SET = backend().isa === backend().availableIsas[0];
for (const dtype of DEFAULT_SET ? ['float32', 'bfloat16'] as const : []) {
  for (const log of [false, true]) {
    SCENARIOS.push(
      { shape: [1100, 4096], dim: 1, dtype, log, maskShape: [1, 4096], keep: 0.8, temperature: 0.7, zero: true },
      { shape: [2, 256, 4096], dim: 2, dtype, log, maskShape: [256, 4096], causal: 3000, zero: true },
      { shape: [16, 300000], dim: 1, dtype, log, maskShape: [16, 1], zero: true },
      { shape: [5000, 1024], dim: 0, dtype, log, maskShape: [5000, 1024], keep: 0.9, temperature: 1.3, zero: true },
      { shape: [128, 32768], dim: 0, dtype, log, maskShape: [128, 1], keep: 0.9, temperature: 0.8, zero: true },
      { shape: [1, 400000], dim: 1, dtype, log, maskShape: [400000], keep: 0.001, zero: true },
      { shape: [1, 1, 2, 300000], dim: 3, dtype, log, causal: 150000, zero: true },
      { shape: [80000, 3], dim: 0, dtype, log, maskShape: [80000, 1], keep: 0.5, temperature: 0.5, zero: true },
      { shape: [30000, 40], dim: 0, dtype, log, maskShape: [1, 40], keep: 0.5, zero: true },
    );
  }
}

describe('options over every variant and split: the plain softmax of the input with the options applied', () => {
  const threadsBefore = getNumThreads();
  afterAll(() => setNumThreads(threadsBefore));
  const seen = new Set<string>();
  afterAll(() => {
    // The scenarios reach every kernel variant and both segment splits.
    if (!DEFAULT_SET) return;
    for (const variant of ['rows.single_vector', 'rows.three_pass', 'rows.streamed', 'rows.streamed_chunked', 'columns.three_pass',
      'columns.chunked', 'columns.chunked_streamed', 'columns.streamed', 'segments.rows', 'segments.columns']) {
      expect([...seen].filter((v) => v.startsWith(variant))).not.toEqual([]);
    }
  });
  test.each(SCENARIOS.map((s) => [JSON.stringify(s), s] as const))('%s', (_name, s) => {
    const { input, options, applied } = build(s);
    const fn = s.log ? logSoftmax : softmax;
    for (const threads of [1, 2]) {
      // The plain softmax on as many threads: a split rounds differently from a whole line.
      setNumThreads(threads);
      seen.add(explain(input, s.dim, { ...options, op: s.log ? 'logSoftmax' : 'softmax' }).variant);
      expectClose(fn(input, s.dim, options), expected(s, applied), s.log);
    }
  });
});

// ---- Semantics ----

describe('options: semantics', () => {
  const x = { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] };

  test('temperature 1, an all-ones mask and fullyMasked nan change nothing, bitwise', () => {
    const plain = softmax(x, -1).data;
    expect(softmax(x, -1, { temperature: 1 }).data).toEqual(plain);
    expect(softmax(x, -1, { mask: new Uint8Array(6).fill(1) }).data).toEqual(plain);
    expect(softmax(x, -1, { fullyMasked: 'nan', causal: false }).data).toEqual(plain);
    const wide = { data: Float32Array.from({ length: 4096 }, () => normal(random)), shape: [4, 1024] };
    expect(Buffer.from(softmax(wide, -1, { mask: new Uint8Array(4096).fill(7) }).data.buffer))
      .toEqual(Buffer.from(softmax(wide, -1).data.buffer));
  });

  test('a masked-out element gives 0 (log -inf) whatever it holds; a kept NaN or +inf makes the slice NaN', () => {
    const row = { data: new Float32Array([1, NaN, Infinity, 2]), shape: [4] };
    expect(Array.from(softmax(row, 0, { mask: new Uint8Array([1, 0, 0, 1]) }).data)).toEqual(
      Array.from(softmax({ data: new Float32Array([1, 2]), shape: [2] }, 0).data).flatMap((v, i) => (i === 0 ? [v, 0, 0] : [v])));
    expect(Array.from(logSoftmax(row, 0, { mask: new Uint8Array([1, 0, 0, 1]) }).data).slice(1, 3)).toEqual([-Infinity, -Infinity]);
    expect(Array.from(softmax(row, 0, { mask: new Uint8Array([1, 1, 0, 1]) }).data).every(Number.isNaN)).toBe(true);
    expect(Array.from(softmax(row, 0, { mask: new Uint8Array([1, 0, 1, 1]), fullyMasked: 'zero' }).data).every(Number.isNaN)).toBe(true);
  });

  test("fullyMasked: 'zero' is the safe softmax: a slice of only -inf or masked elements gives 0 (log -inf)", () => {
    const t = { data: new Float32Array([-Infinity, -Infinity, 1, 2]), shape: [2, 2] };
    expect(Array.from(softmax(t, 1).data).slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(Array.from(softmax(t, 1, { fullyMasked: 'zero' }).data)).toEqual(Array.from(softmax(t, 1).data).map((v, i) => (i < 2 ? 0 : v)));
    expect(Array.from(logSoftmax(t, 1, { fullyMasked: 'zero' }).data).slice(0, 2)).toEqual([-Infinity, -Infinity]);
    // A NaN that takes part is not masked: the slice stays NaN.
    const withNan = { data: new Float32Array([-Infinity, NaN]), shape: [2] };
    expect(Array.from(softmax(withNan, 0, { fullyMasked: 'zero' }).data).every(Number.isNaN)).toBe(true);
    expect(Array.from(softmax(withNan, 0, { fullyMasked: 'zero', mask: new Uint8Array([1, 0]) }).data)).toEqual([0, 0]);
  });

  test('causal rows keep j <= i + diagonal; with a KV cache of P positions, diagonal P', () => {
    const scores = { data: new Float32Array(2 * 4).fill(0), shape: [2, 4] };
    expect(Array.from(softmax(scores, -1, { causal: true }).data)).toEqual([1, 0, 0, 0, 0.5, 0.5, 0, 0]);
    expect(Array.from(softmax(scores, -1, { causal: { diagonal: 2 } }).data)).toEqual([1 / 3, 1 / 3, 1 / 3, 0, 0.25, 0.25, 0.25, 0.25].map(Math.fround));
    const none = softmax(scores, -1, { causal: { diagonal: -1 } }).data;
    expect(Array.from(none).slice(0, 4).every(Number.isNaN)).toBe(true);
    expect(Array.from(none).slice(4)).toEqual([1, 0, 0, 0]);
    expect(Array.from(softmax(scores, -1, { causal: { diagonal: -1 }, fullyMasked: 'zero' }).data)).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    // A NaN past the bound does not count; one before it poisons the row, past the bound included.
    const nan = { data: new Float32Array([0, NaN, 0, 0]), shape: [2, 2] };
    expect(Array.from(softmax(nan, -1, { causal: true }).data)).toEqual([1, 0, 0.5, 0.5]);
    const nanKept = { data: new Float32Array([NaN, 0, 0, 0]), shape: [2, 2] };
    expect(Array.from(softmax(nanKept, -1, { causal: true }).data).slice(0, 2).every(Number.isNaN)).toBe(true);
  });

  test('0-d and empty tensors', () => {
    expect(Array.from(softmax({ data: new Float32Array([3]), shape: [] }, 0, { mask: { data: new Uint8Array([1]), shape: [] }, temperature: 2 }).data)).toEqual([1]);
    expect(Number.isNaN(softmax({ data: new Float32Array([3]), shape: [] }, 0, { mask: new Uint8Array([0]) }).data[0])).toBe(true);
    expect(Array.from(softmax({ data: new Float32Array([3]), shape: [] }, 0, { mask: new Uint8Array([0]), fullyMasked: 'zero' }).data)).toEqual([0]);
    expect(softmax({ data: new Float32Array(0), shape: [3, 0] }, 1, { mask: { data: new Uint8Array(0), shape: [0] }, causal: true }).shape).toEqual([3, 0]);
    expect(softmax({ data: new Float32Array(0), shape: [0, 4] }, 1, { mask: { data: new Uint8Array(4).fill(1), shape: [4] } }).numel).toBe(0);
  });

  test('mask forms: a bare Uint8Array, {data, shape}, an onnxruntime bool tensor, a Buffer; any nonzero byte takes part', () => {
    const want = softmax(x, -1, { mask: new Uint8Array([1, 0, 1, 1, 1, 0]) }).data;
    expect(softmax(x, -1, { mask: { data: new Uint8Array([1, 0, 1, 1, 1, 0]), shape: [2, 3] } }).data).toEqual(want);
    expect(softmax(x, -1, { mask: { data: new Uint8Array([5, 0, 255, 1, 9, 0]), dims: [2, 3], type: 'bool' } }).data).toEqual(want);
    expect(softmax(x, -1, { mask: Buffer.from([1, 0, 1, 1, 1, 0]) }).data).toEqual(want);
    expect(softmax(x, -1, { mask: { data: new Uint8Array([1, 0, 1, 1, 1, 0]), shape: [2, 3], dtype: 'uint8' } }).data).toEqual(want);
  });

  test('out= and in place, casts, async (the mask copied when the call starts)', async () => {
    const options: SoftmaxOptions = { mask: { data: new Uint8Array([1, 0, 1]), shape: [3] }, temperature: 0.5, causal: { diagonal: 1 } };
    const want = softmax(x, -1, options).data;
    const out = new Float32Array(6);
    expect(softmax(x, -1, { ...options, out }).data).toBe(out);
    expect(out).toEqual(want);
    const inPlace = x.data.slice();
    softmax({ data: inPlace, shape: [2, 3] }, -1, { ...options, out: inPlace });
    expect(inPlace).toEqual(want);
    const mask = new Uint8Array([1, 0, 1]);
    const pending = softmaxAsync(x, -1, { ...options, mask: { data: mask, shape: [3] } });
    mask.fill(0);
    expect((await pending).data).toEqual(want);
    expect((await logSoftmaxAsync(x, -1, options)).data).toEqual(logSoftmax(x, -1, options).data);
    const cast = softmax({ data: new Int32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, -1, { ...options, dtype: 'float64' });
    expect(cast.dtype).toBe('float64');
    expect(cast.data).toEqual(softmax({ data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] }, -1, options).data);
  });

  test('temperature divides in the dtype, the temperature rounded to it first (bfloat16: 0.7 is 0.69921875)', () => {
    const values = [10, 37, -5, 100];
    for (const dtype of ['float32', 'float64', 'float16', 'bfloat16'] as const) {
      const t = roundedTemperature(0.7, dtype);
      const applied = values.map((v) => divided(v, t, dtype));
      const want = softmax(tensorOf(applied, [4], dtype), 0);
      expect(bitsOrValues(softmax(tensorOf(values, [4], dtype), 0, { temperature: 0.7 }))).toEqual(bitsOrValues(want));
    }
    expect(roundedTemperature(0.7, 'bfloat16')).toBe(0.69921875);
  });
});

function bitsOrValues(t: Tensor): number[] {
  return t.dtype === 'float32' || t.dtype === 'float64' ? Array.from(t.data as Float32Array) : Array.from(bitsOf(t));
}

// ---- Errors ----

describe('options: errors name the option and what was wrong', () => {
  const x = { data: new Float32Array(6), shape: [2, 3] };
  test.each([
    [{ mask: new Float32Array(6) }, TypeError, 'expected options.mask to be a Uint8Array (nonzero: the element takes part), but got a Float32Array'],
    [{ mask: [1, 0, 1] }, TypeError, 'expected options.mask to be a Uint8Array or a {data: Uint8Array, shape} mask tensor, but got an array of length 3'],
    [{ mask: { data: new Int8Array(3), shape: [3] } }, TypeError, 'expected options.mask.data to be a Uint8Array'],
    [{ mask: { data: new Uint8Array(3), shape: [3], type: 'float32' } }, TypeError, "expected options.mask.type to be 'bool' or 'uint8', but got \"float32\" (string)"],
    [{ mask: { data: new Uint8Array(3) } }, TypeError, 'expected options.mask to have a shape (or dims) array next to its data'],
    [{ mask: new Uint8Array(3) }, RangeError, 'options.mask has 3 elements but the input [2, 3] has 6; a bare Uint8Array mask has the input\'s shape, so pass {data, shape} to broadcast a smaller one'],
    [{ mask: { data: new Uint8Array(2), shape: [2] } }, RangeError, "options.mask of shape [2] does not broadcast to the input's shape [2, 3]: its dim 0 is 2 where the input has 3 (each must be equal or 1)"],
    [{ mask: { data: new Uint8Array(6), shape: [1, 2, 3] } }, RangeError, "options.mask of shape [1, 2, 3] does not broadcast to the input's shape [2, 3]: it has 3 dims, the input 2"],
    [{ mask: { data: new Uint8Array(4), shape: [3] } }, RangeError, 'options.mask.shape [3] describes 3 elements, but options.mask.data has 4'],
    [{ temperature: 0 }, RangeError, 'expected options.temperature to be a finite number > 0, but got 0'],
    [{ temperature: -1 }, RangeError, 'expected options.temperature to be a finite number > 0, but got -1'],
    [{ temperature: NaN }, RangeError, 'expected options.temperature to be a finite number > 0, but got NaN'],
    [{ temperature: Infinity }, RangeError, 'expected options.temperature to be a finite number > 0, but got Infinity'],
    [{ temperature: '0.7' }, TypeError, 'expected options.temperature to be a finite number > 0, but got "0.7" (string)'],
    [{ temperature: 1e-50 }, RangeError, 'options.temperature 1e-50 is 0 in float32, the dtype it divides in'],
    [{ temperature: 1e-8, dtype: 'float16' }, RangeError, 'options.temperature 1e-8 is 0 in float16'],
    [{ fullyMasked: 'zeros' }, TypeError, "expected options.fullyMasked to be 'nan' or 'zero', but got \"zeros\" (string)"],
    [{ causal: 1 }, TypeError, 'expected options.causal to be true, false or {diagonal: integer}, but got 1 (number)'],
    [{ causal: { diagonal: 0.5 } }, TypeError, 'expected options.causal.diagonal to be an integer, but got 0.5 (number)'],
    [{ causal: { diagonal: 2 ** 60 } }, RangeError, 'expected options.causal.diagonal to be a safe integer'],
    [{ masks: new Uint8Array(6) }, TypeError, "unknown option 'masks' (known options: dtype, out, mask, causal, temperature, fullyMasked)"],
  ])('%p', (options, Type, message) => {
    expect(() => softmax(x, -1, options as SoftmaxOptions)).toThrow(Type);
    expect(() => softmax(x, -1, options as SoftmaxOptions)).toThrow(message);
  });

  test('causal needs rank >= 2 and the last dim', () => {
    expect(() => softmax({ data: new Float32Array(3), shape: [3] }, 0, { causal: true })).toThrow(
      'options.causal needs the softmax over the last dim of an input of rank 2 or more (a [..., L, S] tensor), but got dim 0 of shape [3]');
    expect(() => softmax(x, 0, { causal: true })).toThrow(RangeError);
  });

  test('a mask sharing memory with the result is refused', () => {
    const buffer = new ArrayBuffer(64);
    const data = new Float32Array(buffer, 0, 6);
    expect(() => softmax({ data, shape: [2, 3] }, -1, { out: data, mask: new Uint8Array(buffer, 8, 6) })).toThrow(
      'options.mask shares memory with the array the result is written to');
  });

  test('async errors reject', async () => {
    await expect(softmaxAsync(x, -1, { temperature: -2 })).rejects.toThrow(RangeError);
  });
});
