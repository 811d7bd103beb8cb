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
export function referenceSoftmax(data: ArrayLike<number>, shape: readonly number[], dim: number, log: boolean): Float64Array {
  const rank = shape.length;
  const d = rank === 0 ? 0 : (dim + rank) % rank;
  let outer = 1;
  for (let i = 0; i < d; i++) outer *= shape[i];
  const dimSize = rank === 0 ? 1 : shape[d];
  let inner = 1;
  for (let i = d + 1; i < rank; i++) inner *= shape[i];
  const out = new Float64Array(data.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const at = (k: number) => o * dimSize * inner + k * inner + c;
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
    }
  }
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
