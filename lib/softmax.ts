// softmax and logSoftmax: every argument is checked first (validate.ts); the addon receives a plain job.
import { describe, rangeError, typeError } from './errors.js';
import { emitNativeWarnings, kindOf, LOG_SOFTMAX_KINDS, native, type OpKinds, SOFTMAX_KINDS } from './native.js';
import { bitsView, castElements, halfResultData } from './half.js';
import { formatShape, numelOf, splitAroundDim } from './shape.js';
import { type NestedArray, Tensor, tensor, TRUSTED } from './tensor.js';
import { checkData, checkOut, checkShape, checkTaggedData, normalizeDim, readOptions } from './validate.js';
import { holdForAsync } from './async-buffers.js';
import {
  type CausalOption, checkJobOptions, hasJobOptions, type MaskLike, type NativeJobOptions, readJobOptions,
} from './job-options.js';
import { allocateUninitialized } from './allocate.js';
import {
  bytesPerElement, copyElements, type Dtype, type FloatArray, isFloatDtype, isHalfDtype, type KernelArray, maxElements,
  type SourceArray, type SourceDtype,
} from './typed-arrays.js';

/**
 * An onnxruntime tensor (onnxruntime-node's or -web's `Tensor`), or anything shaped like one: `type`
 * names the element type ('float32', 'float16', ...; a float16 tensor's data is a Uint16Array of
 * bit patterns, or a Float16Array). Its data is checked at run time: string, bool and int64 tensors
 * get a TypeError.
 */
export interface OnnxTensorLike {
  /** The element type: 'float32', 'float64', 'float16', or an integer type (accepted with options.dtype). */
  readonly type: string;
  /** The elements, a typed array of the element type. */
  readonly data: unknown;
  /** The shape. */
  readonly dims: readonly number[];
}

/**
 * What softmax accepts as input: a {@link Tensor}; `{ data, shape, dtype? }` or `{ data, dims,
 * dtype? }` (data a typed array, any byte offset, SharedArrayBuffer too); an onnxruntime tensor; a
 * bare typed array (1-D); nested arrays of numbers or a number (made a float32 tensor first, as
 * torch.tensor makes Python floats float32). A `type` or `dtype` tag must agree with the array.
 */
export type TensorLike =
  | Tensor
  | {
    /** The elements in row-major order: a typed array, at any byte offset. */
    data: ArrayBufferView;
    /** The shape; its product must be data's length. */
    shape: readonly number[];
    /** A tag that must agree with data ('float16' or 'bfloat16' says what a Uint16Array holds). */
    dtype?: Dtype | SourceDtype;
  }
  | {
    /** The elements in row-major order: a typed array, at any byte offset. */
    data: ArrayBufferView;
    /** The shape (onnxruntime's name); its product must be data's length. */
    dims: readonly number[];
    /** A tag that must agree with data ('float16' or 'bfloat16' says what a Uint16Array holds). */
    dtype?: Dtype | SourceDtype;
  }
  | OnnxTensorLike
  | ArrayBufferView
  | NestedArray;

