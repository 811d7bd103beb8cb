#!/usr/bin/env node
// What an allocating call on [4096, 4096] float32 costs against one with `out=`, and the resident
// memory it leaves: rounds that alternate a loop of `out=` calls with a loop of allocating calls,
// then a collection. Run it with and without glibc's malloc settings to compare (README, Performance):
//   node --expose-gc bench/allocating.js
//   MALLOC_MMAP_THRESHOLD_=134217728 MALLOC_TRIM_THRESHOLD_=268435456 node --expose-gc bench/allocating.js
// Options: THREADS (default 1), ROUNDS (default 9), CALLS per loop (default 10).
'use strict';

const { softmax, setNumThreads } = require('..');

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc, so that resident memory is measured after a collection');
  process.exit(1);
}
const threads = Number(process.env.THREADS ?? 1);
const rounds = Number(process.env.ROUNDS ?? 9);
const calls = Number(process.env.CALLS ?? 10);
setNumThreads(threads);

const shape = [4096, 4096];
const data = new Float32Array(shape[0] * shape[1]).map((_, i) => Math.sin(i) * 3);
const input = { data, shape };
const out = new Float32Array(data.length);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0);
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

// The mean time of one call in a loop of `calls`, in milliseconds.
function loopMs(call) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) call();
  return Number(process.hrtime.bigint() - start) / 1e6 / calls;
}

const outMs = [];
const allocatingMs = [];
let peakRss = 0;
let kept;
for (let round = 0; round < rounds; round++) {
  outMs.push(loopMs(() => softmax(input, -1, { out })));
  allocatingMs.push(loopMs(() => { kept = softmax(input, -1); }));
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}
kept = undefined;
global.gc();
// Freed ArrayBuffer memory is released as the collection's sweep finishes; give it a moment.
setTimeout(() => {
  global.gc();
  const withOut = median(outMs);
  const allocating = median(allocatingMs);
  const setting = (name) => `${name}=${process.env[name] ?? '(unset)'}`;
  console.log(`threads ${threads}, ${rounds} rounds of ${calls} calls, ${setting('MALLOC_MMAP_THRESHOLD_')} ${setting('MALLOC_TRIM_THRESHOLD_')}`);
  console.log(`out= ${withOut.toFixed(2)} ms, allocating ${allocating.toFixed(2)} ms: ${(allocating / withOut).toFixed(2)}x`);
  console.log(`resident memory: ${mib(peakRss)} MiB at most after a round, ${mib(process.memoryUsage().rss)} MiB after a collection`);
}, 200);
