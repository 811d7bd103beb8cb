// float16 and bfloat16 in JS: bit patterns to numbers and back (round to nearest even, from the
// exact value, so that a cast rounds once), and Float16Array where the runtime has one. The addon
// always receives Uint16Array views of the bits (bitsView), whatever array the caller passed.
import {
  bufferOf, byteOffsetOf, copyElements, type Dtype, type HalfDtype, isHalfDtype, type KernelArray, lengthOf, type SourceArray,
  type SourceDtype, typedArrayName,
} from './typed-arrays.js';

/** A Float16Array (a global on Node 24+, Bun and Deno), declared here because the TypeScript lib this package targets predates it. */
export interface Float16Array extends ArrayBufferView {
  /** The number of elements. */
  readonly length: number;
  /** 2: the size of one element in bytes. */
  readonly BYTES_PER_ELEMENT: number;
  [index: number]: number;
}

type Float16ArrayConstructor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Float16Array;

/** The runtime's Float16Array, or undefined where it has none (Node 20 and 22). */
export const Float16ArrayClass = (globalThis as { Float16Array?: Float16ArrayConstructor }).Float16Array;

interface Layout {
  mantissaBits: number;
  bias: number;
  infinity: number; // the bits of +infinity
  overflow: number; // the smallest magnitude that rounds to infinity: (2 - 2^-(mantissaBits + 1)) * 2^(emax)
}

const LAYOUTS: Record<HalfDtype, Layout> = {
  float16: { mantissaBits: 10, bias: 15, infinity: 0x7c00, overflow: 65520 },
  bfloat16: { mantissaBits: 7, bias: 127, infinity: 0x7f80, overflow: (2 - 2 ** -8) * 2 ** 127 },
};

// float64 bits of a number, for its exponent.
const float64 = new Float64Array(1);
const float64High = new Uint32Array(float64.buffer, 4, 1);

/** x rounded to an integer, ties to even (x >= 0, x < 2^52). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 === 1 ? r - 1 : r;
}

/** The bits of `value` rounded once to nearest even in the format: overflow gives infinity, small values subnormals, NaN a quiet NaN. */
export function halfBitsFromNumber(value: number, dtype: HalfDtype): number {
  const { mantissaBits, bias, infinity, overflow } = LAYOUTS[dtype];
  if (Number.isNaN(value)) return infinity | (1 << (mantissaBits - 1));
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= overflow) return sign | infinity;
  const minNormalExponent = 1 - bias;
  if (magnitude < 2 ** minNormalExponent) {
    // Subnormal: a multiple of the smallest subnormal (it may round up to the smallest normal, whose bits follow on).
    return sign | roundHalfEven(magnitude * 2 ** (bias - 1 + mantissaBits));
  }
  // Normal: the exponent from the float64 bits, then the significand rounded to mantissaBits bits.
  float64[0] = magnitude;
  const exponent = ((float64High[0] >>> 20) & 0x7ff) - 1023;
  const significand = magnitude * 2 ** -exponent; // in [1, 2), exact
  // A carry out of the mantissa moves into the exponent field, as the encoding wants.
  return sign | (((exponent + bias) << mantissaBits) + roundHalfEven((significand - 1) * 2 ** mantissaBits));
}

/** The number a bit pattern encodes (exact: every half value is a float32). */
export function numberFromHalfBits(bits: number, dtype: HalfDtype): number {
  const { mantissaBits, bias } = LAYOUTS[dtype];
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits & 0x7fff) >>> mantissaBits;
  const mantissa = bits & ((1 << mantissaBits) - 1);
  if (exponent === (0x7fff >>> mantissaBits)) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** (1 - bias - mantissaBits);
  return sign * (1 + mantissa * 2 ** -mantissaBits) * 2 ** (exponent - bias);
}

// float16 bits to numbers through a table (made on first use: 256 KiB), the way readers of large
// results go fastest; bfloat16 is the top half of a float32.
let float16Table: Float32Array | undefined;
const float32Scratch = new Float32Array(1);
const float32ScratchBits = new Uint32Array(float32Scratch.buffer);

/** A reader of one format's bits: reader(bits) is the number they encode. */
export function halfReader(dtype: HalfDtype): (bits: number) => number {
  if (dtype === 'bfloat16') {
    return (bits) => {
      float32ScratchBits[0] = bits << 16;
      return float32Scratch[0];
    };
  }
  if (float16Table === undefined) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = numberFromHalfBits(bits, 'float16');
  }
  const table = float16Table;
  return (bits) => table[bits];
}

/** The Uint16Array of bits under a float16 or bfloat16 array (itself if it is one). */
export function bitsView(array: ArrayBufferView): Uint16Array {
  if (typedArrayName(array) === 'Uint16Array') return array as Uint16Array;
  // Sizes from the element count, not byteLength: some engines' native layers predate float16.
  return new Uint16Array(bufferOf(array), byteOffsetOf(array), lengthOf(array));
}

/** What a result of `dtype` holds for its caller: a Float16Array over the bits where the runtime has one, else the bits. */
export function halfResultData(bits: Uint16Array, dtype: HalfDtype): Uint16Array | Float16Array {
  if (dtype === 'float16' && Float16ArrayClass !== undefined) return new Float16ArrayClass(bits.buffer, bits.byteOffset, bits.length);
  return bits;
}

/**
 * Copies source into target, cast from sourceDtype to targetDtype as torch's .to(dtype) does:
 * values are read exactly and rounded once (half precision to nearest even).
 */
export function castElements(target: KernelArray, targetDtype: Dtype, source: SourceArray, sourceDtype: SourceDtype): void {
  if (targetDtype === sourceDtype) {
    copyElements(target, isHalfDtype(sourceDtype) ? bitsView(source) : source);
    return;
  }
  const length = lengthOf(target);
  const read: (i: number) => number = isHalfDtype(sourceDtype) ? halfElementReader(source, sourceDtype) : (i) => (source as ArrayLike<number>)[i];
  if (isHalfDtype(targetDtype)) {
    for (let i = 0; i < length; i++) target[i] = halfBitsFromNumber(read(i), targetDtype);
  } else if (isHalfDtype(sourceDtype)) {
    for (let i = 0; i < length; i++) target[i] = read(i);
  } else {
    copyElements(target, source);
  }
}

/** Element i of a half-precision array, as a number. */
export function halfElementReader(array: ArrayBufferView, dtype: HalfDtype): (i: number) => number {
  const bits = bitsView(array);
  const read = halfReader(dtype);
  return (i) => read(bits[i]);
}
