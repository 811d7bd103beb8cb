// What must hold under every runtime the package supports (Node 18-26, Bun, Deno): run by
// scripts/test-runtimes.js with each runtime's own binary. Plain assertions and CommonJS, so that
// it needs no test framework and no TypeScript. Prints `checks: N` at the end; throws on a failure.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const ROOT = path.join(__dirname, '..', '..');
const simd = require(ROOT);
const { logSoftmax, logSoftmaxAsync, setNumThreads, getNumThreads, softmax, softmaxAsync } = simd;

let checks = 0;
const check = (condition, message) => {
  assert.ok(condition, message);
  checks++;
};

// ---- The torch 1.13 fixtures (the cases test/torch-fixtures.test.ts checks under Node) --------
const TOLERANCE = { float32: 4e-6, float64: 1e-13 };
const ARRAYS = { float32: Float32Array, float64: Float64Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array };
const decode = (value) => (value === 'nan' ? NaN : value === 'inf' ? Infinity : value === '-inf' ? -Infinity : value);

// Whether got is torch's want within the tolerance: specials and softmax zeros exactly (2 units
// of the smallest subnormal of slack), subnormal results absolutely, others relatively
// (log-softmax: relative to max(1, |want|)).
function close(got, want, dtype, log) {
  const denormMin = dtype === 'float32' ? 2 ** -149 : 2 ** -1074;
  const normalMin = dtype === 'float32' ? 2 ** -126 : 2 ** -1022;
  if (Number.isNaN(want) || !Number.isFinite(want) || (want === 0 && !log)) {
    return Object.is(got, want) || (want === 0 && Math.abs(got) <= 2 * denormMin);
  }
  if (!Number.isFinite(got)) return false;
  if (!log && Math.abs(want) < normalMin) return Math.abs(got - want) <= 2 * denormMin + 1e-5 * Math.abs(want);
  return Math.abs(got - want) <= TOLERANCE[dtype] * (log ? Math.max(1, Math.abs(want)) : Math.abs(want));
}

for (const group of ['special', 'shapes', 'casts', 'random']) {
  const { cases } = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', `torch-${group}.json`), 'utf8'));
  for (const c of cases) {
    const fn = c.op === 'softmax' ? softmax : logSoftmax;
    const input = { data: ARRAYS[c.input_dtype].from(c.input.map(decode)), shape: c.shape };
    const run = () => fn(input, c.dim, c.dtype === undefined ? undefined : { dtype: c.dtype });
    if (c.error !== undefined) {
      assert.throws(run, (error) => error.message.includes(c.error.replace(/^\w+: /, '')), `${group}/${c.id}`);
      checks++;
      continue;
    }
    const result = run();
    const want = c.output.map(decode);
    check(result.dtype === c.output_dtype && result.data.length === want.length, `${group}/${c.id}: dtype and length`);
    for (let i = 0; i < want.length; i++) {
      if (!close(result.data[i], want[i], result.dtype, c.op === 'log_softmax')) {
        assert.fail(`${group}/${c.id}: [${i}] got ${result.data[i]}, want ${want[i]}`);
      }
    }
  }
}

// ---- SharedArrayBuffer inputs and outputs, threads ---------------------------------------------
const rows = 64;
const length = 4096;
const shared = new Float32Array(new SharedArrayBuffer(rows * length * 4));
for (let i = 0; i < shared.length; i++) shared[i] = Math.sin(i * 0.37) * 6;
const sharedOut = new Float32Array(new SharedArrayBuffer(shared.byteLength));
softmax({ data: shared, shape: [rows, length] }, 1, { out: sharedOut });
const plain = softmax({ data: Float32Array.from(shared), shape: [rows, length] }, 1);
check(Buffer.compare(Buffer.from(sharedOut.buffer), Buffer.from(plain.data.buffer)) === 0, 'a SharedArrayBuffer input and output give the plain result');

const threads = getNumThreads();
setNumThreads(1);
const oneThread = softmax({ data: shared, shape: [rows, length] }, 1);
setNumThreads(2);
const twoThreads = softmax({ data: shared, shape: [rows, length] }, 1);
setNumThreads(threads);
check(Buffer.compare(Buffer.from(oneThread.data.buffer), Buffer.from(twoThreads.data.buffer)) === 0, 'whole rows: 1 and 2 threads agree bitwise');

// ---- Async calls, workers -----------------------------------------------------------------------
// A worker computes and posts its result; another is terminated with async calls in flight (the
// job must neither crash nor hang the process); the main thread still computes afterwards.
function workerResult(mode) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'worker.cjs'), { workerData: { mode } });
    worker.once('message', (message) => (mode === 'terminate' ? worker.terminate().then(() => resolve(message)) : resolve(message)));
    worker.once('error', reject);
  });
}

(async () => {
  const asyncResult = await softmaxAsync({ data: shared, shape: [rows, length] }, 1);
  check(Buffer.compare(Buffer.from(asyncResult.data.buffer), Buffer.from(plain.data.buffer)) === 0, 'softmaxAsync equals softmax');
  const asyncLog = await logSoftmaxAsync({ data: shared, shape: [rows, length] }, 1);
  check(Buffer.compare(Buffer.from(asyncLog.data.buffer), Buffer.from(logSoftmax({ data: shared, shape: [rows, length] }, 1).data.buffer)) === 0,
    'logSoftmaxAsync equals logSoftmax');
  await assert.rejects(softmaxAsync(new Float32Array(3), 5), RangeError);
  checks++;

  const computed = await workerResult('compute');
  check(computed.ok === true && computed.first === softmax(new Float32Array([1, 2, 3]), 0).data[0], `a worker computes: ${JSON.stringify(computed)}`);
  for (let round = 0; round < 4; round++) {
    const started = await workerResult('terminate');
    check(started === 'started', 'a worker with async calls in flight is terminated');
  }
  check(softmax(new Float32Array([0, 0]), 0).data[0] === 0.5, 'the main thread computes after the terminations');
  console.log(`checks: ${checks}`);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
