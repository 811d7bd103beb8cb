#!/usr/bin/env node
// `npm run test:soak [-- --seconds N --workers W]`: W worker_threads (default 4) make async calls of
// random shapes for N seconds (default 60), each result checked against a float64 reference; then
// every worker ends on its own and the process exits. Exits non-zero on a wrong result, a worker
// error or exit code, or a hang (a watchdog fires 60 s after the deadline).
'use strict';

const path = require('node:path');
const { Worker } = require('node:worker_threads');

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const seconds = option('--seconds', 60);
const workerCount = option('--workers', 4);
const deadline = Date.now() + seconds * 1000;
const watchdog = setTimeout(() => {
  console.error('soak: workers did not finish 60 s after the deadline (hang)');
  process.exit(1);
}, seconds * 1000 + 60000);

const packagePath = path.join(__dirname, '..', '..');
const runs = Array.from({ length: workerCount }, (_, id) => new Promise((resolve) => {
  const worker = new Worker(path.join(__dirname, 'soak-worker.js'), { workerData: { packagePath, id, deadline } });
  let report = { error: 'no report' };
  worker.on('message', (message) => { report = message; });
  worker.on('error', (error) => { report = { error: String(error && error.stack) }; });
  worker.on('exit', (code) => resolve({ id, code, ...report }));
}));

Promise.all(runs).then((reports) => {
  clearTimeout(watchdog);
  let ok = true;
  let calls = 0;
  for (const report of reports) {
    if (report.error !== undefined || report.code !== 0) {
      ok = false;
      console.error(`soak: worker ${report.id} exited with ${report.code}: ${report.error}`);
    }
    calls += report.calls ?? 0;
  }
  const elements = reports.reduce((total, report) => total + (report.elements ?? 0), 0);
  console.log(`soak: ${workerCount} workers, ${seconds} s: ${calls} async calls (${(elements / 1e6).toFixed(0)} M elements), all checked; ${ok ? 'clean shutdown' : 'FAILED'}`);
  process.exit(ok ? 0 : 1);
});
