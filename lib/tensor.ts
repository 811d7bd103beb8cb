// Tensor: a float32, float64, float16 or bfloat16 typed array with a shape, printed the way torch prints.
import { describe, rangeError, typeError } from './errors.js';
import { formatTensor } from './format.js';
import { castElements, halfBitsFromNumber, halfElementReader, halfResultData } from './half.js';
import { formatShape, numelOf, splitAroundDim } from './shape.js';
import { checkDtype, checkShape, normalizeDim } from './validate.js';
import {
  type Dtype, type FloatArray, isDetached, isHalfDtype, kernelArrayConstructor, lengthOf, maxElements, sourceDtypeOf,
  type SourceArray, typedArrayName,
} from './typed-arrays.js';

/** Nested arrays of numbers, as `tensor()` takes them and `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * Lets lib/ wrap a result it has already validated (a float array of exactly numel elements and a
 * frozen, checked shape) without checking it again on every call. Not exported from the package.
 */
export const TRUSTED = Symbol('simd-softmax trusted tensor');

/**
 * An n-dimensional array of one dtype, as softmax takes and returns it: a view of a typed array (not
 * a copy) with a shape, printed as PyTorch prints tensors.
 */
export class Tensor {
  /**
   * The elements in row-major (C) order; the tensor is a view of this array, not a copy. float16
   * data is a Float16Array where the runtime has one, else a Uint16Array of the bit patterns, as
   * bfloat16 data always is.
   */
  readonly data: FloatArray;
  /** The size of each dim (frozen); [] for a 0-d tensor. */
  readonly shape: readonly number[];
  /** The element type: 'float32', 'float64', 'float16' or 'bfloat16'. */
  readonly dtype: Dtype;

  /**
   * Wraps `data` (not copied) with `shape`, by default 1-D. `dtype` is needed for a Uint16Array
   * (the bits of 'float16' or 'bfloat16' values); for other arrays it is their own, if given.
   *
   * @param data - A Float32Array, Float64Array, Float16Array, or a Uint16Array of half-precision bits.
   * @param shape - The shape; its product must be data's length. 1-D by default.
   * @param dtype - Required for a Uint16Array ('float16' or 'bfloat16'); else it must match data.
   * @throws TypeError for other arrays, a detached buffer or a dtype that does not match; RangeError
   *   for a shape that does not hold data's length.
   */
  constructor(data: FloatArray, shape?: readonly number[], dtype?: Dtype);
  /** @internal lib/'s own results, already checked (TRUSTED). */
  constructor(data: FloatArray, shape: readonly number[], dtype: Dtype, trusted: typeof TRUSTED);
  constructor(data: FloatArray, shape?: readonly number[], dtype?: Dtype, trusted?: typeof TRUSTED) {
    if (trusted === TRUSTED) {
      this.data = data;
      this.shape = shape!;
      this.dtype = dtype!;
      return;
    }
    const checkedDtype = tensorDtype(data, dtype);
    if (isDetached(data)) throw typeError('Tensor', 'the ArrayBuffer of data is detached');
    const length = lengthOf(data);
    const checked = shape === undefined ? [length] : checkShape('Tensor', 'shape', shape);
    if (numelOf(checked) !== length) {
      throw rangeError('Tensor', `shape ${formatShape(checked)} holds ${numelOf(checked)} elements, but data has ${length}`);
    }
    this.data = data;
    this.shape = Object.freeze(checked);
    this.dtype = checkedDtype;
  }

  /** The number of elements. */
  get numel(): number {
    return this.data.length;
  }

  /** The number of dimensions (0 for a scalar tensor). */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * The sum of all elements, or over one dim, in this tensor's dtype (as torch sums).
   *
   * @param dim - The dim to sum over, in [-ndim, ndim - 1]; all elements when omitted.
   * @returns A 0-d tensor, or this tensor's shape without `dim`.
   * @throws RangeError when dim is out of range (torch's message).
   */
  sum(dim?: number): Tensor {
    const result = dim === undefined ? sumAll(this) : sumOverDim(this, normalizeDim('Tensor.sum', dim, this.ndim));
    return result;
  }

  /**
   * The value of a one-element tensor.
   *
   * @returns The element as a number.
   * @throws RangeError when the tensor does not have exactly one element.
   */
  item(): number {
    if (this.numel !== 1) {
      throw rangeError('Tensor.item', `a Tensor with ${this.numel} elements cannot be converted to a number`);
    }
    return elementReader(this)(0);
  }

  /**
   * The elements as nested arrays of numbers.
   *
   * @returns Arrays nested as the shape (a number for a 0-d tensor).
   */
  toArray(): NestedArray {
    const read = elementReader(this);
    if (this.ndim === 0) return read(0);
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const size = this.shape[dim];
      const innerStride = stride / Math.max(size, 1);
      const out: NestedArray[] = new Array(size);
      for (let i = 0; i < size; i++) {
        out[i] = dim === this.ndim - 1 ? read(offset + i) : build(dim + 1, offset + i * innerStride, innerStride);
      }
      return out;
    };
    return build(0, 0, this.numel);
  }

