#!/usr/bin/env node
// softmax on one thread, in a loop, for a few seconds: the median time per call. Run two copies at
// once to see what a second core gives this machine right now, independently of the thread pool:
//   node tools/measure-single-thread.js 8x32000 & node tools/measure-single-thread.js 8x32000; wait
'use strict';

const { softmax, setNumThreads } = require('..');

setNumThreads(1);
const [rows, length] = (process.argv[2] ?? '8x32000').split('x').map(Number);
const seconds = Number(process.argv[3] ?? 3);
const data = new Float32Array(rows * length).map((_, i) => Math.sin(i) * 3);
const out = new Float32Array(rows * length);
const input = { data, shape: [rows, length] };
const until = Date.now() + seconds * 1000;
const samples = [];
while (Date.now() < until) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) softmax(input, 1, { out });
  samples.push(Number(process.hrtime.bigint() - start) / 50e3);
}
samples.sort((a, b) => a - b);
console.log(`[${rows}, ${length}] pid ${process.pid}: median ${samples[samples.length >> 1].toFixed(1)} us per call`);
