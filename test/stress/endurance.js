#!/usr/bin/env node
// `npm run test:endurance [-- --scale S]`: hundreds of thousands of small calls and thousands of
// large sync and async calls, with the process's resident memory (RSS) and the memory V8 counts
// outside its heap (external: ArrayBuffers and what addons report) measured after full garbage
// collections between phases. Prints the figures; exits non-zero if a phase grows RSS by more than
// its allowance or external memory grows by more than 8 MiB. The allowances: 16 MiB for the small
// calls (a leak of 100 bytes per call would be 30 MiB), 32 MiB for the large sync calls and
// 100 MiB for the async ones, whose batches hold 20 results of 4 MiB at once, which malloc may
// keep. A leaked result per large call would be gigabytes.
//
// The script runs itself in a child with glibc's mmap threshold fixed at 1 MiB. By default glibc
// raises the threshold when a large mmapped block is freed, so later 4 MiB results come from the
// brk heap, and the freed ones stay resident there. The amount depends on how much garbage V8 lets
// pile up between collections: the async phase of fd6f08d grew RSS by 140-190 MiB in 3 of 8 runs
// (and once in CI on 698cae8), with external memory flat. With the threshold fixed, every phase of
// 10 runs stayed within 4 MiB.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const MMAP_THRESHOLD_BYTES = String(1024 * 1024);
if (process.env.MALLOC_MMAP_THRESHOLD_ !== MMAP_THRESHOLD_BYTES) {
  const child = spawnSync(process.execPath, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: MMAP_THRESHOLD_BYTES },
  });
  process.exit(child.status ?? 1);
}
const v8 = require('node:v8');
const vm = require('node:vm');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const { softmax, logSoftmax, softmaxAsync, logSoftmaxAsync } = require(path.join(__dirname, '..', '..'));

const scaleIndex = process.argv.indexOf('--scale');
const scale = scaleIndex > 0 ? Number(process.argv[scaleIndex + 1]) : 1;
const SMALL_CALLS = Math.round(300000 * scale);
const LARGE_CALLS = Math.round(2000 * scale);
const ALLOWED_EXTERNAL_GROWTH_MIB = 8;

/** RSS and external memory in MiB, after full collections. */
function memory() {
  for (let i = 0; i < 3; i++) gc();
  const usage = process.memoryUsage();
  return { rss: usage.rss / 2 ** 20, external: usage.external / 2 ** 20 };
}

function check(condition, what) {
  if (!condition) {
    console.error(`endurance: wrong result: ${what}`);
    process.exit(1);
  }
}

function smallCalls(small, smallOut) {
  for (let i = 0; i < SMALL_CALLS; i++) {
    const r = i % 3 === 0 ? softmax(small, 0) : i % 3 === 1 ? logSoftmax(small, 0, { out: smallOut }) : softmax([[1, 2, 3]], 1);
    if (i % 50000 === 0) check(r.data.length > 0 && Number.isFinite(r.data[0]), 'small call');
  }
}

function largeSyncCalls(large, large64, largeShape, expected) {
  for (let i = 0; i < LARGE_CALLS; i++) {
    const r = i % 2 ? softmax({ data: large, shape: largeShape }, 1) : logSoftmax({ data: large64, shape: largeShape }, 0);
    if (i % 500 === 1) check(r.data[12345] === expected[12345], 'large sync call');
  }
}

async function largeAsyncCalls(large, largeShape, expected) {
  for (let i = 0; i < LARGE_CALLS; i += 20) {
    const batch = [];
    for (let j = 0; j < 20; j++) {
      batch.push(j % 2 ? softmaxAsync({ data: large, shape: largeShape }, 1) : logSoftmaxAsync({ data: large, shape: largeShape }, 0));
    }
    const results = await Promise.all(batch);
    check(results[1].data[777] === expected[777], 'large async call');
  }
}

async function main() {
  const small = new Float32Array(10).map((_, i) => i * 0.3);
  const smallOut = new Float32Array(10);
  const largeShape = [256, 4096];
  const large = new Float32Array(largeShape[0] * largeShape[1]).map((_, i) => Math.sin(i * 0.01) * 5);
  const large64 = Float64Array.from(large);
  const expected = softmax({ data: large, shape: largeShape }, 1).data;

  // Warm-up: the pool's threads, V8's code and heap reach their working size.
  for (let i = 0; i < 20000; i++) softmax(small, 0);
  for (let i = 0; i < 50; i++) await softmaxAsync({ data: large, shape: largeShape }, 1);
  const figures = [['after warm-up', memory(), 0]];

  // Each phase is a function of its own, so that nothing it made stays reachable from this frame.
  smallCalls(small, smallOut);
  figures.push([`after ${SMALL_CALLS} small calls`, memory(), 16]);
  largeSyncCalls(large, large64, largeShape, expected);
  figures.push([`after ${LARGE_CALLS} large sync calls`, memory(), 32]);
  await largeAsyncCalls(large, largeShape, expected);
  figures.push([`after ${LARGE_CALLS} large async calls`, memory(), 100]);

  let ok = true;
  for (let i = 0; i < figures.length; i++) {
    const [label, { rss, external }, allowance] = figures[i];
    const growth = i === 0 ? 0 : rss - figures[i - 1][1].rss;
    const verdict = i === 0 ? '' : ` (+${growth.toFixed(1)} MiB, allowed ${allowance})`;
    if (growth > allowance) ok = false;
    console.log(`endurance: RSS ${rss.toFixed(1)} MiB, external ${external.toFixed(1)} MiB ${label}${verdict}`);
  }
  const externalGrowth = figures[figures.length - 1][1].external - figures[0][1].external;
  console.log(`endurance: external memory grew ${externalGrowth.toFixed(1)} MiB (allowed ${ALLOWED_EXTERNAL_GROWTH_MIB})`);
  if (externalGrowth > ALLOWED_EXTERNAL_GROWTH_MIB) ok = false;
  console.log(`endurance: ${ok ? 'memory flat' : 'MEMORY GREW'}`);
  process.exit(ok ? 0 : 1);
}

main();