/** The options of {@link softmax}, {@link logSoftmax} and their async forms. All are optional. */
export interface SoftmaxOptions {
  /**
   * Cast the input to this dtype first and compute in it, as torch's dtype= argument does (the
   * values are rounded once; half precision to nearest even).
   */
  dtype?: Dtype;
  /**
   * Where to write the result: an array of the result's dtype (a Float32Array, a Float64Array; for
   * float16 a Float16Array or a Uint16Array of bit patterns; for bfloat16 a Uint16Array) and the
   * input's length. It may be the input's own array (in place), but must not partially overlap it.
   */
  out?: FloatArray;
  /**
   * Which elements take part, as torch.masked.softmax(input, dim, mask=mask) defines it (nonzero:
   * takes part): a Uint8Array of the input's length, or a mask tensor ({data: Uint8Array, shape},
   * an onnxruntime bool or uint8 tensor) broadcast to the input's shape by torch's rules (e.g. a
   * [S, S] mask over [B, H, S, S] scores, or a [B, 1, 1, S] padding mask). An element that takes no
   * part gives 0 (log-softmax: -inf).
   */
  mask?: MaskLike;
  /**
   * A causal mask over the last two dims (softmax over the last dim, rank >= 2): true keeps element
   * [..., i, j] where j <= i (torch's ones(L, S).tril()); {diagonal: k} keeps j <= i + k (with a KV
   * cache of P past positions, k = P). With mask, an element takes part where both allow it.
   */
  causal?: CausalOption;
  /**
   * The result of softmax(x / temperature): a finite number > 0, rounded to the dtype, each element
   * divided by it in that dtype, as torch computes x / T. 1 changes nothing.
   */
  temperature?: number;
  /**
   * What a slice none of whose elements takes part gives (masked out, past the causal bound, or
   * -inf): 'nan' (default; torch's softmax and masked softmax) or 'zero' (0; log-softmax -inf).
   */
  fullyMasked?: 'nan' | 'zero';
}

/**
 * torch.softmax(input, dim, dtype): e^(x - max) / sum along `dim`, with PyTorch 1.13's results for
 * every input, special values included (a NaN or +inf in a slice makes the slice NaN; -inf gives 0).
 *
 * @param input - The values: see {@link TensorLike}.
 * @param dim - The dim to normalise along, in [-rank, rank - 1]; negative counts from the end. A 0-d
 *   tensor takes -1 and 0.
 * @param options - dtype, out, mask, causal, temperature, fullyMasked: see {@link SoftmaxOptions}.
 * @returns A new {@link Tensor} of the input's shape (wrapping options.out when given), in the input's
 *   dtype or options.dtype.
 * @throws TypeError when an argument is the wrong kind of value (a string tensor, an integer array
 *   without options.dtype, an unknown option, a mask that is not bytes).
 * @throws RangeError when an argument has the wrong value: dim out of range (torch's message), an out
 *   array of the wrong length or overlapping the input, a mask shape that does not broadcast, a
 *   temperature that is not finite and > 0, an allocation that fails.
 * @example
 * ```js
 * const { softmax, tensor } = require('simd-softmax');
 * softmax(tensor([[2, 1, 0.1], [1, 3, 0.2]]), 1).toString();
 * // 'tensor([[0.6590, 0.2424, 0.0986],\n        [0.1131, 0.8360, 0.0508]])'
 * softmax(logits, -1, { temperature: 0.7 });                 // sampling logits
 * softmax(scores, -1, { causal: true, mask: { data: padding, shape: [B, 1, 1, S] } });
 * ```
 */
export function softmax(input: TensorLike, dim: number, options?: SoftmaxOptions): Tensor {
  return runSync(prepare('softmax', SOFTMAX_KINDS, input, dim, options));
}

/**
 * torch.log_softmax(input, dim, dtype): (x - max) - log(sum of e^(x - max)) along `dim`, with
 * PyTorch 1.13's results (an element that takes no part gives -inf).
 *
 * @param input - The values: see {@link TensorLike}.
 * @param dim - The dim to normalise along, in [-rank, rank - 1]; negative counts from the end.
 * @param options - As for {@link softmax}: see {@link SoftmaxOptions}.
 * @returns A new {@link Tensor} of the input's shape, in the input's dtype or options.dtype.
 * @throws TypeError and RangeError as {@link softmax} does.
 * @example
 * ```js
 * const { logSoftmax } = require('simd-softmax');
 * logSoftmax(new Float32Array([1, 2, 3]), 0).toString(); // 'tensor([-2.4076, -1.4076, -0.4076])'
 * ```
 */
export function logSoftmax(input: TensorLike, dim: number, options?: SoftmaxOptions): Tensor {
  return runSync(prepare('logSoftmax', LOG_SOFTMAX_KINDS, input, dim, options));
}

