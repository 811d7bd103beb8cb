// Shared test helpers: fixtures, a seeded random generator, and float64 reference softmax.
import * as fs from 'node:fs';
import * as path from 'node:path';

// Globals hoisted once: inside jest's vm context every global lookup in a hot loop is slow.
const { abs, cos, exp, imul, log: ln, max: maxOf, sqrt, PI } = Math;
const { isNaN, isFinite } = Number;
const is = Object.is;

export type Encoded = number | 'nan' | 'inf' | '-inf';

export interface TorchCase {
  id: string;
  op: 'softmax' | 'log_softmax';
  shape: number[];
  dim: number;
  input_dtype: string;
  input: Encoded[];
  dtype?: 'float32' | 'float64';
  output_dtype?: 'float32' | 'float64';
  output?: Encoded[];
  error?: string;
}

export function loadFixture<T = TorchCase>(name: string): T[] {
  const file = path.join(__dirname, 'fixtures', `torch-${name}.json`);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { cases: T[] }).cases;
}

export function decode(value: Encoded): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return value;
}

/** True when two typed arrays hold the same bytes (NaN payloads included); fast for large arrays. */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

export const FLT_MIN = 2 ** -126;
export const DBL_MIN = 2 ** -1022;

/** Mulberry32: a small seeded generator, so every run tests the same inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller) from a uniform generator. */
export function normal(random: () => number): number {
  const u = maxOf(random(), 1e-300);
  return sqrt(-2 * ln(u)) * cos(2 * PI * random());
}

/** x - max as an unevaluated sum d + error, exactly (TwoSum): the reference must not round it. */
function exactDifference(x: number, max: number): [number, number] {
  const d = x - max;
  const maxPart = d - x;
  return [d, (x - (d - maxPart)) + (-max - maxPart)];
}

/**
 * softmax or log-softmax over `dim` of a row-major tensor, computed in float64 with x - max taken
 * exactly: any implementation rounds x - max (up to half an ulp, 5.7e-14 relative for differences
 * in [512, 1024)), and a reference that rounded it the same way would hide that error, or double it
 * for an implementation that rounds another, equally valid difference (a row split into segments).
 */
/**
 * line(at, dimSize) for every line of a row-major tensor along `dim` (negative counts from the end;
 * a 0-d tensor is one line of one element): element k of the line is at(k).
 */
export function forEachLine(shape: readonly number[], dim: number, line: (at: (k: number) => number, dimSize: number) => void): void {
  const rank = shape.length;
  const d = rank === 0 ? 0 : (dim + rank) % rank;
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  const dimSize = rank === 0 ? 1 : shape[d];
  let inner = 1;
  for (let i = d + 1; i < rank; i++) inner *= shape[i];
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) line((k) => o * dimSize * inner + k * inner + c, dimSize);
  }
}

export function referenceSoftmax(data: ArrayLike<number>, shape: readonly number[], dim: number, log: boolean): Float64Array {
  const out = new Float64Array(data.length);
  forEachLine(shape, dim, (at, dimSize) => {
    let max = -Infinity;
    let sawNaN = false;
    for (let k = 0; k < dimSize; k++) {
      const v = data[at(k)];
      if (isNaN(v)) sawNaN = true;
      else if (v > max) max = v;
    }
    // e^(x - max) = e^d * (1 + error); summed with Neumaier's compensation.
    const term = (k: number) => {
      const [difference, error] = exactDifference(data[at(k)], max);
      return exp(difference) * (1 + (isFinite(error) ? error : 0));
    };
    let sum = 0;
    let compensation = 0;
    for (let k = 0; k < dimSize; k++) {
      const t = term(k);
      const total = sum + t;
      compensation += abs(sum) >= abs(t) ? sum - total + t : t - total + sum;
      sum = total;
    }
    sum = sawNaN ? NaN : sum + compensation;
    const logSum = ln(sum);
    for (let k = 0; k < dimSize; k++) {
      if (log) {
        const [difference, error] = exactDifference(data[at(k)], max);
        out[at(k)] = (difference - logSum) + (isFinite(error) ? error : 0);
      } else {
        out[at(k)] = term(k) / sum;
      }
    }
  });
  return out;
}

