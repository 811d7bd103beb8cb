// Every check of a value the caller passes, in one place (as sharp's lib/is.js): each throws a
// TypeError or RangeError that names the function, the argument and what was wrong.
import { describe, rangeError, typeError } from './errors.js';
import {
  bufferOf, byteOffsetOf, bytesPerElement, type Dtype, type FloatArray, isDetached, isHalfDtype, lengthOf, type SourceArray,
  type SourceDtype, sourceDtypeOf, typedArrayName,
} from './typed-arrays.js';

/** What checkOut needs of the input: its data, dtype and length. */
export interface InputData {
  data: SourceArray;
  dtype: SourceDtype;
  length: number;
}

/** A copy of `shape` after checking that every entry is a non-negative safe integer. */
export function checkShape(fn: string, name: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) {
    throw typeError(fn, `expected ${name} to be an array of non-negative integers, but got ${describe(shape)}`);
  }
  const result = new Array<number>(shape.length);
  for (let d = 0; d < shape.length; d++) {
    const size: unknown = shape[d];
    if (typeof size !== 'number' || !Number.isInteger(size)) {
      throw typeError(fn, `expected ${name}[${d}] to be a non-negative integer, but got ${describe(size)}`);
    }
    if (size < 0 || size > Number.MAX_SAFE_INTEGER) {
      throw rangeError(fn, `expected ${name}[${d}] to be a non-negative integer, but got ${size}`);
    }
    result[d] = size;
  }
  return result;
}

/** `dim` wrapped into [0, rank) (a 0-d tensor takes -1 and 0, as in torch), or a clear error. */
export function normalizeDim(fn: string, dim: unknown, rank: number): number {
  if (dim === undefined) {
    throw typeError(fn, `missing the required argument dim (an integer in [${-Math.max(rank, 1)}, ${Math.max(rank, 1) - 1}])`);
  }
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw typeError(fn, `expected dim to be an integer, but got ${describe(dim)}`);
  }
  const wrapRank = Math.max(rank, 1);
  if (dim < -wrapRank || dim >= wrapRank) {
    throw rangeError(fn, `Dimension out of range (expected to be in range of [${-wrapRank}, ${wrapRank - 1}], but got ${dim})`);
  }
  return dim < 0 ? dim + wrapRank : dim;
}

/** A dtype name softmax computes in. */
export function checkDtype(fn: string, name: string, dtype: unknown): Dtype {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'float16' && dtype !== 'bfloat16') {
    throw typeError(fn, `expected ${name} to be 'float32', 'float64', 'float16' or 'bfloat16', but got ${describe(dtype)}`);
  }
  return dtype;
}

// The element types an input's tag (onnxruntime's `type`, or `dtype`) may name, and the arrays each
// may hold: a tag is read whenever present, and must agree with its array.
const TAGGED_ARRAYS: Record<string, readonly string[]> = {
  float32: ['Float32Array'],
  float64: ['Float64Array'],
  float16: ['Uint16Array', 'Float16Array'],
  bfloat16: ['Uint16Array'],
  int8: ['Int8Array'],
  uint8: ['Uint8Array'],
  int16: ['Int16Array'],
  uint16: ['Uint16Array'],
  int32: ['Int32Array'],
  uint32: ['Uint32Array'],
};
// Tags of tensors softmax cannot take at all, and why.
const REFUSED_TAGS: Record<string, string> = {
  string: 'a string tensor holds no numbers',
  bool: 'a bool tensor has no softmax (torch refuses it too); convert it to numbers first',
  int64: 'int64 values do not fit a float exactly; convert the BigInt64Array to a Float64Array (or Float32Array) first',
  uint64: 'uint64 values do not fit a float exactly; convert the BigUint64Array to a Float64Array (or Float32Array) first',
  int4: 'packed 4-bit tensors are not supported',
  uint4: 'packed 4-bit tensors are not supported',
};

/**
 * The element type of tagged data (`tagName` is 'input.type' or 'input.dtype'): the tag itself,
 * after checking that it is one softmax takes and that the array holds that type.
 */
export function checkTaggedData(fn: string, tagName: string, tag: unknown, data: unknown): { data: SourceArray; dtype: SourceDtype; length: number } {
  if (typeof tag !== 'string') throw typeError(fn, `expected ${tagName} to be a dtype name, but got ${describe(tag)}`);
  const refused = Object.hasOwn(REFUSED_TAGS, tag) ? REFUSED_TAGS[tag] : undefined;
  if (refused !== undefined) throw typeError(fn, `${tagName} is '${tag}': ${refused}`);
  const arrays = Object.hasOwn(TAGGED_ARRAYS, tag) ? TAGGED_ARRAYS[tag] : undefined;
  if (arrays === undefined) {
    throw typeError(fn, `${tagName} '${tag}' is not a dtype softmax takes (known: ${Object.keys(TAGGED_ARRAYS).join(', ')})`);
  }
  const arrayName = typedArrayName(data);
  if (arrayName === undefined || !arrays.includes(arrayName)) {
    const got = arrayName === undefined ? describe(data) : `a ${arrayName}`;
    throw typeError(fn, `${tagName} is '${tag}', which is held in ${arrays.map((a) => `a ${a}`).join(' or ')}, but input.data is ${got}`);
  }
  const checked = checkData(fn, 'input.data', data);
  return { ...checked, dtype: tag as SourceDtype };
}

