// Every bad argument gets a TypeError or RangeError that names the argument and what was wrong.
// Checked by error.name, not instanceof: errors thrown by the addon come from Node's realm, not jest's.
import { logSoftmax, softmax, Tensor, tensor } from '../lib/index.js';

function expectError(call: () => unknown, name: 'TypeError' | 'RangeError', message: string | RegExp) {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeDefined();
  const error = thrown as Error;
  expect(error.name).toBe(name);
  if (typeof message === 'string') expect(error.message).toContain(message);
  else expect(error.message).toMatch(message);
}

function detachedFloat32(length: number): Float32Array {
  const array = new Float32Array(length);
  structuredClone(array.buffer, { transfer: [array.buffer] });
  return array;
}

const f32 = (...values: number[]) => Float32Array.from(values);

describe('input', () => {
  test.each([
    ['undefined', undefined, 'but got undefined'],
    ['null', null, 'but got null'],
    ['a string', 'abc', 'but got "abc" (string)'],
    ['a bigint', 5n, 'but got 5n (bigint)'],
    ['a plain object', {}, 'but got an object'],
    ['a function', () => 1, 'but got a function'],
  ])('%s', (_label, input, message) => {
    expectError(() => softmax(input as never, 0), 'TypeError', 'softmax(): expected input to be a Tensor');
    expectError(() => softmax(input as never, 0), 'TypeError', message);
  });

  test('unsupported data types name the type', () => {
    expectError(() => softmax(new BigInt64Array(2) as never, 0), 'TypeError',
      'expected input to be a Float32Array, Float64Array or Float16Array (or an integer typed array with options.dtype), but got a BigInt64Array');
    expectError(() => softmax(new DataView(new ArrayBuffer(8)) as never, 0), 'TypeError', 'but got a DataView');
    expectError(() => softmax({ data: [1, 2], shape: [2] } as never, 0), 'TypeError',
      'expected input.data to be a Float32Array, Float64Array or Float16Array (or an integer typed array with options.dtype), but got an array of length 2');
  });

  test('integer data without dtype is refused, as torch refuses it', () => {
    expectError(() => softmax(Int32Array.from([1, 2]), 0), 'TypeError',
      "input has dtype int32, which softmax does not compute in; pass options.dtype ('float32', 'float64', 'float16' or 'bfloat16')");
    expectError(() => logSoftmax({ data: new Uint8Array(2), shape: [2] }, 0), 'TypeError', 'input has dtype uint8, which logSoftmax');
  });

  test('a detached buffer', () => {
    expectError(() => softmax(detachedFloat32(4), 0), 'TypeError', 'the ArrayBuffer of input is detached');
    expectError(() => softmax({ data: detachedFloat32(4), shape: [4] }, 0), 'TypeError', 'the ArrayBuffer of input.data is detached');
  });

  test('a missing shape', () => {
    expectError(() => softmax({ data: f32(1) } as never, 0), 'TypeError', 'expected input to have a shape (or dims) array');
  });
});

describe('shape', () => {
  test('entries that are not non-negative integers', () => {
    expectError(() => softmax({ data: f32(1, 2), shape: 2 as never }, 0), 'TypeError',
      'expected input.shape to be an array of non-negative integers, but got 2 (number)');
    expectError(() => softmax({ data: f32(1, 2), shape: [1, 1.5] }, 0), 'TypeError',
      'expected input.shape[1] to be a non-negative integer, but got 1.5 (number)');
    expectError(() => softmax({ data: f32(1, 2), shape: [NaN] }, 0), 'TypeError', 'input.shape[0] to be a non-negative integer, but got NaN');
    expectError(() => softmax({ data: f32(1, 2), shape: ['2' as never] }, 0), 'TypeError', 'but got "2" (string)');
    expectError(() => softmax({ data: f32(1, 2), dims: [2, -1] }, 0), 'RangeError',
      'expected input.dims[1] to be a non-negative integer, but got -1');
    expectError(() => softmax({ data: f32(1, 2), shape: [Infinity] }, 0), 'TypeError', 'but got Infinity (number)');
  });

  test('shape and data length disagree', () => {
    expectError(() => softmax({ data: f32(1, 2, 3, 4, 5), shape: [2, 3] }, 1), 'RangeError',
      'input.shape [2, 3] describes 6 elements, but input.data has 5');
  });

  test('more elements than a typed array can hold', () => {
    expectError(() => softmax({ data: f32(1), shape: [2 ** 30, 2 ** 22] }, 0), 'RangeError',
      /input.shape \[1073741824, 4194304\] describes 4503599627370496 elements, more than a typed array can hold/);
  });
});

