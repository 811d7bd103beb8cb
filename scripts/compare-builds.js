#!/usr/bin/env node
// Checks that two builds of the addon write bitwise the same outputs: this checkout's build and
// another one (`--base path/to/simd_softmax.node`, e.g. a build of the previous main). Both are
// loaded in one process and run the same corpus: random shapes over every layout (last dim, other
// dims, one row and many, sizes around the vector widths and the streaming thresholds), both ops
// and dtypes, inputs with special values, on 1 and 2 threads. Run once per kernel set (it re-runs
// itself with SIMD_SOFTMAX_ISA for every set this build and CPU can run).
//   node scripts/compare-builds.js --base /tmp/base/simd_softmax.node [--cases N] [--seed S]
'use strict';

const path = require('node:path');
const { spawnSync } = require('node:child_process');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const basePath = option('--base');
const currentPath = option('--current', path.join(__dirname, '..', 'build', 'Release', 'simd_softmax.node'));
const cases = Number(option('--cases', '400'));
const seed = Number(option('--seed', '1'));
if (!basePath) {
  console.error('usage: node scripts/compare-builds.js --base path/to/simd_softmax.node [--cases N] [--seed S]');
  process.exit(2);
}

if (!process.env.SIMD_SOFTMAX_ISA) {
  const current = require(path.resolve(currentPath));
  let failed = false;
  for (const isa of current.runnableIsas()) {
    const run = spawnSync(process.execPath, [__filename, ...args], { stdio: 'inherit', env: { ...process.env, SIMD_SOFTMAX_ISA: isa } });
    failed = failed || run.status !== 0;
  }
  process.exit(failed ? 1 : 0);
}

const base = require(path.resolve(basePath));
const current = require(path.resolve(currentPath));

// A small deterministic generator (mulberry32), so that a failure can be replayed by its seed.
function random(state) {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(seed);
const pick = (list) => list[Math.floor(rand() * list.length)];
const SPECIALS = [Infinity, -Infinity, NaN, 0, -0, 1e30, -1e30, 3.4e38, -3.4e38, -87, -104, 1e-40];

// Sizes around every vector width (1, 2, 4, 8, 16 lanes), unroll steps, panels and chunk sizes.
const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257,
  511, 512, 513, 1000, 1023, 1024, 1025, 2048, 4097, 5000];

function makeShape() {
  const kind = rand();
  if (kind < 0.35) return { outer: pick([1, 2, 3, 7, 64, 200]), dim: pick(SIZES), inner: 1 };
  if (kind < 0.7) return { outer: pick([1, 2, 5]), dim: pick(SIZES), inner: pick(SIZES) };
  if (kind < 0.8) return { outer: 1, dim: pick([40000, 70000, 300000]), inner: 1 };
  // Large enough to stream (>= 16 MiB of output) in some of their shapes.
  return pick([
    { outer: 4100, dim: 1030, inner: 1 }, { outer: 2, dim: 2100000, inner: 1 }, { outer: 1, dim: 4100, inner: 1030 },
    { outer: 3, dim: 300, inner: 4100 }, { outer: 2, dim: 70000, inner: 33 }, { outer: 1, dim: 600, inner: 7000 },
    { outer: 70000, dim: 9, inner: 7 }, { outer: 1, dim: 3000, inner: 2048 }, { outer: 600000, dim: 7, inner: 1 },
  ]);
}

function fill(array, specialRate) {
  const scale = pick([0.01, 1, 10, 100, 1000]);
  const offset = pick([0, 0, 50, -1000, 1e6]);
  for (let i = 0; i < array.length; i++) {
    array[i] = rand() < specialRate ? pick(SPECIALS) : offset + scale * (rand() * 2 - 1);
  }
}

