// The public API: input forms, out= and in-place, views, Tensor and tensor().
import { inspect } from 'node:util';

import { backend, getNumThreads, logSoftmax, softmax, Tensor, tensor } from '../lib/index.js';
import { native } from '../lib/native.js';
import { referenceSoftmax } from './helpers.js';

const ROW = [2.0, 1.0, 0.1];
const EXPECTED = referenceSoftmax(ROW, [3], 0, false);

function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tolerance = 1e-6) {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tolerance);
}

describe('input forms', () => {
  test('a Tensor, {data, shape}, {data, dims}, a bare Float32Array, nested arrays', () => {
    const data = Float32Array.from([...ROW, ...ROW]);
    const forms = [
      tensor([ROW, ROW]),
      { data, shape: [2, 3] },
      { data, dims: [2, 3] }, // onnxruntime-node's tensors have dims
      [ROW, ROW],
    ];
    for (const input of forms) {
      const result = softmax(input, 1);
      expect(result).toBeInstanceOf(Tensor);
      expect(result.shape).toEqual([2, 3]);
      expect(result.dtype).toBe('float32');
      expectNear(result.data, [...EXPECTED, ...EXPECTED]);
    }
    const bare = softmax(Float32Array.from(ROW), 0);
    expect(bare.shape).toEqual([3]);
    expectNear(bare.data, EXPECTED);
  });

  test('a bare Float64Array computes in float64', () => {
    const result = softmax(Float64Array.from(ROW), -1);
    expect(result.dtype).toBe('float64');
    expectNear(result.data, EXPECTED, 1e-15);
  });

  test('a number is a 0-d tensor', () => {
    const result = softmax(7, 0);
    expect(result.shape).toEqual([]);
    expect(result.item()).toBe(1);
    expect(logSoftmax(7, -1).item()).toBe(0);
  });

  test('views at a byte offset read only their own elements and leave the rest of the buffer alone', () => {
    const buffer = new ArrayBuffer(64);
    const whole = new Float32Array(buffer).fill(42);
    const view = new Float32Array(buffer, 12, 3);
    view.set(ROW);
    const out = new Float32Array(buffer, 32, 3);
    const result = softmax(view, 0, { out });
    expectNear(result.data, EXPECTED);
    expect(Array.from(whole.slice(0, 3))).toEqual([42, 42, 42]);
    expect(Array.from(whole.slice(6, 8))).toEqual([42, 42]);
    expect(Array.from(whole.slice(11))).toEqual([42, 42, 42, 42, 42]);
  });

  test('integer views at odd byte offsets are cast with dtype', () => {
    const bytes = new Uint8Array(16).fill(7);
    const odd = new Uint8Array(bytes.buffer, 3, 3);
    odd.set([1, 2, 3]);
    expectNear(softmax(odd, 0, { dtype: 'float32' }).data, referenceSoftmax([1, 2, 3], [3], 0, false));
    const int16 = new Int16Array(bytes.buffer, 6, 3);
    int16.set([1, 2, 3]);
    expectNear(softmax({ data: int16, shape: [1, 3] }, 1, { dtype: 'float64' }).data, referenceSoftmax([1, 2, 3], [3], 0, false), 1e-15);
  });

  test('SharedArrayBuffer-backed input and out', () => {
    const input = new Float64Array(new SharedArrayBuffer(8 * 3));
    input.set(ROW);
    const out = new Float64Array(new SharedArrayBuffer(8 * 3));
    const result = softmax(input, 0, { out });
    expect(result.data).toBe(out);
    expectNear(out, EXPECTED, 1e-15);
  });

  test('integer typed arrays with dtype are cast first', () => {
    const expected = referenceSoftmax([1, 2, 3], [3], 0, false);
    for (const data of [Int8Array.from([1, 2, 3]), Int16Array.from([1, 2, 3]), Int32Array.from([1, 2, 3]),
      Uint8Array.from([1, 2, 3]), Uint16Array.from([1, 2, 3]), Uint32Array.from([1, 2, 3]), Uint8ClampedArray.from([1, 2, 3])]) {
      const f32 = softmax(data, 0, { dtype: 'float32' });
      expect(f32.dtype).toBe('float32');
      expectNear(f32.data, expected);
      const f64 = logSoftmax({ data, shape: [3] }, 0, { dtype: 'float64' });
      expect(f64.dtype).toBe('float64');
      expectNear(f64.data, referenceSoftmax([1, 2, 3], [3], 0, true), 1e-15);
    }
  });

  test('the input is never modified when out is another array or absent', () => {
    const data = Float32Array.from(ROW);
    softmax(data, 0);
    softmax(data, 0, { out: new Float32Array(3) });
    softmax(data, 0, { dtype: 'float64' });
    expect(Array.from(data)).toEqual(Array.from(Float32Array.from(ROW)));
  });
});