/**
 * {@link softmax} off the JS thread: the event loop stays free while it computes. The input and out
 * arrays are held until the promise settles, and their ArrayBuffers are marked untransferable
 * (postMessage and structuredClone copy them from then on); the result is unspecified if the caller
 * writes to them meanwhile. It uses at most {@link getAsyncThreads} threads.
 *
 * @param input - The values: see {@link TensorLike}.
 * @param dim - The dim to normalise along, in [-rank, rank - 1].
 * @param options - As for {@link softmax}; a mask is copied when the call is made.
 * @returns A promise of the {@link Tensor} softmax would return. Argument errors reject it (with the
 *   TypeError or RangeError softmax would throw) instead of throwing.
 * @example
 * ```js
 * const probs = await softmaxAsync({ data: logits, shape: [8, 32000] }, -1, { temperature: 0.8 });
 * ```
 */
export async function softmaxAsync(input: TensorLike, dim: number, options?: SoftmaxOptions): Promise<Tensor> {
  return runAsync(prepare('softmaxAsync', SOFTMAX_KINDS, input, dim, options));
}

/**
 * {@link logSoftmax} off the JS thread, as {@link softmaxAsync}.
 *
 * @param input - The values: see {@link TensorLike}.
 * @param dim - The dim to normalise along, in [-rank, rank - 1].
 * @param options - As for {@link softmax}.
 * @returns A promise of the {@link Tensor} logSoftmax would return; argument errors reject it.
 */
export async function logSoftmaxAsync(input: TensorLike, dim: number, options?: SoftmaxOptions): Promise<Tensor> {
  return runAsync(prepare('logSoftmaxAsync', LOG_SOFTMAX_KINDS, input, dim, options));
}

function runSync(job: PreparedJob): Tensor {
  if (job.staged) return runStaged(job);
  const { computeFrom, computeInto, result } = placeOutput(job);
  if (job.length > 0) {
    const options = job.options;
    if (options === null) {
      native.run(job.kind, computeFrom, computeInto, job.outer, job.dimSize, job.inner);
    } else {
      native.run(job.kind, computeFrom, computeInto, job.outer, job.dimSize, job.inner, options.mask, options.words);
    }
    // A call is when the pool starts its threads: report one that could not start.
    emitNativeWarnings();
  }
  return new Tensor(result, job.shape, job.dtype, TRUSTED);
}

async function runAsync(job: PreparedJob): Promise<Tensor> {
  const { computeFrom, computeInto, result } = placeOutput(job);
  if (job.length > 0) {
    // The caller's arrays are pinned or copied first, so that no thread touches memory freed meanwhile.
    const outIsCallers = job.out !== undefined;
    const held = holdForAsync(job.fn, computeFrom, computeFrom === computeInto && !outIsCallers, computeInto, !outIsCallers, job.dtype);
    const options = job.options;
    if (options === null) {
      await native.runAsync(job.kind, held.computeFrom, held.computeInto, job.outer, job.dimSize, job.inner);
    } else {
      // The mask is copied: the caller may change or transfer theirs while the call runs.
      const mask = options.mask === null ? null : options.mask.slice();
      await native.runAsync(job.kind, held.computeFrom, held.computeInto, job.outer, job.dimSize, job.inner, mask, options.words);
    }
    held.finish();
    emitNativeWarnings();
  }
  return new Tensor(result, job.shape, job.dtype, TRUSTED);
}

/**
 * The arrays the addon computes from and into (half precision: views of the bits), and the result's
 * data (the caller's out, else a new array; a Float16Array for float16 where the runtime has one).
 */
