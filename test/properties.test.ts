// Property tests against a float64 reference, with the accuracy bounds of the issue: float32 no
// worse than torch 1.13 on the same kind of inputs (max relative error 5.3e-6 for softmax,
// 3.5e-6 of max(1, |ref|) for log-softmax), |row sum - 1| <= 1e-6, float64 within 1e-13.
import { getNumThreads, logSoftmax, setNumThreads, softmax } from '../lib/index.js';
import { compare, normal, referenceSoftmax, sameBits, seededRandom } from './helpers.js';

const initialThreads = getNumThreads();

const BOUNDS = {
  float32: { softmax: 5.3e-6, logSoftmax: 3.5e-6, rowSum: 1e-6 },
  float64: { softmax: 1e-13, logSoftmax: 1e-13, rowSum: 1e-13 },
} as const;
const SCALES = [0.01, 1, 3, 10, 30, 100, 1000];
// Sizes around every vector width (1, 2, 4, 8 lanes; unrolled by 4; sum blocks of 32 vectors).
const TAIL_SIZES = [...Array.from({ length: 33 }, (_, i) => i + 1), 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1025];

type Dtype = 'float32' | 'float64';

function randomData(random: () => number, numel: number, dtype: Dtype, scale: number) {
  const data = dtype === 'float32' ? new Float32Array(numel) : new Float64Array(numel);
  for (let i = 0; i < numel; i++) data[i] = normal(random) * scale;
  return data;
}

/** Checks one call against the reference, and returns nothing: failures name the case. */
function checkAccuracy(data: Float32Array | Float64Array, shape: number[], dim: number, log: boolean, label: string) {
  const dtype: Dtype = data instanceof Float32Array ? 'float32' : 'float64';
  const result = (log ? logSoftmax : softmax)({ data, shape }, dim);
  expect(result.dtype).toBe(dtype);
  expect(result.shape).toEqual(shape);
  const want = referenceSoftmax(data, shape, dim, log);
  const report = compare(result.data, want, dtype, log);
  const bounds = BOUNDS[dtype];
  if (report.mismatches.length > 0 || report.maxRelative > bounds.softmax || report.maxLogError > bounds.logSoftmax) {
    throw new Error(`${label}: ${JSON.stringify(report).slice(0, 400)}`);
  }
  if (!log) expectRowSumsNearOne(result.data, shape, dim, bounds.rowSum, label);
}

function expectRowSumsNearOne(y: ArrayLike<number>, shape: number[], dim: number, bound: number, label: string) {
  const rank = shape.length;
  const d = rank === 0 ? 0 : (dim + rank) % rank;
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const dimSize = rank === 0 ? 1 : shape[d];
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      let sum = 0;
      for (let k = 0; k < dimSize; k++) sum += y[(o * dimSize + k) * inner + c];
      if (dimSize > 0 && !(Math.abs(sum - 1) <= bound)) throw new Error(`${label}: slice (${o}, ${c}) sums to ${sum}`);
    }
  }
}

describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
  test('random shapes of rank 0-4, every dim, both ops, all scales', () => {
    const random = seededRandom(dtype === 'float32' ? 1 : 2);
    const sizes = [0, 1, 2, 3, 5, 7, 8, 9, 16, 17, 31, 33];
    for (let trial = 0; trial < 300; trial++) {
      const rank = trial % 5;
      let shape: number[];
      let numel: number;
      do {
        shape = Array.from({ length: rank }, () => sizes[Math.floor(random() * sizes.length)]);
        numel = shape.reduce((a, b) => a * b, 1);
      } while (numel > 40_000);
      const scale = SCALES[trial % SCALES.length];
      const data = randomData(random, numel, dtype, scale);
      for (let dim = -Math.max(rank, 1); dim < Math.max(rank, 1); dim++) {
        for (const log of [false, true]) checkAccuracy(data, shape, dim, log, `[${shape}] dim ${dim} scale ${scale} log ${log}`);
      }
    }
  });

  test('last-dim rows of every tail size', () => {
    const random = seededRandom(3);
    for (const n of TAIL_SIZES) {
      for (const scale of [1, 30, 1000]) {
        const data = randomData(random, 3 * n, dtype, scale);
        for (const log of [false, true]) checkAccuracy(data, [3, n], 1, log, `[3, ${n}] scale ${scale} log ${log}`);
      }
    }
  });

  test('non-last dims with every tail size of inner columns and of the reduced dim', () => {
    const random = seededRandom(4);
    for (const n of TAIL_SIZES.filter((s) => s <= 129)) {
      const data = randomData(random, 2 * 5 * n, dtype, 10);
      for (const log of [false, true]) {
        checkAccuracy(data, [2, 5, n], 1, log, `[2, 5, ${n}] dim 1 log ${log}`); // inner = n
        checkAccuracy(data, [2, n, 5], 1, log, `[2, ${n}, 5] dim 1 log ${log}`); // reduced dim = n
        checkAccuracy(data, [n, 10], 0, log, `[${n}, 10] dim 0 log ${log}`);
      }
    }
  });

  test('slices wider than a panel (4 KiB of columns): accurate, and bitwise what 64-column slices give', () => {
    const random = seededRandom(7);
    const rows = 300;
    const width = 2100; // float32: two panels of 1024 and a tail; float64: four panels of 512 and a tail
    const data = randomData(random, rows * width, dtype, 10);
    // Special columns: all -inf, one finite among -inf, a NaN, a +inf, a huge value.
    for (let k = 0; k < rows; k++) {
      data[k * width + 3] = -Infinity;
      if (k !== 150) data[k * width + 1030] = -Infinity;
    }
    data[77 * width + 600] = NaN;
    data[12 * width + 1500] = Infinity;
    data[200 * width + 2050] = 1e30;
    for (const log of [false, true]) {
      const op = log ? logSoftmax : softmax;
      const want = referenceSoftmax(data, [rows, width], 0, log);
      const wide = op({ data, shape: [rows, width] }, 0).data;
      const report = compare(wide, want, dtype, log);
      expect(report.mismatches).toEqual([]);
      expect(log ? report.maxLogError : report.maxRelative).toBeLessThanOrEqual(log ? BOUNDS[dtype].logSoftmax : BOUNDS[dtype].softmax);
      for (const first of [0, 576, 1024, 1472, 2036]) {
        const narrowWidth = 64;
        const narrowInput = dtype === 'float32' ? new Float32Array(rows * narrowWidth) : new Float64Array(rows * narrowWidth);
        const wideWindow = narrowInput.slice();
        for (let k = 0; k < rows; k++) {
          for (let c = 0; c < narrowWidth; c++) {
            narrowInput[k * narrowWidth + c] = data[k * width + first + c];
            wideWindow[k * narrowWidth + c] = wide[k * width + first + c];
          }
        }
        const narrowResult = op({ data: narrowInput, shape: [rows, narrowWidth] }, 0).data;
        if (!sameBits(narrowResult, wideWindow)) throw new Error(`columns ${first}-${first + narrowWidth - 1}, log ${log}: not bitwise equal`);
      }
    }
    checkAccuracy(randomData(random, 2 * 40 * 1100, dtype, 3), [2, 40, 1100], 1, false, '[2, 40, 1100] dim 1');
  });

  test('rows of a million elements keep |sum - 1| within the bound', () => {
    const random = seededRandom(5);
    for (const scale of [0.01, 3]) {
      const data = randomData(random, 1_000_000, dtype, scale);
      checkAccuracy(data, [1, 1_000_000], -1, false, `[1, 1e6] scale ${scale}`);
      checkAccuracy(data, [1_000_000, 1], 0, false, `[1e6, 1] dim 0 scale ${scale}`);
      checkAccuracy(data, [62500, 16], 0, false, `[62500, 16] dim 0 scale ${scale}`);
    }
  });

  test('dtype casts first, then computes in the target dtype (bit for bit)', () => {
    const random = seededRandom(6);
    const other: Dtype = dtype === 'float32' ? 'float64' : 'float32';
    for (const shape of [[5, 37], [37, 5], [4, 3, 9]]) {
      const data = randomData(random, shape.reduce((a, b) => a * b, 1), dtype, 5);
      const cast = other === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
      for (let dim = 0; dim < shape.length; dim++) {
        for (const op of [softmax, logSoftmax]) {
          const viaOption = op({ data, shape }, dim, { dtype: other });
          const viaCast = op({ data: cast, shape }, dim);
          expect(viaOption.dtype).toBe(other);
          expect(sameBits(viaOption.data, viaCast.data)).toBe(true);
        }
      }
    }
  });
});