describe('out and in-place', () => {
  test('out receives the result and the returned Tensor wraps it', () => {
    const out = new Float32Array(6);
    const result = softmax({ data: Float32Array.from([...ROW, ...ROW]), shape: [2, 3] }, 1, { out });
    expect(result.data).toBe(out);
    expect(result.shape).toEqual([2, 3]);
    expectNear(out, [...EXPECTED, ...EXPECTED]);
  });

  test.each([['softmax', softmax], ['logSoftmax', logSoftmax]] as const)('%s in place, last and non-last dims', (_name, op) => {
    for (const [shape, dim] of [[[4, 37], 1], [[37, 4], 0], [[3, 5, 9], 1]] as const) {
      const numel = shape.reduce((a, b) => a * b, 1);
      const data = Float64Array.from({ length: numel }, (_, i) => Math.sin(i) * 4);
      const expected = referenceSoftmax(data, [...shape], dim, op === logSoftmax);
      const result = op({ data, shape: [...shape] }, dim, { out: data });
      expect(result.data).toBe(data);
      expectNear(data, expected, 1e-14);
    }
  });

  test('out with a cast: float64 input into a float32 out', () => {
    const out = new Float32Array(3);
    const result = softmax(Float64Array.from(ROW), 0, { dtype: 'float32', out });
    expect(result.data).toBe(out);
    expectNear(out, EXPECTED);
  });

  test('a Tensor input can be computed in place through its own data', () => {
    const t = tensor([ROW]);
    softmax(t, 1, { out: t.data });
    expectNear(t.data, EXPECTED);
  });
});

describe('small calls go through staging buffers, large ones straight to the addon', () => {
  // Small synchronous calls are copied into the addon's 4 KiB staging buffers and back; larger
  // ones are computed in place in the caller's memory. Rows and columns are computed independently,
  // so a slice computed on either path must give the same bits.
  test('the staging area holds a 64-byte header and 4 KiB each of input and output, as the sizes below assume', () => {
    expect(native.protocol.stagingHeaderBytes).toBe(64);
    expect(native.protocol.stagingBytes).toBe(4096);
    expect(native.protocol.stagingAreaBytes).toBe(64 + 2 * 4096);
  });

  test('the addon checks the staging areas it is handed and what their headers describe', () => {
    // lib/ attached its own area when it loaded; this test attaches another, writes headers lib/
    // never writes, and checks that the addon refuses them rather than read or write past the area.
    const size = native.protocol.stagingAreaBytes;
    for (const view of [
      new Uint8Array(new ArrayBuffer(size)), // a plain ArrayBuffer can be detached
      new Uint8Array(new SharedArrayBuffer(size + 8), 8), // does not start the buffer
      new Uint8Array(new SharedArrayBuffer(size + 8)), // not the staging size
      new Int8Array(new SharedArrayBuffer(size)) as unknown as Uint8Array, // not a Uint8Array
    ]) {
      expect(() => native.attachStaging(view)).toThrow(/internal error.*whole SharedArrayBuffer/);
    }
    const area = new SharedArrayBuffer(size);
    const id = native.attachStaging(new Uint8Array(area));
    expect(() => native.runStaged(id + 1)).toThrow(/internal error.*no staging area has this id/);
    const header = new Uint32Array(area, 0, 4);
    header.set([8, 1, 10, 1]); // kinds are op + 2 * dtype: 0..7
    expect(() => native.runStaged(id)).toThrow(/internal error.*kind/);
    for (const layout of [[0, 1, 1025, 1], [2, 1, 513, 1], [1, 65536, 65536, 65536]]) {
      header.set(layout);
      expect(() => native.runStaged(id)).toThrow(/internal error.*larger than the staging/);
    }
    // A good header computes: softmax of [0, ln 3] in float64 is [1/4, 3/4].
    new Float64Array(area, native.protocol.stagingHeaderBytes, 2).set([0, Math.log(3)]);
    header.set([2, 1, 2, 1]);
    native.runStaged(id);
    const result = new Float64Array(area, native.protocol.stagingHeaderBytes + native.protocol.stagingBytes, 2);
    expect(result[0]).toBeCloseTo(0.25, 15);
    expect(result[1]).toBeCloseTo(0.75, 15);
    // lib/'s own area is untouched by all this.
    expectNear(softmax(ROW, 0).data, EXPECTED);
  });

  const cases = [
    { op: softmax, dtype: 'float32', length: 1000 },
    { op: logSoftmax, dtype: 'float32', length: 1024 },
    { op: softmax, dtype: 'float64', length: 500 },
    { op: logSoftmax, dtype: 'float64', length: 512 },
  ] as const;
  test.each(cases)('$op.name $dtype [1, $length] alone (staged) equals row 0 of [3, $length] (direct)', ({ op, dtype, length }) => {
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const big = Ctor.from(Array.from({ length: 3 * length }, (_, i) => Math.sin(i * 0.7) * 20));
    const whole = op({ data: big, shape: [3, length] }, 1).data;
    const first = op({ data: big.slice(0, length), shape: [1, length] }, 1).data;
    expect(Array.from(first)).toEqual(Array.from(whole.subarray(0, length)));
  });

  test('columns (dim 0) staged and direct give the same bits, with out, in place and a cast', () => {
    const columns = 400; // [3, 400] float32 is 4800 bytes: direct
    const big = Float64Array.from({ length: 3 * columns }, (_, i) => Math.cos(i) * 50);
    const whole = softmax({ data: big, shape: [3, columns] }, 0, { dtype: 'float32' }).data;
    // Staged calls of 100 columns each: a [3, 100] slice holds columns c..c+99 of every row.
    for (let c = 0; c < columns; c += 100) {
      const slice = new Float32Array(300);
      for (let r = 0; r < 3; r++) for (let k = 0; k < 100; k++) slice[r * 100 + k] = big[r * columns + c + k];
      const inPlace = slice.slice();
      softmax({ data: inPlace, shape: [3, 100] }, 0, { out: inPlace });
      for (let r = 0; r < 3; r++) {
        for (let k = 0; k < 100; k++) expect(inPlace[r * 100 + k]).toBe(whole[r * columns + c + k]);
      }
    }
  });
});

