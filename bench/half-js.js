// What a Node user does with half-precision logits today, for the bench to measure against: widen
// the bit patterns to a Float32Array through a 65,536-entry table (as transformers.js does), and
// narrow float32 results back to bits with integer arithmetic (round to nearest even). Also the
// bench's check of half results: their distance in ulps from the float64 reference rounded once.
'use strict';

const { halfBitsFromNumber, numberFromHalfBits } = require('../dist/half.js');

const tables = {};

/** The float32 value of every 16-bit pattern of `dtype`. */
function widenTable(dtype) {
  if (tables[dtype] === undefined) {
    const table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) table[bits] = numberFromHalfBits(bits, dtype);
    tables[dtype] = table;
  }
  return tables[dtype];
}

/** out[i] = the float32 value of bits[i], through the table. */
function widen(bits, out, table) {
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
}

/** out[i] = values[i] rounded to nearest even as float16 or bfloat16 bits (values is a Float32Array). */
function narrow(values, out, dtype) {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  if (dtype === 'bfloat16') {
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      out[i] = (w & 0x7fffffff) > 0x7f800000 ? (w >>> 16) | 0x40 : (w + 0x7fff + ((w >>> 16) & 1)) >>> 16;
    }
    return;
  }
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const sign = (w >>> 16) & 0x8000;
    const magnitude = w & 0x7fffffff;
    if (magnitude > 0x7f800000) out[i] = sign | 0x7e00;
    else if (magnitude >= 0x38800000) {
      const rounded = magnitude - 0x38000000 + 0xfff + ((magnitude >>> 13) & 1);
      out[i] = sign | (rounded >= 0x0f800000 ? 0x7c00 : rounded >>> 13);
    } else {
      out[i] = sign | Math.round(Math.abs(values[i]) * 2 ** 24); // subnormal; ties are rare enough here
    }
  }
}

/** The largest distance, in ulps, of result bits from the reference rounded once (Infinity for a NaN mismatch). */
function maxUlps(bits, want, dtype) {
  const ordered = (b) => (b & 0x8000 ? -(b & 0x7fff) : b);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const target = halfBitsFromNumber(want[i], dtype);
    const nanGot = Number.isNaN(numberFromHalfBits(bits[i], dtype));
    const nanWant = Number.isNaN(want[i]);
    const distance = nanGot || nanWant ? (nanGot === nanWant ? 0 : Infinity) : Math.abs(ordered(bits[i]) - ordered(target));
    if (distance > worst) worst = distance;
  }
  return worst;
}

module.exports = { widenTable, widen, narrow, maxUlps };