function placeOutput(job: PreparedJob): { computeFrom: KernelArray; computeInto: KernelArray; result: FloatArray } {
  const computeInto = job.outKernel ?? allocateUninitialized(job.fn, job.dtype, job.length);
  const result = job.out ?? (isHalfDtype(job.dtype) ? halfResultData(computeInto as Uint16Array, job.dtype) : computeInto);
  if (job.sourceDtype === job.dtype) return { computeFrom: kernelView(job.source, job.dtype), computeInto, result };
  // With a dtype that differs from the input's, cast into the output and compute there in place.
  castElements(computeInto, job.dtype, job.source, job.sourceDtype);
  return { computeFrom: computeInto, computeInto, result };
}

/** The array the addon takes for data of `dtype`: the data itself, or for half precision a Uint16Array view of its bits. */
function kernelView(data: ArrayBufferView, dtype: Dtype): KernelArray {
  return isHalfDtype(dtype) ? bitsView(data) : data as KernelArray;
}

// Small synchronous jobs go through a staging area shared with the addon (see runStaged in
// addon.cc): the job's layout goes into its header, the input is copied in (cast on the way if
// options.dtype asks), and the result copied out. The area is a SharedArrayBuffer, which cannot be
// detached, so the addon keeps its address from attachStaging on, under the id it returns.
const STAGING_BYTES = native.protocol.stagingBytes;
const STAGING_AREA = new SharedArrayBuffer(native.protocol.stagingAreaBytes);
const STAGING_ID = native.attachStaging(new Uint8Array(STAGING_AREA));
// kind, outer, dimSize, inner
const STAGING_LAYOUT = new Uint32Array(STAGING_AREA, 0, 4);
const STAGING_INPUT_OFFSET = native.protocol.stagingHeaderBytes;
const STAGING_OUTPUT_OFFSET = STAGING_INPUT_OFFSET + STAGING_BYTES;
const STAGING_INPUT = {
  float32: new Float32Array(STAGING_AREA, STAGING_INPUT_OFFSET, STAGING_BYTES / 4),
  float64: new Float64Array(STAGING_AREA, STAGING_INPUT_OFFSET, STAGING_BYTES / 8),
  bits: new Uint16Array(STAGING_AREA, STAGING_INPUT_OFFSET, STAGING_BYTES / 2),
};
// Views of the staging output with exactly `length` elements, made when first needed.
const stagingOutputViews32: Float32Array[] = [];
const stagingOutputViews64: Float64Array[] = [];
const stagingOutputViews16: Uint16Array[] = [];

function stagingOutput(dtype: Dtype, length: number): KernelArray {
  switch (dtype) {
    case 'float32': return (stagingOutputViews32[length] ??= new Float32Array(STAGING_AREA, STAGING_OUTPUT_OFFSET, length));
    case 'float64': return (stagingOutputViews64[length] ??= new Float64Array(STAGING_AREA, STAGING_OUTPUT_OFFSET, length));
    default: return (stagingOutputViews16[length] ??= new Uint16Array(STAGING_AREA, STAGING_OUTPUT_OFFSET, length));
  }
}

function stagingInput(dtype: Dtype): KernelArray {
  return dtype === 'float32' ? STAGING_INPUT.float32 : dtype === 'float64' ? STAGING_INPUT.float64 : STAGING_INPUT.bits;
}

function runStaged(job: PreparedJob): Tensor {
  const float32 = job.dtype === 'float32';
  if (job.sourceDtype === job.dtype && !isHalfDtype(job.dtype)) {
    copyElements(float32 ? STAGING_INPUT.float32 : STAGING_INPUT.float64, job.source);
  } else {
    castElements(stagingInput(job.dtype), job.dtype, job.source, job.sourceDtype);
  }
  STAGING_LAYOUT[0] = job.kind;
  STAGING_LAYOUT[1] = job.outer;
  STAGING_LAYOUT[2] = job.dimSize;
  STAGING_LAYOUT[3] = job.inner;
  native.runStaged(STAGING_ID);
  const staged = stagingOutput(job.dtype, job.length);
  let output: FloatArray;
  if (job.out !== undefined) {
    output = job.out;
    copyElements(job.outKernel!, staged);
  } else if (isHalfDtype(job.dtype)) {
    output = halfResultData(new Uint16Array(staged as Uint16Array), job.dtype);
  } else {
    // A new array copied from the staged result: one allocation and copy instead of two steps.
    output = float32 ? new Float32Array(staged as Float32Array) : new Float64Array(staged as Float64Array);
  }
  return new Tensor(output, job.shape, job.dtype, TRUSTED);
}

