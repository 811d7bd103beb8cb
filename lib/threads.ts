// The size of the native thread pool, like torch.set_num_threads / torch.get_num_threads.
import { describe, rangeError, typeError } from './errors.js';
import { emitNativeWarnings, native } from './native.js';

const MAX_THREADS = 1024;

/**
 * Sets how many threads a large call may use, the calling thread included; 1 runs every call on
 * the calling thread. The pool is shared by the whole process (every worker_thread included). Its
 * initial size is SIMD_SOFTMAX_NUM_THREADS if set, else the number of cores this process may use.
 */
export function setNumThreads(threads: number): void {
  if (typeof threads !== 'number' || !Number.isInteger(threads)) {
    throw typeError('setNumThreads', `expected threads to be an integer, but got ${describe(threads)}`);
  }
  if (threads < 1 || threads > MAX_THREADS) {
    throw rangeError('setNumThreads', `expected threads to be in [1, ${MAX_THREADS}], but got ${threads}`);
  }
  native.setThreads(threads);
  emitNativeWarnings();
}

/** How many threads a large call may use, the calling thread included. */
export function getNumThreads(): number {
  return native.threads();
}
