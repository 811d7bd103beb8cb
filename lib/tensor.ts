// Tensor: a float32 or float64 typed array with a shape, printed the way torch prints.
import { describe, rangeError, typeError } from './errors.js';
import { formatTensor } from './format.js';
import { formatShape, numelOf, splitAroundDim } from './shape.js';
import { checkDtype, checkShape, normalizeDim } from './validate.js';
import {
  arrayConstructor, type Dtype, type FloatArray, isDetached, lengthOf, maxElements,
  sourceDtypeOf,
} from './typed-arrays.js';

/** Nested arrays of numbers, as `tensor()` takes them and `toArray()` returns them. */
export type NestedArray = number | NestedArray[];

const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * Lets lib/ wrap a result it has already validated (a float array of exactly numel elements and a
 * frozen, checked shape) without checking it again on every call. Not exported from the package.
 */
export const TRUSTED = Symbol('simd-softmax trusted tensor');

export class Tensor {
  /** The elements in row-major (C) order; the tensor is a view of this array, not a copy. */
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly dtype: Dtype;

  /** Wraps `data` (not copied) with `shape`, by default 1-D. */
  constructor(data: FloatArray, shape?: readonly number[], trusted?: typeof TRUSTED) {
    if (trusted === TRUSTED) {
      this.data = data;
      this.shape = shape!;
      this.dtype = data.BYTES_PER_ELEMENT === 4 ? 'float32' : 'float64';
      return;
    }
    const dtype = sourceDtypeOf(data);
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw typeError('Tensor', `expected data to be a Float32Array or Float64Array, but got ${describe(data)}`);
    }
    if (isDetached(data)) throw typeError('Tensor', 'the ArrayBuffer of data is detached');
    const length = lengthOf(data);
    const checked = shape === undefined ? [length] : checkShape('Tensor', 'shape', shape);
    if (numelOf(checked) !== length) {
      throw rangeError('Tensor', `shape ${formatShape(checked)} holds ${numelOf(checked)} elements, but data has ${length}`);
    }
    this.data = data;
    this.shape = Object.freeze(checked);
    this.dtype = dtype;
  }

  /** The number of elements. */
  get numel(): number {
    return this.data.length;
  }

  /** The number of dimensions (0 for a scalar tensor). */
  get ndim(): number {
    return this.shape.length;
  }

  /** The sum of all elements (a 0-d tensor), or over `dim` (that dim removed), in this tensor's dtype. */
  sum(dim?: number): Tensor {
    const result = dim === undefined ? sumAll(this) : sumOverDim(this, normalizeDim('Tensor.sum', dim, this.ndim));
    return result;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel !== 1) {
      throw rangeError('Tensor.item', `a Tensor with ${this.numel} elements cannot be converted to a number`);
    }
    return this.data[0];
  }

  /** The elements as nested arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    if (this.ndim === 0) return this.data[0];
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const size = this.shape[dim];
      const innerStride = stride / Math.max(size, 1);
      const out: NestedArray[] = new Array(size);
      for (let i = 0; i < size; i++) {
        out[i] = dim === this.ndim - 1 ? this.data[offset + i] : build(dim + 1, offset + i * innerStride, innerStride);
      }
      return out;
    };
    return build(0, 0, this.numel);
  }

  /** PyTorch's print format, e.g. `tensor([0.0900, 0.2447, 0.6652])`. */
  toString(): string {
    return formatTensor(this.data, this.shape, this.dtype);
  }

  [inspectSymbol](): string {
    return this.toString();
  }
}

// Sums accumulate in the tensor's dtype, as torch's do (float32 sums round to float32 at every
// add), pairwise so that long reductions stay accurate.
const PAIRWISE_BASE = 8;

function pairwiseSum(data: FloatArray, start: number, stride: number, count: number, round: (x: number) => number): number {
  if (count <= PAIRWISE_BASE) {
    let total = 0;
    for (let i = 0; i < count; i++) total = round(total + data[start + i * stride]);
    return total;
  }
  const half = Math.floor(count / 2);
  return round(pairwiseSum(data, start, stride, half, round) + pairwiseSum(data, start + half * stride, stride, count - half, round));
}

function roundingOf(dtype: Dtype): (x: number) => number {
  return dtype === 'float32' ? Math.fround : (x: number) => x;
}

function sumAll(t: Tensor): Tensor {
  const out = new (arrayConstructor(t.dtype))(1);
  out[0] = pairwiseSum(t.data, 0, 1, t.numel, roundingOf(t.dtype));
  return new Tensor(out, []);
}

function sumOverDim(t: Tensor, dim: number): Tensor {
  const [outer, dimSize, inner] = splitAroundDim(t.shape, dim);
  const out = new (arrayConstructor(t.dtype))(outer * inner);
  const round = roundingOf(t.dtype);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) out[o * inner + i] = pairwiseSum(t.data, o * dimSize * inner + i, inner, dimSize, round);
  }
  return new Tensor(out, t.shape.filter((_, d) => d !== dim));
}

export interface TensorOptions {
  /** The shape of the result; by default the nesting of `values` (or 1-D for a typed array). */
  shape?: readonly number[];
  /** 'float32' (the default, like torch.tensor of Python floats) or 'float64'. */
  dtype?: Dtype;
}

/**
 * A new tensor holding a copy of `values`: nested arrays of numbers, a single number (0-d), or a
 * typed array. Typed arrays keep float64 when they are Float64Array; other values become float32
 * unless options.dtype says otherwise.
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
    if (requestedDtype === undefined && sourceDtype === 'float64') dtype = 'float64';
    data = new (arrayConstructor(dtype))(values as ArrayLike<number>);
    shape = [data.length];
  } else if (typeof values === 'number' || Array.isArray(values)) {
    shape = nestedShape(fn, values);
    const numel = numelOf(shape);
    if (numel > maxElements(dtype)) throw rangeError(fn, `values hold ${numel} elements, more than a typed array can hold`);
    data = new (arrayConstructor(dtype))(numel);
    flattenInto(fn, values, data);
  } else {
    throw typeError(fn, `expected values to be nested arrays of numbers, a number or a typed array, but got ${describe(values)}`);
  }
  if (requestedShape !== undefined) {
    if (numelOf(requestedShape) !== data.length) {
      throw rangeError(fn, `options.shape ${formatShape(requestedShape)} holds ${numelOf(requestedShape)} elements, but values have ${data.length}`);
    }
    shape = requestedShape;
  }
  return new Tensor(data, shape);
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

function flattenInto(fn: string, values: NestedArray, out: FloatArray): void {
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