  /**
   * PyTorch's print format (precision 4, summarised past 1000 elements).
   *
   * @returns E.g. `tensor([0.0900, 0.2447, 0.6652])`.
   */
  toString(): string {
    if (!isHalfDtype(this.dtype)) return formatTensor(this.data, this.shape, this.dtype);
    const values = new Float32Array(this.numel);
    castElements(values, 'float32', this.data, this.dtype);
    return formatTensor(values, this.shape, this.dtype);
  }

  /** What util.inspect and console.log print: the same as toString(). */
  [inspectSymbol](): string {
    return this.toString();
  }
}

/** The dtype of a Tensor's data, checked against the one the caller gave. */
function tensorDtype(data: unknown, dtype: unknown): Dtype {
  const given = dtype === undefined ? undefined : checkDtype('Tensor', 'dtype', dtype);
  const own = sourceDtypeOf(data);
  if (own === 'uint16') {
    if (given === 'float16' || given === 'bfloat16') return given;
    throw typeError('Tensor',
      `a Uint16Array holds the bits of float16 or bfloat16 values: pass dtype 'float16' or 'bfloat16'${given === undefined ? '' : ` (got '${given}')`}`);
  }
  if (own !== 'float32' && own !== 'float64' && own !== 'float16') {
    throw typeError('Tensor', `expected data to be a Float32Array, Float64Array, Float16Array or Uint16Array (with dtype), but got ${describe(data)}`);
  }
  if (given !== undefined && given !== own) {
    throw typeError('Tensor', `dtype '${given}' does not match data, a ${typedArrayName(data)} (dtype '${own}')`);
  }
  return own;
}

/** Element i of a tensor's data, as a number (half precision widened exactly). */
function elementReader(t: Tensor): (i: number) => number {
  if (isHalfDtype(t.dtype)) return halfElementReader(t.data, t.dtype);
  const data = t.data as ArrayLike<number>;
  return (i) => data[i];
}

/** A new tensor of `dtype` holding `values` (rounded once to it). */
function tensorOfValues(values: Float32Array | Float64Array, shape: readonly number[], dtype: Dtype): Tensor {
  if (!isHalfDtype(dtype)) return new Tensor(values, shape, dtype);
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = halfBitsFromNumber(values[i], dtype);
  return new Tensor(halfResultData(bits, dtype), shape, dtype);
}

// Sums accumulate in the tensor's dtype, as torch's do (float32 sums round to float32 at every
// add; half precision accumulates in float32 and rounds the result once), pairwise so that long
// reductions stay accurate.
const PAIRWISE_BASE = 8;

function pairwiseSum(read: (i: number) => number, start: number, stride: number, count: number, round: (x: number) => number): number {
  if (count <= PAIRWISE_BASE) {
    let total = 0;
    for (let i = 0; i < count; i++) total = round(total + read(start + i * stride));
    return total;
  }
  const half = Math.floor(count / 2);
  return round(pairwiseSum(read, start, stride, half, round) + pairwiseSum(read, start + half * stride, stride, count - half, round));
}

function roundingOf(dtype: Dtype): (x: number) => number {
  return dtype === 'float64' ? (x: number) => x : Math.fround;
}

/** The array sums accumulate into: float64 for float64 tensors, float32 for the others. */
function accumulator(dtype: Dtype, length: number): Float32Array | Float64Array {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

function sumAll(t: Tensor): Tensor {
  const out = accumulator(t.dtype, 1);
  out[0] = pairwiseSum(elementReader(t), 0, 1, t.numel, roundingOf(t.dtype));
  return tensorOfValues(out, [], t.dtype);
}

function sumOverDim(t: Tensor, dim: number): Tensor {
  const [outer, dimSize, inner] = splitAroundDim(t.shape, dim);
  const out = accumulator(t.dtype, outer * inner);
  const round = roundingOf(t.dtype);
  const read = elementReader(t);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[o * inner + i] = pairwiseSum(read, o * dimSize * inner + i, inner, dimSize, round);
  }
  return tensorOfValues(out, t.shape.filter((_, d) => d !== dim), t.dtype);
}

/** The options of {@link tensor}. */
export interface TensorOptions {
  /** The shape of the result; by default the nesting of `values` (or 1-D for a typed array). */
  shape?: readonly number[];
  /** 'float32' (the default, like torch.tensor of Python floats), 'float64', 'float16' or 'bfloat16'. */
  dtype?: Dtype;
}