export interface ErrorReport {
  maxRelative: number; // softmax, where the reference is a normal number
  maxLogError: number; // log-softmax: |got - ref| / max(1, |ref|)
  worst: string;
}

/**
 * Compares got with want, where want may be NaN, +-inf, 0 or subnormal. Special values and zeros
 * must match exactly; subnormal results within `subnormalSlack` units of the smallest subnormal
 * (plus 1e-5 relative);
 * normal ones are measured (relative for softmax, relative to max(1, |ref|) for log-softmax).
 * mismatches lists the first MAX_MISMATCHES, then how many more there were: a result wrong
 * everywhere in a 16 MiB output would otherwise make millions of strings (jest ran out of heap).
 */
const MAX_MISMATCHES = 50;

export function compare(got: ArrayLike<number>, want: ArrayLike<number>, dtype: 'float32' | 'float64', log: boolean,
  subnormalSlack = 2): ErrorReport & { mismatches: string[] } {
  const normalMin = dtype === 'float32' ? FLT_MIN : DBL_MIN;
  const denormMin = dtype === 'float32' ? 2 ** -149 : 2 ** -1074;
  const report = { maxRelative: 0, maxLogError: 0, worst: '', mismatches: [] as string[] };
  let unlisted = 0;
  const mismatch = (text: string) => {
    if (report.mismatches.length < MAX_MISMATCHES) report.mismatches.push(text); else unlisted++;
  };
  if (got.length !== want.length) mismatch(`length ${got.length} != ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    // NaN and infinities must match exactly, and so must softmax zeros (up to subnormal slack).
    // A log-softmax 0 is measured like any value: torch's float32 log(sum) rounds tiny values to 0.
    if (isNaN(w) || !isFinite(w) || (w === 0 && !log)) {
      if (!is(g, w) && !(w === 0 && abs(g) <= subnormalSlack * denormMin)) {
        mismatch(`[${i}] got ${g}, want ${w}`);
      }
      continue;
    }
    if (isNaN(g) || !isFinite(g)) {
      mismatch(`[${i}] got ${g}, want ${w}`);
      continue;
    }
    // Subnormal results: a few units of the smallest subnormal, plus the relative error that the
    // rounding of (x - max) carries into every result, however small.
    if (!log && abs(w) < normalMin) {
      if (abs(g - w) > subnormalSlack * denormMin + 1e-5 * abs(w)) mismatch(`[${i}] got ${g}, want subnormal ${w}`);
      continue;
    }
    if (log) {
      const e = abs(g - w) / maxOf(1, abs(w));
      if (e > report.maxLogError) { report.maxLogError = e; report.worst = `[${i}] got ${g}, want ${w}`; }
    } else {
      const e = abs(g - w) / abs(w);
      if (e > report.maxRelative) { report.maxRelative = e; report.worst = `[${i}] got ${g}, want ${w}`; }
    }
  }
  if (unlisted > 0) report.mismatches.push(`... and ${unlisted} more`);
  return report;
}

// ---- Half precision: an oracle independent of lib/half.ts ----

export type HalfDtype = 'float16' | 'bfloat16';

// Every non-negative finite pattern's value, in order, then the value where rounding overflows
// (2^(emax + 1)) standing for the infinity pattern; decoded by each format's definition.
const halfValues: Partial<Record<HalfDtype, Float64Array>> = {};
const INFINITY_BITS: Record<HalfDtype, number> = { float16: 0x7c00, bfloat16: 0x7f80 };

function valuesOf(dtype: HalfDtype): Float64Array {
  const cached = halfValues[dtype];
  if (cached !== undefined) return cached;
  const infinity = INFINITY_BITS[dtype];
  const values = new Float64Array(infinity + 1);
  const bits32 = new Uint32Array(1);
  const float32 = new Float32Array(bits32.buffer);
  for (let bits = 0; bits < infinity; bits++) {
    if (dtype === 'bfloat16') {
      bits32[0] = bits << 16; // the top half of a float32
      values[bits] = float32[0];
    } else {
      const exponent = bits >> 10;
      const mantissa = bits & 0x3ff;
      values[bits] = exponent === 0 ? mantissa * 2 ** -24 : (1024 + mantissa) * 2 ** (exponent - 25);
    }
  }
  values[infinity] = dtype === 'bfloat16' ? 2 ** 128 : 2 ** 16;
  halfValues[dtype] = values;
  return values;
}

/** The number a half-precision pattern encodes. */
export function halfValue(bits: number, dtype: HalfDtype): number {
  const magnitude = bits & 0x7fff;
  const infinity = INFINITY_BITS[dtype];
  if (magnitude > infinity) return NaN;
  const value = magnitude === infinity ? Infinity : valuesOf(dtype)[magnitude];
  return bits & 0x8000 ? -value : value;
}

/** `value` (a float64, taken as exact) rounded to nearest even in the format, by search. */
export function roundToHalf(value: number, dtype: HalfDtype): number {
  const infinity = INFINITY_BITS[dtype];
  if (isNaN(value)) return infinity | 1;
  const sign = value < 0 || is(value, -0) ? 0x8000 : 0;
  const magnitude = abs(value);
  const values = valuesOf(dtype);
  if (magnitude >= values[infinity]) return sign | infinity;
  let low = 0;
  let high = infinity; // values[low] <= magnitude < values[high]
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (values[middle] <= magnitude) low = middle; else high = middle;
  }
  const below = magnitude - values[low];
  const above = values[high] - magnitude;
  return sign | (below < above ? low : above < below ? high : (low % 2 === 0 ? low : high));
}

/** How many patterns apart two half-precision values are (0 for +0 and -0; Infinity if one is NaN and the other not). */
export function halfUlpDistance(a: number, b: number, dtype: HalfDtype): number {
  const infinity = INFINITY_BITS[dtype];
  const nanA = (a & 0x7fff) > infinity;
  const nanB = (b & 0x7fff) > infinity;
  if (nanA || nanB) return nanA && nanB ? 0 : Infinity;
  const ordered = (bits: number) => (bits & 0x8000 ? -(bits & 0x7fff) : bits);
  return abs(ordered(a) - ordered(b));
}

/**
 * The exact softmax (log-softmax) over `dim`, in float64, of half-precision values: NaN or +inf in
 * a line, or a line of only -inf, makes it NaN. log(sum) is log1p of the terms other than the max's
 * where the max is alone, so that results near 0 keep their bits (bfloat16 reaches 1e-38 there).
 */
export function exactHalfSoftmax(values: ArrayLike<number>, shape: readonly number[], dim: number, log: boolean): Float64Array {
  const out = new Float64Array(values.length);
  forEachLine(shape, dim, (at, dimSize) => {
    let max = -Infinity;
    let poisoned = false;
    for (let k = 0; k < dimSize; k++) {
      const v = values[at(k)];
      if (isNaN(v) || v === Infinity) poisoned = true;
      else if (v > max) max = v;
    }
    let atMax = 0;
    let rest = 0;
    for (let k = 0; k < dimSize; k++) {
      const v = values[at(k)];
      if (v === max) atMax++; else rest += exp(v - max);
    }
    const sum = atMax + rest;
    const logSum = atMax === 1 ? Math.log1p(rest) : ln(sum);
    for (let k = 0; k < dimSize; k++) {
      const v = values[at(k)];
      out[at(k)] = poisoned || max === -Infinity ? NaN : log ? (v - max) - logSum : exp(v - max) / sum;
    }
  });
  return out;
}

/** Every element of got (bit patterns) within `ulps` of the exact values rounded once; the first misses. */
export function halfMismatches(got: Uint16Array, exact: ArrayLike<number>, dtype: HalfDtype, ulps = 1): string[] {
  const misses: string[] = [];
  for (let i = 0; i < exact.length && misses.length < 20; i++) {
    const want = roundToHalf(exact[i], dtype);
    const infinite = (want & 0x7fff) === INFINITY_BITS[dtype];
    const distance = halfUlpDistance(got[i], want, dtype);
    if (infinite ? got[i] !== want : distance > ulps) {
      misses.push(`[${i}] got ${halfValue(got[i], dtype)} (0x${got[i].toString(16)}), exact ${exact[i]}`);
    }
  }
  return misses;
}