/** options.dtype (checked) and options.out (not yet checked), each read once. */
const KNOWN_OPTIONS = ['dtype', 'out', 'mask', 'causal', 'temperature', 'fullyMasked'];

/** options checked to be an object of known keys (or absent: {}), its dtype and out read. */
export function readOptions(fn: string, options: unknown): { requestedDtype?: Dtype; out?: unknown; all: Record<string, unknown> } {
  if (options === undefined || options === null) return { all: {} };
  if (typeof options !== 'object') throw typeError(fn, `expected options to be an object, but got ${describe(options)}`);
  for (const key in options) {
    if (!KNOWN_OPTIONS.includes(key)) throw typeError(fn, `unknown option '${key}' (known options: ${KNOWN_OPTIONS.join(', ')})`);
  }
  const { dtype, out } = options as { dtype?: unknown; out?: unknown };
  return { requestedDtype: dtype === undefined ? undefined : checkDtype(fn, 'options.dtype', dtype), out, all: options as Record<string, unknown> };
}

/** A typed array softmax can read (float, or integer to cast with options.dtype), its dtype and length. */
export function checkData(fn: string, name: string, data: unknown): { data: SourceArray; dtype: SourceDtype; length: number } {
  const dtype = sourceDtypeOf(data);
  if (dtype === undefined) {
    const kind = typedArrayName(data) ?? (ArrayBuffer.isView(data) ? 'DataView' : undefined);
    const got = kind === undefined ? describe(data) : `a ${kind}`;
    throw typeError(fn,
      `expected ${name} to be a Float32Array, Float64Array or Float16Array (or an integer typed array with options.dtype), but got ${got}`);
  }
  const length = lengthOf(data as ArrayBufferView);
  if (length === 0 && isDetached(data as ArrayBufferView)) {
    throw typeError(fn, `the ArrayBuffer of ${name} is detached (it was transferred or released)`);
  }
  return { data: data as SourceArray, dtype, length };
}

/** options.out, checked against the result's dtype and the input (length, overlap). */
export function checkOut(fn: string, out: unknown, dtype: Dtype, source: InputData): FloatArray {
  const expected = TAGGED_ARRAYS[dtype];
  const name = typedArrayName(out);
  if (name === undefined || !expected.includes(name)) {
    const bits = isHalfDtype(dtype) ? ' (of the bit patterns)' : '';
    throw typeError(fn, `expected options.out to be ${expected.map((a) => `a ${a}`).join(' or ')}${bits} (the result's dtype is ${dtype}), but got ${name === undefined ? describe(out) : `a ${name}`}`);
  }
  const outArray = out as FloatArray;
  const length = lengthOf(outArray);
  if (length === 0 && isDetached(outArray)) {
    throw typeError(fn, 'the ArrayBuffer of options.out is detached (it was transferred or released)');
  }
  if (length !== source.length) {
    throw rangeError(fn, `expected options.out to have ${source.length} elements (the input's), but it has ${length}`);
  }
  if (outArray !== source.data && overlapsWithoutAliasing(outArray, dtype, source)) {
    throw rangeError(fn,
      "options.out overlaps the input's memory without being the input's own array; pass the input's array (in place) or a separate one");
  }
  return outArray;
}

/** True when out shares bytes with the input but is not exactly the same view of the same dtype. */
function overlapsWithoutAliasing(out: FloatArray, dtype: Dtype, source: InputData): boolean {
  // Byte ranges first, as if both arrays were in one buffer: the engine's buffer getter is a call into
  // C++ (and moves a small array off V8's heap), so it runs only when the ranges alone cannot decide.
  const outStart = byteOffsetOf(out);
  const outEnd = outStart + source.length * bytesPerElement(dtype);
  const inStart = byteOffsetOf(source.data);
  const inEnd = inStart + source.length * bytesPerElement(source.dtype);
  if (outEnd <= inStart || inEnd <= outStart) return false;
  // The same bytes as the same dtype: in place if the buffer is shared, apart if not; fine either way.
  if (outStart === inStart && dtype === source.dtype) return false;
  return bufferOf(out) === bufferOf(source.data);
}

/** A thread count for setNumThreads: an integer in [1, maxThreads]. */
export function checkThreads(fn: string, threads: unknown, maxThreads: number): number {
  if (typeof threads !== 'number' || !Number.isInteger(threads)) {
    throw typeError(fn, `expected threads to be an integer, but got ${describe(threads)}`);
  }
  if (threads < 1 || threads > maxThreads) {
    throw rangeError(fn, `expected threads to be in [1, ${maxThreads}], but got ${threads}`);
  }
  return threads;
}
