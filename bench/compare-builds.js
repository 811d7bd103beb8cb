#!/usr/bin/env node
// Speed of this checkout against another build (e.g. the previous main's), side by side in one
// process: both loaded, every bench case run through each in alternating rounds, on 1 and 2
// threads, out= preallocated. With --base-package, a built checkout of the other version, both go
// through the public API (softmax/logSoftmax with out=, as `npm run bench` times them); with
// --base, an addon file, both go through the addon's run() directly. Prints each case's median
// time per build and the ratio (previous / current: above 1 is faster now).
//   node bench/compare-builds.js --base-package /path/to/previous/checkout [--rounds 15] [--cases mid,cls]
//   node bench/compare-builds.js --base /path/to/previous/simd_softmax.node
'use strict';

const path = require('node:path');
const { CASES } = require('./cases.js');
const { gaussianArray } = require('./random.js');
const { median, splitAroundDim } = require('./stats.js');

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const basePath = option('--base');
const basePackage = option('--base-package');
if (!basePath && !basePackage) {
  console.error('usage: node bench/compare-builds.js --base-package path/to/checkout | --base path/to/simd_softmax.node [--rounds N] [--cases a,b]');
  process.exit(2);
}
const rounds = Number(option('--rounds', '15'));
const only = option('--cases', '').split(',').filter(Boolean);
// Each build as { setThreads(n), run(op, input, output, shape, dim, outer, dimSize, inner) }.
function addonBuild(file) {
  const addon = require(path.resolve(file));
  return {
    setThreads: (n) => addon.setThreads(n),
    run: (op, dtype, input, output, shape, dim, outer, dimSize, inner) =>
      addon.run(op + 2 * (dtype === 'float32' ? 0 : 1), input, output, outer, dimSize, inner),
  };
}
function packageBuild(folder) {
  const api = require(path.resolve(folder));
  return {
    setThreads: (n) => api.setNumThreads(n),
    run: (op, dtype, input, output, shape, dim) => (op ? api.logSoftmax : api.softmax)({ data: input, shape }, dim, { out: output }),
  };
}
const builds = basePackage
  ? { previous: packageBuild(basePackage), current: packageBuild(path.join(__dirname, '..')) }
  : { previous: addonBuild(basePath), current: addonBuild(path.join(__dirname, '..', 'build', 'Release', 'simd_softmax.node')) };

// Calls per timed sample: enough for about 2 ms of work.
function timeCalls(fn, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - start) / calls;
}

console.log('case            threads  previous us  current us  ratio');
const ratios = [];
for (const c of CASES.filter((entry) => only.length === 0 || only.includes(entry.name))) {
  const Ctor = c.dtype === 'float32' ? Float32Array : Float64Array;
  const numel = c.shape.reduce((a, b) => a * b, 1);
  const input = gaussianArray(Ctor, numel, 7);
  const [outer, dimSize, inner] = splitAroundDim(c.shape, c.dim < 0 ? c.shape.length + c.dim : c.dim);
  for (const op of [0, 1]) {
    for (const threads of [1, 2]) {
      const outputs = { previous: new Ctor(numel), current: new Ctor(numel) };
      const calls = Math.max(1, Math.round(2e6 / (numel * 1.5)));
      const samples = { previous: [], current: [] };
      for (const name of ['previous', 'current']) {
        builds[name].setThreads(threads);
        builds[name].run(op, c.dtype, input, outputs[name], c.shape, c.dim, outer, dimSize, inner);  // warm-up
      }
      for (let r = 0; r < rounds; r++) {
        for (const name of r % 2 === 0 ? ['previous', 'current'] : ['current', 'previous']) {
          builds[name].setThreads(threads);
          samples[name].push(timeCalls(() => builds[name].run(op, c.dtype, input, outputs[name], c.shape, c.dim, outer, dimSize, inner), calls));
        }
      }
      const previous = median(samples.previous) / 1e3;
      const current = median(samples.current) / 1e3;
      const ratio = previous / current;
      ratios.push(ratio);
      const label = `${c.name}${op ? ' log' : ''}`;
      console.log(`${label.padEnd(16)}${String(threads).padStart(7)}  ${previous.toFixed(2).padStart(11)}  ${current.toFixed(2).padStart(10)}  ${ratio.toFixed(3)}`);
    }
  }
}
console.log(`median ratio ${median(ratios).toFixed(3)}, lowest ${Math.min(...ratios).toFixed(3)}, over ${ratios.length} case/op/thread combinations`);
