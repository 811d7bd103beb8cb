// The size of the native thread pool, like torch.set_num_threads / torch.get_num_threads.
import { emitNativeWarnings, native } from './native.js';
import { checkThreads } from './validate.js';

/**
 * Sets how many threads a large call may use, the calling thread included; 1 runs every call on
 * the calling thread. The pool is shared by the whole process (every worker_thread included). Its
 * initial size is SIMD_SOFTMAX_NUM_THREADS if set, else the number of cores this process may use.
 */
/**
 * @param threads - An integer from 1 to the build's maximum (the RangeError names it).
 * @throws TypeError when threads is not a number; RangeError when it is not an integer in range.
 */
export function setNumThreads(threads: number): void {
  native.setThreads(checkThreads('setNumThreads', threads, native.protocol.maxThreads));
  emitNativeWarnings();
}

/**
 * How many threads a large call may use, the calling thread included.
 *
 * @returns The pool's size, as setNumThreads or SIMD_SOFTMAX_NUM_THREADS set it.
 */
export function getNumThreads(): number {
  return native.threads();
}

/**
 * Sets how many threads an async call (softmaxAsync, logSoftmaxAsync) may use, the libuv thread
 * that runs it included. 'auto' (the default) leaves one core to the JS thread, so that the event
 * loop keeps answering while async work runs: every usable core but one, at most getNumThreads().
 * A batch job that wants every core for its async calls can set getNumThreads() here.
 */
/**
 * @param threads - An integer from 1 to the build's maximum, or 'auto'.
 * @throws TypeError when threads is neither a number nor 'auto'; RangeError when it is out of range.
 */
export function setAsyncThreads(threads: number | 'auto'): void {
  native.setAsyncThreads(threads === 'auto' ? 0 : checkThreads('setAsyncThreads', threads, native.protocol.maxThreads));
}

/**
 * How many threads an async call may use now (see setAsyncThreads).
 *
 * @returns The threads of an async call, at most getNumThreads().
 */
export function getAsyncThreads(): number {
  return native.asyncThreads();
}
