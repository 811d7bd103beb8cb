#!/usr/bin/env node
// How free the event loop stays while softmax runs on [4096, 4096] float32: the delay measured by
// perf_hooks.monitorEventLoopDelay and the gaps between 1 ms timer ticks, during back-to-back
// softmaxAsync calls, compared with back-to-back sync calls.
//   node tools/measure-event-loop.js
'use strict';

const { monitorEventLoopDelay } = require('node:perf_hooks');
const { softmax, softmaxAsync, getNumThreads } = require('..');

const shape = [4096, 4096];
const data = new Float32Array(shape[0] * shape[1]).map((_, i) => Math.sin(i) * 3);
const out = new Float32Array(data.length);
const CALLS = 40;

async function measure(label, runCalls) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = process.hrtime.bigint();
  let maxGapMs = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    maxGapMs = Math.max(maxGapMs, Number(now - last) / 1e6);
    last = now;
    ticks++;
  }, 1);
  histogram.enable();
  const start = process.hrtime.bigint();
  await runCalls();
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  histogram.disable();
  clearInterval(timer);
  console.log(`${label}: ${CALLS} calls in ${elapsedMs.toFixed(0)} ms (${(elapsedMs / CALLS).toFixed(1)} ms each); ` +
    `event-loop delay p50 ${(histogram.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(2)} ms, ` +
    `max ${(histogram.max / 1e6).toFixed(2)} ms; 1 ms timer fired ${ticks} times, largest gap ${maxGapMs.toFixed(1)} ms`);
}

(async () => {
  console.log(`[4096, 4096] float32 softmax with out=, ${getNumThreads()} threads`);
  await measure('softmaxAsync', async () => {
    for (let i = 0; i < CALLS; i++) await softmaxAsync({ data, shape }, 1, { out });
  });
  await measure('softmax (sync)', async () => {
    for (let i = 0; i < CALLS; i++) {
      softmax({ data, shape }, 1, { out });
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
})();
