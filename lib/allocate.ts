// Result arrays: allocated without a zero-filling pass where that pays, with huge-page advice for
// large ones (the addon gives it).
import { constants as bufferConstants } from 'node:buffer';

import { rangeError } from './errors.js';
import { native } from './native.js';
import { bytesPerElement, type Dtype, type KernelArray, kernelArrayConstructor } from './typed-arrays.js';

// Below this many bytes a zero-filled allocation is as cheap as an uninitialised one.
const UNINITIALIZED_ALLOCATION_BYTES = 4096;
// From this many bytes on, fresh results ask for huge pages: a fresh [4096, 4096] float32 result
// costs 16384 page faults otherwise, several times the softmax itself on this library's bench.
const HUGE_PAGE_ALLOCATION_BYTES = 8 << 20;

/**
 * A new array of `length` elements (half precision: their bits) whose contents are unspecified: large results skip the
 * zero-filling pass, since the kernel overwrites every element. When the memory cannot be had, a
 * RangeError from `fn` says how much was asked for.
 */
export function allocateUninitialized(fn: string, dtype: Dtype, length: number): KernelArray {
  const Ctor = kernelArrayConstructor(dtype);
  const bytes = length * bytesPerElement(dtype);
  try {
    if (bytes < UNINITIALIZED_ALLOCATION_BYTES) return new Ctor(length);
    const memory = Buffer.allocUnsafeSlow(bytes);
    if (bytes >= HUGE_PAGE_ALLOCATION_BYTES) native.preferHugePages(memory);
    return new Ctor(memory.buffer, memory.byteOffset, length);
  } catch (error) {
    const limit = bytes > bufferConstants.MAX_LENGTH ? `, more than the ${bufferConstants.MAX_LENGTH} bytes an ArrayBuffer can hold` : '';
    const reason = error instanceof Error ? error.message : String(error);
    throw rangeError(fn, `cannot allocate the result: ${length} ${dtype} elements (${bytes} bytes)${limit}: ${reason}`);
  }
}
