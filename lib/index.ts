// simd-softmax: torch.softmax and torch.log_softmax for Node.js, computed by a SIMD C++ core.
import { native } from './native.js';

export { logSoftmax, softmax } from './softmax.js';
export type { SoftmaxOptions, TensorLike } from './softmax.js';
export { Tensor, tensor } from './tensor.js';
export type { NestedArray, TensorOptions } from './tensor.js';
export type { Dtype, FloatArray } from './typed-arrays.js';

export interface BackendInfo {
  /** The kernel set in use: 'avx2', 'neon' or 'scalar' (SIMD_SOFTMAX_ISA can force one). */
  isa: string;
  /** The kernel sets this build has and this CPU can run, best first. */
  availableIsas: string[];
  /** Threads the native core uses for one call. */
  threads: number;
  /** This package's version. */
  version: string;
}

const { version } = require('../package.json') as { version: string };

/** Which kernel set and how many threads the native core uses. */
export function backend(): BackendInfo {
  return { isa: native.isa(), availableIsas: native.runnableIsas(), threads: 1, version };
}
