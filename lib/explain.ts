// explain(): the plan the native core follows for a call, as a plain object.
import { describe, typeError } from './errors.js';
import { type Isa, LOG_SOFTMAX_KINDS, native, SOFTMAX_KINDS } from './native.js';
import { prepare, type SoftmaxOptions, type TensorLike } from './softmax.js';
import type { Dtype } from './typed-arrays.js';

/** The kernel that computes a call's lines (see docs/design.md, "Kernels and the planner"). */
export type KernelVariant =
  | 'rows.single_vector'
  | 'rows.three_pass'
  | 'rows.streamed'
  | 'rows.streamed_chunked'
  | 'columns.three_pass'
  | 'columns.streamed'
  | 'columns.chunked'
  | 'columns.chunked_streamed'
  | 'segments.rows'
  | 'segments.columns';

/** How a call's work is shared among threads. */
export type WorkSplit = 'none' | 'rows' | 'columns' | 'row_segments' | 'column_segments';

/** What explain() returns: how a call with these arguments runs, and why it runs that way. */
export interface ExecutionPlan {
  /** The function explained. */
  op: 'softmax' | 'logSoftmax';
  /** The dtype the call computes in (options.dtype, else the input's). */
  dtype: Dtype;
  /** The input seen as {outer, dimSize, inner}: dimSize elements reduced, at a stride of inner. */
  layout: {
    /** The product of the dims before dim. */
    outer: number;
    /** The size of dim. */
    dimSize: number;
    /** The product of the dims after dim. */
    inner: number;
  };
  /** The kernel set in use (see backend()). */
  isa: Isa;
  /** Small synchronous calls are copied through a staging area shared with the addon, on one thread. */
  staged: boolean;
  /** The kernel variant the planner chose. */
  variant: KernelVariant;
  /** 'narrow' where a set with two vector widths runs the narrower one (short rows, narrow columns). */
  width: 'wide' | 'narrow';
  /** Elements per vector of that width. */
  lanes: number;
  /** The output is too large to stay in cache: it is written once, past the caches where it can. */
  streamOutput: boolean;
  /** Streaming (non-temporal) stores are used. */
  streamedStores: boolean;
  /** How the work is split across threads. */
  split: WorkSplit;
  /** Threads that take part, the calling thread included. */
  threads: number;
  /** Chunks the threads share (per phase, for segment splits). */
  chunks: number;
  /** Segments per line where rows or reduced dims are split (1 otherwise). */
  segments: number;
}

/** explain()'s options: softmax's options, and which call to explain. */
export interface ExplainOptions extends SoftmaxOptions {
  /** The function to explain: 'softmax' (the default) or 'logSoftmax'. */
  op?: 'softmax' | 'logSoftmax';
  /** Explain the async form (softmaxAsync, logSoftmaxAsync), which may use fewer threads. */
  async?: boolean;
}

/**
 * How `softmax(input, dim, options)` (or `logSoftmax`, with `options.op`) would run on this machine
 * now: the kernel set, the planner's kernel variant, whether the output streams, and how the work is
 * split across threads. Nothing is computed.
 *
 * @param input - As for softmax.
 * @param dim - As for softmax.
 * @param options - softmax's options, plus `op` and `async` (see {@link ExplainOptions}).
 * @returns The plan, a plain object (see {@link ExecutionPlan}).
 * @throws TypeError and RangeError as softmax throws them for the same arguments.
 * @example
 * explain(new Float32Array(50257 * 32), -1) // for a [32 * 50257] input: rows.three_pass, ...
 */
export function explain(input: TensorLike, dim: number, options?: ExplainOptions): ExecutionPlan {
  let op: 'softmax' | 'logSoftmax' = 'softmax';
  let async = false;
  let softmaxOptions: SoftmaxOptions | undefined = options;
  if (options !== undefined && options !== null && typeof options === 'object' && ('op' in options || 'async' in options)) {
    const { op: requestedOp, async: requestedAsync, ...rest } = options;
    if (requestedOp !== undefined && requestedOp !== 'softmax' && requestedOp !== 'logSoftmax') {
      throw typeError('explain', `expected options.op to be 'softmax' or 'logSoftmax', but got ${describe(requestedOp)}`);
    }
    if (requestedAsync !== undefined && typeof requestedAsync !== 'boolean') {
      throw typeError('explain', `expected options.async to be a boolean, but got ${describe(requestedAsync)}`);
    }
    op = requestedOp ?? 'softmax';
    async = requestedAsync ?? false;
    softmaxOptions = rest;
  }
  const job = prepare('explain', op === 'softmax' ? SOFTMAX_KINDS : LOG_SOFTMAX_KINDS, input, dim, softmaxOptions);
  const staged = !async && job.staged;
  const plan = native.explain(job.kind, job.outer, job.dimSize, job.inner, job.outKernel ?? null, async);
  return {
    op,
    dtype: job.dtype,
    layout: { outer: job.outer, dimSize: job.dimSize, inner: job.inner },
    isa: plan.isa,
    staged,
    variant: plan.variant as KernelVariant,
    width: plan.width as 'wide' | 'narrow',
    lanes: plan.lanes,
    streamOutput: plan.streamOutput,
    streamedStores: plan.streamedStores,
    split: plan.split as WorkSplit,
    threads: plan.threads,
    chunks: plan.chunks,
    segments: plan.segments,
  };
}
