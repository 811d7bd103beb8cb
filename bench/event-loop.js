#!/usr/bin/env node
// How free the event loop stays while async softmax work runs: back-to-back softmaxAsync calls on
// [4096, 4096] float32 (out=), against the loop with nothing running, alternately in one process.
// perf_hooks.monitorEventLoopDelay (resolution 1 ms) and a 1 ms interval timer run throughout; each
// window reports the delay's p99. Printed: the median over the alternations of the idle p99 and of
// the busy p99, for async calls on the default thread budget (setAsyncThreads('auto')) and on
// every thread of the pool (setAsyncThreads(getNumThreads())), and the calls' median time.
//   node bench/event-loop.js [--alternations 5] [--calls 40]
'use strict';

const { monitorEventLoopDelay } = require('node:perf_hooks');
const { getAsyncThreads, getNumThreads, setAsyncThreads, softmaxAsync } = require('..');

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const ALTERNATIONS = option('--alternations', 5);
const CALLS = option('--calls', 40);

const shape = [4096, 4096];
const data = new Float32Array(shape[0] * shape[1]).map((_, i) => Math.sin(i) * 3);
const out = new Float32Array(data.length);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// The event loop's p99 delay (ms) while `work` runs, with a 1 ms timer keeping the loop busy.
async function p99During(work) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const timer = setInterval(() => {}, 1);
  histogram.enable();
  const result = await work();
  histogram.disable();
  clearInterval(timer);
  return { p99: histogram.percentile(99) / 1e6, result };
}

async function backToBack() {
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await softmaxAsync({ data, shape }, 1, { out });
  return Number(process.hrtime.bigint() - start) / 1e6 / CALLS;
}

(async () => {
  const all = getNumThreads();
  const budgets = [['auto', 'auto'], ['all', all]];
  console.log(`[4096, 4096] float32 softmaxAsync, ${CALLS} back-to-back calls per window, ${ALTERNATIONS} alternations; pool ${all} threads`);
  const rows = budgets.map(([label]) => ({ label, idle: [], busy: [], callMs: [], threads: 0 }));
  for (let a = 0; a < ALTERNATIONS; a++) {
    for (let b = 0; b < budgets.length; b++) {
      setAsyncThreads(budgets[b][1]);
      rows[b].threads = getAsyncThreads();
      const idle = await p99During(() => sleep(CALLS * 8));
      const busy = await p99During(backToBack);
      rows[b].idle.push(idle.p99);
      rows[b].busy.push(busy.p99);
      rows[b].callMs.push(busy.result);
    }
  }
  setAsyncThreads('auto');
  for (const row of rows) {
    console.log(`async threads ${row.label} (${row.threads}): idle p99 ${median(row.idle).toFixed(2)} ms, busy p99 ` +
      `${median(row.busy).toFixed(2)} ms (+${(median(row.busy) - median(row.idle)).toFixed(2)}), ${median(row.callMs).toFixed(2)} ms a call`);
  }
})();