describe('dim', () => {
  test('missing', () => {
    expectError(() => (softmax as (x: unknown) => unknown)(f32(1, 2)), 'TypeError',
      'softmax(): missing the required argument dim (an integer in [-1, 0])');
  });

  test.each([1.5, NaN, Infinity, '1', null, 1n])('not an integer: %p', (dim) => {
    expectError(() => softmax(f32(1, 2), dim as never), 'TypeError', 'softmax(): expected dim to be an integer, but got');
  });

  test("out of range, in torch's words", () => {
    const x = { data: new Float32Array(6), shape: [2, 3] };
    expectError(() => softmax(x, 2), 'RangeError', 'softmax(): Dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expectError(() => logSoftmax(x, -3), 'RangeError', 'logSoftmax(): Dimension out of range (expected to be in range of [-2, 1], but got -3)');
    expectError(() => softmax(tensor(1), 1), 'RangeError', 'Dimension out of range (expected to be in range of [-1, 0], but got 1)');
    // Empty tensors still check the dim.
    expectError(() => softmax({ data: new Float32Array(0), shape: [3, 0] }, 2), 'RangeError', '[-2, 1], but got 2');
  });
});

describe('options', () => {
  test('not an object', () => {
    expectError(() => softmax(f32(1), 0, 'float64' as never), 'TypeError', 'expected options to be an object, but got "float64" (string)');
  });

  test('unknown option names are refused, not ignored', () => {
    expectError(() => softmax(f32(1), 0, { dytpe: 'float64' } as never), 'TypeError', "unknown option 'dytpe' (known options: dtype, out, mask, causal, temperature, fullyMasked)");
  });

  test('unknown dtype', () => {
    expectError(() => softmax(f32(1), 0, { dtype: 'float8' as never }), 'TypeError',
      "expected options.dtype to be 'float32', 'float64', 'float16' or 'bfloat16', but got \"float8\" (string)");
    expectError(() => softmax(f32(1), 0, { dtype: Float32Array as never }), 'TypeError', 'but got a function');
  });
});

describe('out', () => {
  test('wrong type, naming the expected one', () => {
    expectError(() => softmax(f32(1, 2), 0, { out: [0, 0] as never }), 'TypeError',
      "expected options.out to be a Float32Array (the result's dtype is float32), but got an array of length 2");
    expectError(() => softmax(f32(1, 2), 0, { out: new Float64Array(2) }), 'TypeError',
      "expected options.out to be a Float32Array (the result's dtype is float32), but got a Float64Array");
    expectError(() => softmax(f32(1, 2), 0, { dtype: 'float64', out: new Float32Array(2) }), 'TypeError',
      'expected options.out to be a Float64Array');
  });

  test('wrong length', () => {
    expectError(() => softmax(f32(1, 2), 0, { out: new Float32Array(3) }), 'RangeError',
      "expected options.out to have 2 elements (the input's), but it has 3");
  });

  test('detached', () => {
    expectError(() => softmax(new Float32Array(0), 0, { out: detachedFloat32(4) }), 'TypeError', 'the ArrayBuffer of options.out is detached');
  });

  test('partial overlap with the input', () => {
    const buffer = new ArrayBuffer(40);
    const input = new Float32Array(buffer, 0, 6);
    expectError(() => softmax(input, 0, { out: new Float32Array(buffer, 4, 6) }), 'RangeError',
      "options.out overlaps the input's memory without being the input's own array");
    // The same bytes seen as another dtype are not the input's own array either.
    const f64 = new Float64Array(buffer, 0, 3);
    expectError(() => softmax(f64, 0, { dtype: 'float32', out: new Float32Array(buffer, 8, 3) }), 'RangeError', 'overlaps');
  });

  test('partial overlap through two SharedArrayBuffer objects over the same memory', () => {
    // Large enough to be computed straight from the caller's memory, where only the addon can see
    // that the two buffers are one.
    const length = 4096;
    const shared = new SharedArrayBuffer(4 * (length + 1));
    const alias = structuredClone(shared);
    expect(alias).not.toBe(shared);
    expectError(() => softmax(new Float32Array(shared, 0, length), 0, { out: new Float32Array(alias, 4, length) }), 'RangeError',
      "options.out partially overlaps the input's memory");
  });

  test('a small call through two SharedArrayBuffer objects over the same memory is staged, so its result is right', () => {
    const shared = new SharedArrayBuffer(4 * 9);
    const alias = structuredClone(shared);
    const input = new Float32Array(shared, 0, 8);
    input.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const want = softmax(input.slice(), 0).data;
    const out = new Float32Array(alias, 4, 8);
    softmax(input, 0, { out });
    expect(Array.from(out)).toEqual(Array.from(want));
  });
});

describe('tensor() and Tensor', () => {
  test('ragged nesting and non-number leaves', () => {
    expectError(() => tensor([[1, 2], [3]]), 'RangeError', 'tensor(): expected a sequence of length 2 at dim 1 (got 1) at values[1]');
    expectError(() => tensor([[1, 2], 3] as never), 'RangeError', 'expected a sequence of length 2 at dim 1 of values, but got 3 (number) at values[1]');
    expectError(() => tensor([1, [2]] as never), 'RangeError', 'expected a number at values[1], but got an array (ragged nesting)');
    expectError(() => tensor([1, 'a'] as never), 'TypeError', 'tensor(): expected a number at values[1], but got "a" (string)');
    expectError(() => tensor({} as never), 'TypeError', 'tensor(): expected values to be nested arrays of numbers, a number or a typed array');
  });

  test('tensor() options', () => {
    expectError(() => tensor([1, 2], { shape: [3] }), 'RangeError', 'options.shape [3] holds 3 elements, but values have 2');
    expectError(() => tensor([1], { dtype: 'int32' as never }), 'TypeError', "expected options.dtype to be 'float32', 'float64', 'float16' or 'bfloat16'");
    expectError(() => tensor([1], { size: [1] } as never), 'TypeError', "unknown option 'size' (known options: shape, dtype)");
  });

  test('Tensor constructor, item and sum', () => {
    expectError(() => new Tensor([1, 2] as never), 'TypeError', 'Tensor(): expected data to be a Float32Array, Float64Array, Float16Array or Uint16Array (with dtype)');
    expectError(() => new Tensor(new Float32Array(4), [3]), 'RangeError', 'Tensor(): shape [3] holds 3 elements, but data has 4');
    expectError(() => tensor([1, 2]).item(), 'RangeError', 'a Tensor with 2 elements cannot be converted to a number');
    expectError(() => tensor([1, 2]).sum(1), 'RangeError', 'Tensor.sum(): Dimension out of range (expected to be in range of [-1, 0], but got 1)');
  });
});
