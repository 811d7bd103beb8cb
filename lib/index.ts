// simd-softmax: torch.softmax and torch.log_softmax for Node.js, computed by a SIMD C++ core.
import { type Isa, native } from './native.js';

export { logSoftmax, logSoftmaxAsync, softmax, softmaxAsync } from './softmax.js';
export { getAsyncThreads, getNumThreads, setAsyncThreads, setNumThreads } from './threads.js';
export { explain } from './explain.js';
export type { ExecutionPlan, ExplainOptions, KernelVariant, WorkSplit } from './explain.js';
export type { OnnxTensorLike, SoftmaxOptions, TensorLike } from './softmax.js';
export type { CausalOption, MaskLike } from './job-options.js';
export { Tensor, tensor } from './tensor.js';
export type { NestedArray, TensorOptions } from './tensor.js';
export type { Dtype, FloatArray, SourceDtype } from './typed-arrays.js';
export type { Float16Array } from './half.js';
export type { Isa } from './native.js';

/** What {@link backend} reports: the native core's kernel sets, threads and version. */
export interface BackendInfo {
  /** The kernel set in use (SIMD_SOFTMAX_ISA can force one). */
  isa: Isa;
  /** The kernel sets this build has and this CPU can run, best first. */
  availableIsas: Isa[];
  /** Threads a large call may use, the calling thread included (see setNumThreads). */
  threads: number;
  /** Threads an async call may use (see setAsyncThreads). */
  asyncThreads: number;
  /** This package's version. */
  version: string;
}

const { version } = require('../package.json') as { version: string };

/**
 * Which kernel set and how many threads the native core uses.
 *
 * @returns The kernel set in use and those available, the threads of a call and of an async call,
 *   and the package's version.
 * @example
 * ```js
 * backend(); // { isa: 'avx512_bf16', availableIsas: ['avx512_bf16', 'avx512', 'avx2', 'scalar'], threads: 2, ... }
 * ```
 */
export function backend(): BackendInfo {
  return { isa: native.isa(), availableIsas: native.runnableIsas(), threads: native.threads(), asyncThreads: native.asyncThreads(), version };
}