// Bitwise, except that every NaN matches every NaN: which NaN operand an add or multiply passes on
// (its sign and payload) follows the operand order the compiler picks for a commutative
// instruction, which inlining may change; JavaScript reads every NaN as the same value.
function sameValues(a, b) {
  if (sameBits(a, b)) return true;
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) return false;
  }
  nanPayloadRuns++;
  return true;
}
let nanPayloadRuns = 0;
const sameBits = (a, b) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let compared = 0;
let elements = 0;
const mismatches = [];

// First the torch fixtures' inputs (cast to the output dtype where torch casts), then the random corpus.
const fixtureDir = path.join(__dirname, '..', 'test', 'fixtures');
const decode = (v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
let fixtureCases = 0;
for (const file of ['torch-special.json', 'torch-shapes.json', 'torch-random.json', 'torch-casts.json']) {
  for (const entry of JSON.parse(require('node:fs').readFileSync(path.join(fixtureDir, file), 'utf8')).cases) {
    if (!Array.isArray(entry.shape) || !Array.isArray(entry.input) || !['float32', 'float64'].includes(entry.output_dtype)) continue;
    const Ctor = entry.output_dtype === 'float32' ? Float32Array : Float64Array;
    const input = Ctor.from(entry.input.flat(Infinity).map(decode));
    const rank = entry.shape.length;
    const d = rank === 0 ? 0 : (entry.dim + rank) % rank;
    const outer = entry.shape.slice(0, d).reduce((a, b) => a * b, 1);
    const inner = entry.shape.slice(d + 1).reduce((a, b) => a * b, 1);
    const dimSize = rank === 0 ? 1 : entry.shape[d];
    if (outer * dimSize * inner !== input.length || input.length === 0) continue;
    const kind = (entry.op === 'log_softmax' ? 1 : 0) + 2 * (entry.output_dtype === 'float32' ? 0 : 1);
    const outBase = new Ctor(input.length);
    const outCurrent = new Ctor(input.length);
    base.run(kind, input, outBase, outer, dimSize, inner);
    current.run(kind, input, outCurrent, outer, dimSize, inner);
    fixtureCases++;
    compared++;
    elements += input.length;
    if (!sameValues(outBase, outCurrent)) mismatches.push(`fixture ${entry.id}`);
  }
}
for (let c = 0; c < cases; c++) {
  const { outer, dim, inner } = makeShape();
  const dtype = rand() < 0.6 ? 0 : 1;
  const op = rand() < 0.5 ? 0 : 1;
  const Ctor = dtype === 0 ? Float32Array : Float64Array;
  const n = outer * dim * inner;
  const input = new Ctor(n);
  fill(input, pick([0, 0, 0.001, 0.05]));
  // An odd offset into a larger buffer sometimes, so that the output's alignment varies.
  const shift = pick([0, 0, 1, 3]);
  const outBase = new Ctor(n + shift).subarray(shift);
  const outCurrent = new Ctor(n + shift).subarray(shift);
  for (const threads of [1, 2]) {
    base.setThreads(threads);
    current.setThreads(threads);
    base.run(op + 2 * dtype, input, outBase, outer, dim, inner);
    current.run(op + 2 * dtype, input, outCurrent, outer, dim, inner);
    compared++;
    elements += n;
    if (!sameValues(outBase, outCurrent)) {
      const at = outBase.findIndex((v, i) => !Object.is(v, outCurrent[i]));
      mismatches.push(`case ${c} ${op ? 'log_softmax' : 'softmax'} ${dtype ? 'float64' : 'float32'} [${outer}, ${dim}, ${inner}] shift ${shift} ` +
        `threads ${threads}: first at ${at}, ${outBase[at]} against ${outCurrent[at]}`);
    }
  }
}
console.log(`${process.env.SIMD_SOFTMAX_ISA}: ${fixtureCases} torch fixture cases and ${compared - fixtureCases} random runs, ${elements} elements compared, ${mismatches.length} differ ` +
  `(${nanPayloadRuns} runs the same but for NaN payloads)`);
for (const line of mismatches.slice(0, 20)) console.log(`  ${line}`);
process.exit(mismatches.length === 0 ? 0 : 1);
