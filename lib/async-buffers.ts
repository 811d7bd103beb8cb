// What keeps the memory an async call works on alive until it settles. The addon holds references
// to the arrays, but a reference does not stop the caller from transferring (detaching) an
// ArrayBuffer: its memory then belongs to the receiver and is freed when that is collected, while a
// pool thread may still be reading or writing it. So, for arrays the caller owns:
// - where the runtime lets us, the ArrayBuffer is pinned with worker_threads.markAsUntransferable:
//   postMessage and structuredClone then copy it instead of detaching it (a permanent mark);
// - where pinning does not stop a detach (ArrayBuffer.prototype.transfer ignores the mark on some
//   runtimes), and for resizable ArrayBuffers (which can shrink under the call), the call works on
//   copies the caller never sees and writes options.out when it settles.
// Arrays this library allocated for the call are unreachable by the caller until it settles.
import { markAsUntransferable } from 'node:worker_threads';
import { typeError } from './errors.js';
import { allocateUninitialized } from './allocate.js';
import {
  bufferOf, copyElements, type Dtype, isDetached, type KernelArray, lengthOf,
} from './typed-arrays.js';

interface TransferableBuffer {
  transfer?: (this: ArrayBuffer) => ArrayBuffer;
  resizable?: boolean;
  detached?: boolean;
}

/** Whether a pinned ArrayBuffer stays attached through every way this runtime has to detach one. */
function probePinning(): boolean {
  const probe = new ArrayBuffer(8);
  markAsUntransferable(probe);
  try {
    structuredClone(probe, { transfer: [probe] });
  } catch {
    // Newer runtimes refuse to transfer a pinned buffer: that is pinning working.
  }
  const transfer = (probe as TransferableBuffer).transfer;
  if (typeof transfer === 'function') {
    try {
      transfer.call(probe);
    } catch {
      // A refused transfer leaves the buffer attached.
    }
  }
  return probe.byteLength === 8;
}

/** How async calls protect the caller's buffers; `pinning` may be switched off by tests. */
export const asyncBufferPolicy = { pinning: probePinning() };

/** The arrays the addon works on during one async call, and how to finish it. */
export interface HeldBuffers {
  computeFrom: KernelArray;
  computeInto: KernelArray;
  /** Called after the addon settles successfully: copies into the caller's out if it worked on a copy. */
  finish(): void;
}

/** True when the array's memory can be taken from under an async call, even after pinning. */
function mustCopy(array: KernelArray): boolean {
  const buffer = bufferOf(array);
  // A SharedArrayBuffer is never detached and only ever grows.
  if (Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]') return false;
  if ((buffer as TransferableBuffer).resizable === true) return true;
  if (!asyncBufferPolicy.pinning) return true;
  markAsUntransferable(buffer);
  return false;
}

/**
 * Makes input (unless `inputIsOurs`) and `output` safe to use off the JS thread until the call
 * settles: pinned, or replaced by private copies.
 */
export function holdForAsync(fn: string, input: KernelArray, inputIsOurs: boolean, output: KernelArray, outputIsOurs: boolean,
  dtype: Dtype): HeldBuffers {
  const copyInput = !inputIsOurs && mustCopy(input);
  const copyOutput = !outputIsOurs && (input === output ? copyInput : mustCopy(output));
  let computeFrom = input;
  if (copyInput) {
    computeFrom = allocateUninitialized(fn, dtype, lengthOf(input));
    copyElements(computeFrom, input);
  }
  if (!copyOutput) return { computeFrom, computeInto: output, finish: () => {} };
  // In place on a copy stays in place on that copy; otherwise a private result array.
  const computeInto = input === output ? computeFrom : allocateUninitialized(fn, dtype, lengthOf(output));
  const finish = (): void => {
    // The caller's out may have been detached or shrunk meanwhile: then there is nowhere to write.
    if (lengthOf(output) !== lengthOf(computeInto)) {
      throw typeError(fn, `the ArrayBuffer of options.out was ${isDetached(output) ? 'detached' : 'resized'} while the call ran, so the result could not be written to it`);
    }
    copyElements(output, computeInto);
  };
  return { computeFrom, computeInto, finish };
}
