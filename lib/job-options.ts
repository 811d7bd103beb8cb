// softmax's options beyond dtype and out: mask, causal, temperature and fullyMasked. They are read
// from the caller's object first (readJobOptions, getters run once), then checked against the input
// (checkJobOptions), which gives the addon a plain description: the mask's bytes and their broadcast
// layout, never expanded (see MaskLayout in binding/core/softmax_job.h).
import { describe, rangeError, typeError } from './errors.js';
import { halfBitsFromNumber, numberFromHalfBits } from './half.js';
import { formatShape, numelOf } from './shape.js';
import { checkShape } from './validate.js';
import {
  bufferOf, byteOffsetOf, type Dtype, isDetached, lengthOf, typedArrayName,
} from './typed-arrays.js';

/**
 * Which elements take part (a nonzero byte): a Uint8Array of the input's length, or a mask tensor
 * broadcast to the input: {data, shape}, or an onnxruntime tensor (its type 'bool' or 'uint8' and
 * its data a Uint8Array, checked at run time).
 */
export type MaskLike =
  | Uint8Array
  | {
    /** One byte per element of the mask's shape, row-major; nonzero: takes part. */
    data: Uint8Array;
    /** The mask's shape, broadcast to the input's by torch's rules. */
    shape: readonly number[];
    /** A tag, checked against the data when given. */
    dtype?: 'bool' | 'uint8';
  }
  | {
    /** One byte per element of the mask's shape, row-major; nonzero: takes part. */
    data: Uint8Array;
    /** The mask's shape (onnxruntime's name), broadcast to the input's by torch's rules. */
    dims: readonly number[];
    /** onnxruntime's element type: 'bool' or 'uint8'. */
    type?: 'bool' | 'uint8';
  }
  | {
    /** onnxruntime's element type, checked at run time: 'bool' or 'uint8'. */
    readonly type: string;
    /** The elements, checked at run time to be a Uint8Array. */
    readonly data: unknown;
    /** The mask's shape, broadcast to the input's by torch's rules. */
    readonly dims: readonly number[];
  };

/** The causal mask of the last two dims: true keeps j <= i; `{ diagonal: k }` keeps j <= i + k. */
export type CausalOption =
  | boolean
  | {
    /** Element [..., i, j] takes part where j <= i + diagonal (torch's tril(diagonal)); an integer. */
    diagonal: number;
  };

/** The options as read from the caller's object, each property once. */
export interface RawJobOptions {
  mask: { data: unknown; shape: unknown; shapeName: string } | undefined;
  causal: unknown;
  temperature: unknown;
  fullyMasked: unknown;
}

/** What the addon takes for a job with options (run's last two arguments). */
export interface NativeJobOptions {
  mask: Uint8Array | null;
  words: Float64Array;
}

/** The options' values from the caller's object (mask tensors' data and shape read here too). */
export function readJobOptions(fn: string, options: Record<string, unknown>): RawJobOptions {
  return {
    mask: readMask(fn, options.mask),
    causal: options.causal,
    temperature: options.temperature,
    fullyMasked: options.fullyMasked,
  };
}

function readMask(fn: string, mask: unknown): RawJobOptions['mask'] {
  if (mask === undefined || mask === null) return undefined;
  if (ArrayBuffer.isView(mask)) return { data: mask, shape: undefined, shapeName: '' };
  if (typeof mask !== 'object' || !('data' in mask)) {
    throw typeError(fn, `expected options.mask to be a Uint8Array or a {data: Uint8Array, shape} mask tensor, but got ${describe(mask)}`);
  }
  const hasShape = 'shape' in mask && (mask as { shape?: unknown }).shape !== undefined;
  const shape: unknown = hasShape ? (mask as { shape?: unknown }).shape : (mask as { dims?: unknown }).dims;
  const tagName = 'type' in mask ? 'type' : 'dtype' in mask ? 'dtype' : undefined;
  const tag: unknown = tagName === undefined ? undefined : (mask as Record<string, unknown>)[tagName];
  if (tag !== undefined && tag !== 'bool' && tag !== 'uint8') {
    throw typeError(fn, `expected options.mask.${tagName} to be 'bool' or 'uint8', but got ${describe(tag)}`);
  }
  if (shape === undefined) throw typeError(fn, 'expected options.mask to have a shape (or dims) array next to its data');
  return { data: (mask as { data: unknown }).data, shape, shapeName: hasShape ? 'options.mask.shape' : 'options.mask.dims' };
}

