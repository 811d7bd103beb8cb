// Typed-array facts read through the engine's own getters, so that proxies, subclasses with
// overridden properties and arrays from other realms are seen as what they really are.
import { constants as bufferConstants } from 'node:buffer';


import type { Float16Array } from './half.js';

/** The dtypes softmax computes in and returns. */
export type Dtype = 'float32' | 'float64' | 'float16' | 'bfloat16';
export type HalfDtype = 'float16' | 'bfloat16';
/**
 * The array of a float tensor: float16 as a Float16Array where the runtime has one, else (and for
 * bfloat16 always) a Uint16Array of the bit patterns.
 */
export type FloatArray = Float32Array | Float64Array | Float16Array | Uint16Array;
/** What the addon reads and writes: half precision as Uint16Array views of the bits. */
export type KernelArray = Float32Array | Float64Array | Uint16Array;

/** Element types softmax can compute in directly, or cast from with options.dtype. */
export type SourceDtype = Dtype | 'int8' | 'int16' | 'int32' | 'uint8' | 'uint16' | 'uint32' | 'uint8clamped';
export type SourceArray =
  | FloatArray | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Uint8ClampedArray;

const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

function intrinsicGetter<T>(name: PropertyKey): (this: unknown) => T {
  const descriptor = Object.getOwnPropertyDescriptor(typedArrayPrototype, name);
  if (descriptor?.get === undefined) throw new Error(`simd-softmax: %TypedArray%.prototype.${String(name)} is missing`);
  return descriptor.get as (this: unknown) => T;
}

// The getter returns the internal [[TypedArrayName]], or undefined for anything that is not a typed array.
const tagGetter = intrinsicGetter<string | undefined>(Symbol.toStringTag);
const lengthGetter = intrinsicGetter<number>('length');
const bufferGetter = intrinsicGetter<ArrayBufferLike>('buffer');
const byteOffsetGetter = intrinsicGetter<number>('byteOffset');

/** The typed array's class name ('Float32Array', 'BigInt64Array', ...), or undefined if value is none. */
export function typedArrayName(value: unknown): string | undefined {
  return tagGetter.call(value);
}

// This lookup and the next are switches, not objects keyed by name: V8 leaves a keyed load with a
// variable string key to its inline-cache stub, which took a measurable share of a [1, 10] call.

/** The dtype of a typed array softmax accepts, or undefined for other values (BigInt64Array, DataView, ...). */
export function sourceDtypeOf(value: unknown): SourceDtype | undefined {
  switch (tagGetter.call(value)) {
    case 'Float32Array': return 'float32';
    case 'Float64Array': return 'float64';
    case 'Float16Array': return 'float16';
    case 'Int8Array': return 'int8';
    case 'Int16Array': return 'int16';
    case 'Int32Array': return 'int32';
    case 'Uint8Array': return 'uint8';
    case 'Uint16Array': return 'uint16';
    case 'Uint32Array': return 'uint32';
    case 'Uint8ClampedArray': return 'uint8clamped';
    default: return undefined;
  }
}

/** The size of one element of this dtype, in bytes. */
export function bytesPerElement(dtype: SourceDtype): number {
  switch (dtype) {
    case 'float64': return 8;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'int16': case 'uint16': case 'float16': case 'bfloat16': return 2;
    default: return 1;
  }
}

export function isFloatDtype(dtype: SourceDtype): dtype is Dtype {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

export function isHalfDtype(dtype: SourceDtype): dtype is HalfDtype {
  return dtype === 'float16' || dtype === 'bfloat16';
}

export function lengthOf(array: ArrayBufferView): number {
  return lengthGetter.call(array);
}

export function bufferOf(array: ArrayBufferView): ArrayBufferLike {
  return bufferGetter.call(array);
}

export function byteOffsetOf(array: ArrayBufferView): number {
  return byteOffsetGetter.call(array);
}

const intrinsicSet = (typedArrayPrototype as { set: (this: ArrayBufferView, source: ArrayLike<number>) => void }).set;

/** target.set(source) by the engine's own method, whatever a subclass of target overrides. */
export function copyElements(target: ArrayBufferView, source: ArrayBufferView): void {
  intrinsicSet.call(target, source as unknown as ArrayLike<number>);
}

/** True when the array's ArrayBuffer was transferred or detached (Node 20 has no ArrayBuffer#detached). */
export function isDetached(array: ArrayBufferView): boolean {
  if (lengthGetter.call(array) !== 0) return false;
  const buffer = bufferGetter.call(array);
  if (buffer.byteLength !== 0) return false;
  const detached = (buffer as { detached?: unknown }).detached;
  if (typeof detached === 'boolean') return detached;
  // Viewing a detached buffer throws; an empty live one (of any realm, shared or not) does not.
  try {
    new Uint8Array(buffer);
    return false;
  } catch {
    return true;
  }
}

/** The constructor of the arrays the addon takes for this dtype (Uint16Array for half precision). */
export function kernelArrayConstructor(dtype: Dtype): Float32ArrayConstructor | Float64ArrayConstructor | Uint16ArrayConstructor {
  return dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : Uint16Array;
}

/** The largest element count a typed array of this dtype can have in this Node. */
export function maxElements(dtype: Dtype): number {
  // buffer.constants.MAX_LENGTH is the largest ArrayBuffer in bytes.
  return Math.floor(bufferConstants.MAX_LENGTH / bytesPerElement(dtype));
}