describe('Tensor', () => {
  test('data, shape, dtype, numel, ndim', () => {
    const data = new Float64Array(6);
    const t = new Tensor(data, [2, 3]);
    expect(t.data).toBe(data);
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
    expect(t.dtype).toBe('float64');
    expect(t.numel).toBe(6);
    expect(t.ndim).toBe(2);
    expect(new Tensor(new Float32Array(4)).shape).toEqual([4]);
  });

  test('sum over everything and over a dim (negative dims count from the end)', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.sum().shape).toEqual([]);
    expect(t.sum().item()).toBe(21);
    expect(Array.from(t.sum(0).data)).toEqual([5, 7, 9]);
    expect(Array.from(t.sum(-1).data)).toEqual([6, 15]);
    expect(t.sum(1).shape).toEqual([2]);
    const t3 = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(t3.sum(1).toArray()).toEqual([[4, 6], [12, 14]]);
  });

  test('float32 sums round in float32, as torch sums do', () => {
    const t = tensor([0.1, 0.2, 0.3]);
    expect(t.sum().item()).toBe(Math.fround(Math.fround(Math.fround(0.1) + Math.fround(0.2)) + Math.fround(0.3)));
  });

  test('item and toArray', () => {
    expect(tensor(2.5).item()).toBe(2.5);
    expect(tensor([[3]]).item()).toBe(3);
    expect(tensor([[1, 2], [3, 4]]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tensor(5).toArray()).toBe(5);
    expect(new Tensor(new Float32Array(0), [2, 0]).toArray()).toEqual([[], []]);
    expect(tensor([[[1], [2]]]).toArray()).toEqual([[[1], [2]]]);
  });

  test('util.inspect and String use the torch format', () => {
    const t = softmax(tensor([1.0, 2.0, 3.0]), 0);
    expect(String(t)).toBe('tensor([0.0900, 0.2447, 0.6652])');
    expect(inspect(t)).toBe('tensor([0.0900, 0.2447, 0.6652])');
  });
});

describe('tensor()', () => {
  test('nested arrays give float32 with their nesting as shape', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  test('options.dtype and options.shape', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { dtype: 'float64', shape: [3, 2] });
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([3, 2]);
    expect(tensor(1.5, { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
  });

  test('typed arrays are copied; Float64Array stays float64 unless told otherwise', () => {
    const source = Float64Array.from([1, 2]);
    const t = tensor(source);
    expect(t.dtype).toBe('float64');
    expect(t.data).not.toBe(source);
    source[0] = 9;
    expect(t.data[0]).toBe(1);
    expect(tensor(Int32Array.from([1, 2])).dtype).toBe('float32');
    expect(tensor(Float64Array.from([1, 2]), { dtype: 'float32' }).dtype).toBe('float32');
  });
});

describe('backend()', () => {
  test('reports the kernel set, threads and version', () => {
    const info = backend();
    expect(['avx512_bf16', 'avx512', 'avx2', 'neon', 'scalar']).toContain(info.isa);
    expect(info.availableIsas).toContain(info.isa);
    expect(info.threads).toBe(getNumThreads());
    expect(info.version).toBe(require('../package.json').version);
  });
});