/** Whether any option asks for more than the plain softmax. */
export function hasJobOptions(raw: RawJobOptions): boolean {
  return raw.mask !== undefined || (raw.causal !== undefined && raw.causal !== false) || raw.temperature !== undefined
    || (raw.fullyMasked !== undefined && raw.fullyMasked !== 'nan');
}

/**
 * The options checked against the input (its shape, the softmax dim, the result's dtype and the memory
 * the result goes to), as the addon takes them; null when none changes the result.
 */
export function checkJobOptions(fn: string, raw: RawJobOptions, dims: readonly number[], dim: number, dtype: Dtype,
  output: ArrayBufferView | undefined, maxMaskDims: number): NativeJobOptions | null {
  const temperature = checkTemperature(fn, raw.temperature, dtype);
  const zero = checkFullyMasked(fn, raw.fullyMasked);
  const diagonal = checkCausal(fn, raw.causal, dims, dim);
  const mask = raw.mask === undefined ? undefined : checkMask(fn, raw.mask, dims, output);
  if (mask === undefined && diagonal === undefined && temperature === 1 && !zero) return null;
  const words = [temperature, zero ? 1 : 0, diagonal === undefined ? 0 : 1,
    diagonal === undefined ? 0 : Math.max(1, dims[dims.length - 2]), diagonal ?? 0];
  if (mask !== undefined) words.push(...maskLayoutWords(fn, mask.shape, dims, dim, maxMaskDims));
  return { mask: mask?.data ?? null, words: new Float64Array(words) };
}

/** The temperature rounded to the dtype (as torch rounds the divisor of x / T), 1 when absent. */
function checkTemperature(fn: string, temperature: unknown, dtype: Dtype): number {
  if (temperature === undefined) return 1;
  if (typeof temperature !== 'number') {
    throw typeError(fn, `expected options.temperature to be a finite number > 0, but got ${describe(temperature)}`);
  }
  if (!(temperature > 0 && temperature < Infinity)) {
    throw rangeError(fn, `expected options.temperature to be a finite number > 0, but got ${temperature}`);
  }
  const rounded = dtype === 'float64' ? temperature
    : dtype === 'float32' ? Math.fround(temperature)
      : numberFromHalfBits(halfBitsFromNumber(temperature, dtype), dtype);
  if (rounded === 0 || rounded === Infinity) {
    throw rangeError(fn, `options.temperature ${temperature} is ${rounded} in ${dtype}, the dtype it divides in; pass a temperature that ${dtype} holds, or compute in a wider dtype (options.dtype)`);
  }
  return rounded;
}

function checkFullyMasked(fn: string, fullyMasked: unknown): boolean {
  if (fullyMasked === undefined || fullyMasked === 'nan') return false;
  if (fullyMasked === 'zero') return true;
  throw typeError(fn, `expected options.fullyMasked to be 'nan' or 'zero', but got ${describe(fullyMasked)}`);
}

/** The causal diagonal, or undefined without causal. */
function checkCausal(fn: string, causal: unknown, dims: readonly number[], dim: number): number | undefined {
  if (causal === undefined || causal === false) return undefined;
  let diagonal: unknown = 0;
  if (causal !== true) {
    if (typeof causal !== 'object' || causal === null || !('diagonal' in causal)) {
      throw typeError(fn, `expected options.causal to be true, false or {diagonal: integer}, but got ${describe(causal)}`);
    }
    diagonal = (causal as { diagonal: unknown }).diagonal;
    if (typeof diagonal !== 'number' || !Number.isInteger(diagonal)) {
      throw typeError(fn, `expected options.causal.diagonal to be an integer, but got ${describe(diagonal)}`);
    }
    if (Math.abs(diagonal) > Number.MAX_SAFE_INTEGER / 2) {
      throw rangeError(fn, `expected options.causal.diagonal to be a safe integer, but got ${diagonal}`);
    }
  }
  if (dims.length < 2 || dim !== dims.length - 1) {
    throw rangeError(fn, `options.causal needs the softmax over the last dim of an input of rank 2 or more (a [..., L, S] tensor), but got dim ${dim} of shape ${formatShape(dims)}`);
  }
  return diagonal as number;
}

