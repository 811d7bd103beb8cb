// A worker_thread that loads the package, waits for the starting signal (so that all workers call
// at the same moment), then computes sync and async softmax and checks each against a float64
// reference it computes itself. Posts { ok, checked, isa } or { error }; with workerData.announce,
// first { started: true } once the pool's threads run.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { softmax, softmaxAsync, logSoftmax } = require(workerData.packagePath);

function reference(data, rows, length) {
  const out = new Float64Array(data.length);
  for (let r = 0; r < rows; r++) {
    let max = -Infinity;
    for (let i = 0; i < length; i++) max = Math.max(max, data[r * length + i]);
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Math.exp(data[r * length + i] - max);
    for (let i = 0; i < length; i++) out[r * length + i] = Math.exp(data[r * length + i] - max) / sum;
  }
  return out;
}

function check(got, want, label) {
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= 1e-5 * want[i] + 1e-30)) throw new Error(`${label}: [${i}] ${got[i]} != ${want[i]}`);
  }
}

async function main() {
  if (workerData.start) Atomics.wait(workerData.start, 0, 0);
  if (workerData.announce) {
    // A job large enough to start the pool's threads, then a message saying so.
    softmax(new Float32Array(1 << 17), 0);
    parentPort.postMessage({ started: true });
  }
  let checked = 0;
  for (let round = 0; round < workerData.rounds; round++) {
    const rows = 1 + ((round * 7 + workerData.id) % 40);
    const length = 1000 + round * 37;
    const data = new Float32Array(rows * length);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.1 + workerData.id + round) * 8;
    const want = reference(data, rows, length);
    check(softmax({ data, shape: [rows, length] }, 1).data, want, 'sync');
    check((await softmaxAsync({ data, shape: [rows, length] }, -1)).data, want, 'async');
    logSoftmax({ data, shape: [rows, length] }, 0);
    checked += 2;
  }
  parentPort.postMessage({ ok: true, checked });
}

main().catch((error) => parentPort.postMessage({ error: String(error && error.stack) }));