/** A validated call: what the addon computes, and the shape of the tensor it returns. */
export interface PreparedJob {
  fn: string; // the public function's name, for errors
  kind: number; // the op and dtype, as the addon takes them (OpKinds)
  staged: boolean; // a synchronous call goes through the staging area (runStaged)
  source: SourceArray; // the input's data
  sourceDtype: SourceDtype;
  out: FloatArray | undefined; // the caller's options.out, checked
  outKernel: KernelArray | undefined; // the same memory as the addon takes it (half precision: bits)
  dtype: Dtype; // the result's
  length: number;
  outer: number;
  dimSize: number;
  inner: number;
  shape: readonly number[]; // frozen
  options: NativeJobOptions | null; // mask, causal, temperature, fullyMasked; null when none changes the result
}

/** The input seen as data, its dtype, its shape and its element count. */
interface ResolvedInput {
  data: SourceArray;
  dtype: SourceDtype;
  shape: readonly number[]; // frozen, for the result
  // The same sizes in an array that is not frozen, for this call's own reads: V8's optimised code
  // reads the elements of a frozen array through its generic inline-cache stub.
  dims: readonly number[];
  length: number;
}

export function prepare(fn: string, kinds: OpKinds, input: TensorLike, dim: number, options: SoftmaxOptions | undefined): PreparedJob {
  // Every value the caller controls is read first (getters and proxies run here), and only then are
  // the buffers checked, so that no caller code can detach or swap a buffer after its check.
  const { requestedDtype, out, all } = readOptions(fn, options);
  const rawJobOptions = readJobOptions(fn, all);
  const source = resolveInput(fn, input);
  const shape = source.shape;
  const d = normalizeDim(fn, dim, shape.length);
  const dtype = resultDtype(fn, source.dtype, requestedDtype);
  const length = source.length;
  const checkedOut = out === undefined ? undefined : checkOut(fn, out, dtype, source);
  const [outer, dimSize, inner] = splitAroundDim(source.dims, d);
  const kind = kindOf(kinds, dtype);
  const jobOptions = hasJobOptions(rawJobOptions)
    ? checkJobOptions(fn, rawJobOptions, source.dims, d, dtype, checkedOut, native.protocol.maxMaskDims)
    : null;
  // Jobs with options take run()'s long form; the staging area carries only the layout.
  const staged = jobOptions === null && length > 0 && length * bytesPerElement(dtype) <= STAGING_BYTES;
  const outKernel = checkedOut === undefined ? undefined : kernelView(checkedOut, dtype);
  return {
    fn, kind, staged, source: source.data, sourceDtype: source.dtype, out: checkedOut, outKernel, dtype, length, outer, dimSize,
    inner, shape, options: jobOptions,
  };
}