/**
 * Softmax and log-softmax of data over dim: within the bounds of a float64 reference on 1 thread, and
 * the same bits on 1 and 2 threads into views at 0-15 elements into a buffer (every output alignment).
 */
function expectBoundsAndSameBitsAtEveryAlignment(data: Float32Array | Float64Array, shape: number[], dim: number) {
  const dtype: Dtype = data instanceof Float32Array ? 'float32' : 'float64';
  const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
  const area = new Ctor(data.length + 16);
  for (const log of [false, true]) {
    const op = log ? logSoftmax : softmax;
    setNumThreads(1);
    const first = op({ data, shape }, dim).data;
    const report = compare(first, referenceSoftmax(data, shape, dim, log), dtype, log);
    expect(report.mismatches).toEqual([]);
    expect(log ? report.maxLogError : report.maxRelative).toBeLessThanOrEqual(log ? BOUNDS[dtype].logSoftmax : BOUNDS[dtype].softmax);
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      for (const offset of [0, 1, 3, 4, 8, 12, 15]) {
        const whole = op({ data, shape }, dim, { out: area.subarray(offset, offset + data.length) });
        expect(sameBits(whole.data, first)).toBe(true);
      }
    }
  }
  setNumThreads(initialThreads);
}

describe('outputs too large for the caches (streamed to memory)', () => {
  // Outputs of 16 MiB or more are written with streaming stores; each half below is computed the
  // ordinary way. Odd row lengths put the rows at every alignment; rows of one vector or less (7,
  // and 13 float32) are held in a register, on the avx512 set's narrower vectors where they fit.
  test.each([
    ['float32', 1030, 4099],
    ['float64', 520, 4099],
    ['float32', 600002, 7],
    ['float32', 400002, 13],
    ['float64', 300002, 7],
  ] as const)('%s [%i, %i]: the same bits as the cached path, on 1 and 2 threads', (dtype, rows, length) => {
    const random = seededRandom(7);
    const data = randomData(random, rows * length, dtype, 4);
    const half = (rows / 2) * length;
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    for (const op of [softmax, logSoftmax]) {
      const parts = new Ctor(rows * length);
      op({ data: data.subarray(0, half), shape: [rows / 2, length] }, 1, { out: parts.subarray(0, half) });
      op({ data: data.subarray(half), shape: [rows / 2, length] }, 1, { out: parts.subarray(half) });
      for (const threads of [1, 2]) {
        setNumThreads(threads);
        const whole = op({ data, shape: [rows, length] }, 1, { out: new Ctor(rows * length) });
        expect(sameBits(whole.data, parts)).toBe(true);
      }
    }
    setNumThreads(initialThreads);
  });

  // Rows longer than 256 KiB in such an output: log-softmax takes each row's max and sum in one sweep
  // of 16 KiB chunks, rescaling the sum whenever the max rises; softmax keeps its three passes. Rows
  // of special values, and rows whose max rises in every chunk or only at the end, check the
  // rescaling: within the accuracy bounds of a float64 reference, and the same bits at every output
  // alignment on 1 and 2 threads (which split these jobs by rows).
  test.each([
    ['float32', 64, 70001],
    ['float64', 64, 40001],
  ] as const)('%s [%i, %i]: long rows within the bounds, the same bits at every output alignment', (dtype, rows, length) => {
    const random = seededRandom(13);
    const numel = rows * length;
    const shape = [rows, length];
    const data = randomData(random, numel, dtype, 4);
    for (let i = 0; i < length; i++) {
      data[i] = -Infinity; // a row of only -inf
      if (i < 20000) data[length + i] = -Infinity; // -inf for the first chunks
      data[2 * length + i] = i * 0.001; // a max rising in every chunk
      data[3 * length + i] = i * 3; // rising by 3 at every element: each rescale is by e^-6144 or less, 0
      data[4 * length + i] = i === 0 ? 1e30 : -1e30; // the max first, far from the rest
    }
    data[5 * length + length - 1] = 30; // the max in the last element
    data[6 * length + 50000 % length] = Infinity; // in a late chunk
    data[7 * length + length - 3] = NaN; // in the last chunk
    expectBoundsAndSameBitsAtEveryAlignment(data, shape, 1);
  });

  // Over other dims, outputs of 16 MiB or more are written with streaming stores, each panel of
  // columns from vectors that are not aligned (the avx512 set), so every alignment of the output is
  // tried, as a view at 0-15 elements into a buffer, on 1 and 2 threads (which split these slices by
  // columns, not rows): the same bits each time, within the accuracy bounds of a float64 reference.
  // Panels this tall (256 rows or more) take their max and sum chunk by chunk, rescaling a column's
  // sum whenever its max rises: columns of special values, and columns whose max rises chunk after
  // chunk or only in the last row, check the rescaling.
  test.each([
    ['float32', 2, 2100, 1040],
    ['float64', 2, 1050, 1040],
  ] as const)('%s [%i, %i, %i] dim 1: the same bits at every output alignment, within the bounds', (dtype, outer, dim, inner) => {
    const random = seededRandom(11);
    const numel = outer * dim * inner;
    const shape = [outer, dim, inner];
    const data = randomData(random, numel, dtype, 4);
    const at = (slice: number, row: number, column: number) => (slice * dim + row) * inner + column;
    for (let row = 0; row < dim; row++) {
      data[at(0, row, 5)] = -Infinity; // a column of only -inf
      data[at(0, row, 6)] = row < 100 ? -Infinity : data[at(0, row, 6)]; // -inf for the first chunks
      data[at(0, row, 7)] = row * 0.05; // a max rising in every chunk
      data[at(1, row, 7)] = row * 3; // rising by 96 a chunk: each rescale is by e^-96
      data[at(1, row, 8)] = row === dim - 1 ? 30 : data[at(1, row, 8)]; // the max in the last row
      data[at(1, row, 9)] = row === 0 ? 1e30 : -1e30; // the max in the first row, far from the rest
    }
    data[at(0, 17, 100)] = -Infinity;
    data[at(1, 900, 700)] = Infinity; // in a late chunk
    data[at(1, 3, 1030)] = NaN; // in the tail, past the last panel
    data[at(1, 40, 31)] = NaN;
    data[at(1, dim - 2, 32)] = NaN; // in the last chunk
    expectBoundsAndSameBitsAtEveryAlignment(data, shape, 1);
  });

  // A slice of one panel (plus a tail) on 2 threads: its rows are cut into segments, each of which
  // takes its max and sum chunk by chunk; the last phase computes from the input (softmax too) and
  // streams each segment's panel. Every output alignment computes the same bits (only the stores
  // differ), in place too, within the accuracy bounds of a float64 reference. One column is -inf
  // through the whole first segment and into the second; another's max rises in every chunk.
  test.each([
    ['float32', 4100, 1040],
    ['float64', 4100, 520],
  ] as const)('%s [%i, %i] dim 0 split across 2 threads: the same bits at every output alignment', (dtype, rows, columns) => {
    const random = seededRandom(12);
    const numel = rows * columns;
    const data = randomData(random, numel, dtype, 4);
    for (let row = 0; row < rows; row++) {
      if (row < 1100) data[row * columns + 5] = -Infinity;
      data[row * columns + 6] = row * 0.01;
    }
    data[17 * columns + 3] = -Infinity;
    data[2000 * columns + 600] = Infinity;
    data[3 * columns + 1030] = NaN; // float32: in the tail, past the panel
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const area = new Ctor(numel + 16);
    setNumThreads(2);
    for (const op of [softmax, logSoftmax]) {
      const log = op === logSoftmax;
      const first = op({ data, shape: [rows, columns] }, 0).data;
      const report = compare(first, referenceSoftmax(data, [rows, columns], 0, log), dtype, log);
      expect(report.mismatches).toEqual([]);
      expect(Math.max(report.maxRelative, report.maxLogError)).toBeLessThanOrEqual(BOUNDS[dtype][log ? 'logSoftmax' : 'softmax']);
      for (const offset of [0, 1, 3, 4, 8, 12, 15]) {
        const whole = op({ data, shape: [rows, columns] }, 0, { out: area.subarray(offset, offset + numel) });
        expect(sameBits(whole.data, first)).toBe(true);
      }
      const inPlace = Ctor.from(data);
      op({ data: inPlace, shape: [rows, columns] }, 0, { out: inPlace });
      expect(sameBits(inPlace, first)).toBe(true);
    }
    setNumThreads(initialThreads);
  });
});