/** The mask's bytes and shape (the input's when a bare Uint8Array), checked against the input. */
function checkMask(fn: string, raw: NonNullable<RawJobOptions['mask']>, dims: readonly number[],
  output: ArrayBufferView | undefined): { data: Uint8Array; shape: readonly number[] } {
  const name = raw.shape === undefined ? 'options.mask' : 'options.mask.data';
  const data = raw.data;
  if (typedArrayName(data) !== 'Uint8Array') {
    const kind = typedArrayName(data);
    throw typeError(fn, `expected ${name} to be a Uint8Array (nonzero: the element takes part), but got ${kind === undefined ? describe(data) : `a ${kind}`}`);
  }
  const bytes = data as Uint8Array;
  const length = lengthOf(bytes);
  if (length === 0 && isDetached(bytes)) throw typeError(fn, `the ArrayBuffer of ${name} is detached (it was transferred or released)`);
  const inputNumel = numelOf(dims);
  let shape: readonly number[];
  if (raw.shape === undefined) {
    if (length !== inputNumel) {
      throw rangeError(fn, `options.mask has ${length} elements but the input ${formatShape(dims)} has ${inputNumel}; a bare Uint8Array mask has the input's shape, so pass {data, shape} to broadcast a smaller one`);
    }
    shape = dims;
  } else {
    shape = checkShape(fn, raw.shapeName, raw.shape);
    if (numelOf(shape) !== length) {
      throw rangeError(fn, `${raw.shapeName} ${formatShape(shape)} describes ${numelOf(shape)} elements, but options.mask.data has ${length}`);
    }
    checkBroadcast(fn, shape, dims);
  }
  if (output !== undefined && overlaps(bytes, output)) {
    throw rangeError(fn, `${name} shares memory with the array the result is written to; pass a mask in memory of its own`);
  }
  return { data: bytes, shape };
}

/** torch's broadcasting: right-aligned, each mask dim equal to the input's or 1. */
function checkBroadcast(fn: string, shape: readonly number[], dims: readonly number[]): void {
  const fail = (why: string): never => {
    throw rangeError(fn, `options.mask of shape ${formatShape(shape)} does not broadcast to the input's shape ${formatShape(dims)}: ${why}`);
  };
  if (shape.length > dims.length) fail(`it has ${shape.length} dims, the input ${dims.length}`);
  for (let j = 0; j < shape.length; j++) {
    const i = dims.length - shape.length + j;
    if (shape[j] !== 1 && shape[j] !== dims[i]) fail(`its dim ${j} is ${shape[j]} where the input has ${dims[i]} (each must be equal or 1)`);
  }
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (bufferOf(a) !== bufferOf(b)) return false;
  const aStart = byteOffsetOf(a), bStart = byteOffsetOf(b);
  return aStart < bStart + b.byteLength && bStart < aStart + a.byteLength;
}

/**
 * The layout words of run(): dimStride, then the outer dims and the inner dims (count, sizes,
 * strides), each run of dims merged where the mask moves through it as through one dim.
 */
function maskLayoutWords(fn: string, shape: readonly number[], dims: readonly number[], dim: number, maxMaskDims: number): number[] {
  // The mask's byte stride along each input dim: 0 where it broadcasts.
  const strides = new Array<number>(dims.length).fill(0);
  let dense = 1;
  for (let j = shape.length - 1; j >= 0; j--) {
    const i = dims.length - shape.length + j;
    strides[i] = shape[j] === 1 ? 0 : dense;
    dense *= shape[j];
  }
  const merged = (from: number, to: number): number[] => {
    const sizes: number[] = [], steps: number[] = [];
    for (let i = from; i < to; i++) {
      if (dims[i] === 1) continue;
      const last = sizes.length - 1;
      // A dim merges into the one before it when stepping through both is one stride.
      if (last >= 0 && steps[last] === strides[i] * dims[i]) {
        sizes[last] *= dims[i];
        steps[last] = strides[i];
      } else {
        sizes.push(dims[i]);
        steps.push(strides[i]);
      }
    }
    if (sizes.length > maxMaskDims) {
      throw rangeError(fn, `options.mask broadcasts in a pattern of more than ${maxMaskDims} alternating dims around dim ${dim}; expand it along some of them first`);
    }
    return [sizes.length, ...sizes, ...steps];
  };
  if (dims.length === 0) return [0, 0, 0];
  return [dims[dim] === 1 ? 0 : strides[dim], ...merged(0, dim), ...merged(dim + 1, dims.length)];
}