function resolveInput(fn: string, input: TensorLike): ResolvedInput {
  if (Array.isArray(input) || typeof input === 'number') {
    // Nested numbers become a float32 tensor first, as torch.tensor of Python floats does.
    const t = tensor(input);
    return { data: t.data, dtype: t.dtype, shape: t.shape, dims: t.shape, length: t.numel };
  }
  if (ArrayBuffer.isView(input)) {
    const { data, dtype, length } = checkData(fn, 'input', input);
    const dims = [length];
    return { data, dtype, shape: frozenShape(dims), dims, length };
  }
  // A Tensor is checked like any {data, shape, dtype}: its properties can be reassigned.
  if (typeof input === 'object' && input !== null && 'data' in input) {
    const hasShape = 'shape' in input && input.shape !== undefined;
    const shapeName = hasShape ? 'input.shape' : 'input.dims';
    const rawShape: unknown = hasShape ? input.shape : (input as { dims?: unknown }).dims;
    const rawData: unknown = input.data;
    // The element type's tag, read whenever present: onnxruntime's `type`, else `dtype`.
    const tagName = 'type' in input ? 'input.type' : 'dtype' in input ? 'input.dtype' : undefined;
    const tag: unknown = tagName === 'input.type' ? (input as { type?: unknown }).type
      : tagName === 'input.dtype' ? (input as { dtype?: unknown }).dtype : undefined;
    if (rawShape === undefined) throw typeError(fn, 'expected input to have a shape (or dims) array next to its data');
    const shape = checkDims(fn, shapeName, rawShape);
    const { data, dtype, length } = tagName === undefined || tag === undefined
      ? checkData(fn, 'input.data', rawData)
      : checkTaggedData(fn, tagName, tag, rawData);
    const numel = numelOf(shape);
    if (numel !== length) {
      const limit = maxElements(isFloatDtype(dtype) ? dtype : 'float32');
      if (numel > limit) {
        throw rangeError(fn, `${shapeName} ${formatShape(shape)} describes ${numel} elements, more than a typed array can hold (${limit})`);
      }
      throw rangeError(fn, `${shapeName} ${formatShape(shape)} describes ${numel} elements, but input.data has ${length}`);
    }
    return { data, dtype, shape: frozenShape(shape), dims: shape, length };
  }
  throw typeError(fn,
    `expected input to be a Tensor, {data, shape}, {data, dims} (an onnxruntime tensor), a Float32Array/Float64Array/Float16Array or nested arrays of numbers, but got ${describe(input)}`);
}

// The shape last handed to a result, frozen, so that results of equal shape can share it and a loop
// of same-shaped calls skips freezing a new array each time; and a copy that is not frozen, to
// compare with (see ResolvedInput.dims).
let lastShape: readonly number[] = Object.freeze([]);
let lastDims: readonly number[] = [];

/** Whether `sizes` holds the same sizes as lastDims, each entry read once. */
function equalsLastDims(sizes: readonly unknown[]): boolean {
  const last = lastDims;
  let same = sizes.length === last.length;
  for (let d = 0; same && d < last.length; d++) same = sizes[d] === last[d];
  return same;
}

/** The checked sizes of a caller's shape: lastDims when equal to it (no new array), else a copy. */
function checkDims(fn: string, name: string, shape: unknown): readonly number[] {
  // Entries equal to checked sizes are valid sizes.
  if (Array.isArray(shape) && equalsLastDims(shape)) return lastDims;
  return checkShape(fn, name, shape);
}

/** A frozen array equal to `dims` (which stays as it is). */
function frozenShape(dims: readonly number[]): readonly number[] {
  if (dims === lastDims || equalsLastDims(dims)) return lastShape;
  lastDims = dims.slice();
  lastShape = Object.freeze(dims.slice());
  return lastShape;
}

function resultDtype(fn: string, sourceDtype: SourceDtype, requested: Dtype | undefined): Dtype {
  if (requested !== undefined) return requested;
  if (isFloatDtype(sourceDtype)) return sourceDtype;
  // A Uint16Array could be integers or half-precision bit patterns: refuse, and say how to say which.
  const bits = sourceDtype === 'uint16'
    ? "; if it holds float16 or bfloat16 bit patterns (as an onnxruntime float16 tensor's data does), pass {data, dims, type: 'float16'} (the onnxruntime tensor itself) or {data, shape, dtype: 'float16' | 'bfloat16'} instead"
    : '';
  throw typeError(fn,
    `input has dtype ${sourceDtype}, which ${fn} does not compute in; pass options.dtype ('float32', 'float64', 'float16' or 'bfloat16') to cast its integer values first, as torch's dtype= argument does${bits}`);
}