/**
 * A new tensor holding a copy of `values`: nested arrays of numbers, a single number (0-d), or a
 * typed array. Typed arrays keep float64 when they are Float64Array and float16 when they are
 * Float16Array; other values become float32 unless options.dtype says otherwise (values are
 * rounded once to it, half precision to nearest even).
 *
 * @param values - Nested arrays of numbers, a number, or a typed array.
 * @param options - `shape` (by default the nesting) and `dtype` (see {@link TensorOptions}).
 * @returns A new tensor that owns its data.
 * @throws TypeError for values that are not numbers or arrays of them; RangeError for ragged nesting
 *   or a shape that does not hold the values.
 * @example
 * ```js
 * tensor([[1, 2], [3, 4]], { dtype: 'float64' }).toString(); // 'tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64)'
 * ```
 */
export function tensor(values: NestedArray | ArrayLike<number>, options?: TensorOptions): Tensor {
  const fn = 'tensor';
  const { shape: requestedShape, dtype: requestedDtype } = checkTensorOptions(fn, options);
  let dtype: Dtype = requestedDtype ?? 'float32';
  let data: FloatArray;
  let shape: number[];
  const sourceDtype = sourceDtypeOf(values);
  if (sourceDtype !== undefined) {
    if (isDetached(values as unknown as ArrayBufferView)) throw typeError(fn, 'the ArrayBuffer of values is detached');
    if (requestedDtype === undefined && (sourceDtype === 'float64' || sourceDtype === 'float16')) dtype = sourceDtype;
    const copy = new (kernelArrayConstructor(dtype))(lengthOf(values as unknown as ArrayBufferView));
    castElements(copy, dtype, values as unknown as SourceArray, sourceDtype);
    data = isHalfDtype(dtype) ? halfResultData(copy as Uint16Array, dtype) : copy;
    shape = [copy.length];
  } else if (typeof values === 'number' || Array.isArray(values)) {
    shape = nestedShape(fn, values);
    const numel = numelOf(shape);
    if (numel > maxElements(dtype)) throw rangeError(fn, `values hold ${numel} elements, more than a typed array can hold`);
    // Half precision rounds once, from the exact numbers: they go through float64.
    const flat = dtype === 'float32' ? new Float32Array(numel) : new Float64Array(numel);
    flattenInto(fn, values, flat);
    return tensorOfValues(flat, requestedShapeOr(fn, requestedShape, shape, numel), dtype);
  } else {
    throw typeError(fn, `expected values to be nested arrays of numbers, a number or a typed array, but got ${describe(values)}`);
  }
  return new Tensor(data, requestedShapeOr(fn, requestedShape, shape, lengthOf(data)), dtype);
}

/** options.shape when given (checked to hold `numel` elements), else the shape of the values. */
function requestedShapeOr(fn: string, requestedShape: number[] | undefined, shape: number[], numel: number): number[] {
  if (requestedShape === undefined) return shape;
  if (numelOf(requestedShape) !== numel) {
    throw rangeError(fn, `options.shape ${formatShape(requestedShape)} holds ${numelOf(requestedShape)} elements, but values have ${numel}`);
  }
  return requestedShape;
}

function checkTensorOptions(fn: string, options: TensorOptions | undefined): { shape?: number[]; dtype?: Dtype } {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw typeError(fn, `expected options to be an object, but got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'shape' && key !== 'dtype') throw typeError(fn, `unknown option '${key}' (known options: shape, dtype)`);
  }
  const result: { shape?: number[]; dtype?: Dtype } = {};
  if (options.shape !== undefined) result.shape = checkShape(fn, 'options.shape', options.shape);
  if (options.dtype !== undefined) result.dtype = checkDtype(fn, 'options.dtype', options.dtype);
  return result;
}

/** The shape of nested arrays, with torch's message for ragged ones. */
function nestedShape(fn: string, values: NestedArray): number[] {
  const shape: number[] = [];
  let level: unknown = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  const check = (value: unknown, dim: number, path: string): void => {
    if (dim === shape.length) {
      if (Array.isArray(value)) throw rangeError(fn, `expected a number at values${path}, but got an array (ragged nesting)`);
      return;
    }
    if (!Array.isArray(value)) {
      throw rangeError(fn, `expected a sequence of length ${shape[dim]} at dim ${dim} of values, but got ${describe(value)} at values${path}`);
    }
    if (value.length !== shape[dim]) {
      throw rangeError(fn, `expected a sequence of length ${shape[dim]} at dim ${dim} (got ${value.length}) at values${path}`);
    }
    for (let i = 0; i < value.length; i++) check(value[i], dim + 1, `${path}[${i}]`);
  };
  check(values, 0, '');
  return shape;
}

function flattenInto(fn: string, values: NestedArray, out: Float32Array | Float64Array): void {
  let index = 0;
  const visit = (value: NestedArray, path: string): void => {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) visit(value[i], `${path}[${i}]`);
      return;
    }
    if (typeof value !== 'number') throw typeError(fn, `expected a number at values${path}, but got ${describe(value)}`);
    out[index++] = value;
  };
  visit(values, '');
}
