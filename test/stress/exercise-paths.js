#!/usr/bin/env node
// Calls every path of the addon once or twice, for `npm run test:valgrind`: float32 and float64,
// softmax and log-softmax, last dim and other dims (column blocks and tails), in place and with
// out, dtype casts, split long rows, split reduced dims, streaming outputs, one and two threads,
// sync and async, a worker_thread, and the errors the C++ glue raises. The kernel set is SIMD_SOFTMAX_ISA's.
'use strict';

const path = require('node:path');
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');

const packagePath = path.join(__dirname, '..', '..');
const simd = require(packagePath);
const { softmax, logSoftmax, softmaxAsync, logSoftmaxAsync, setNumThreads } = simd;

function filled(Array_, length) {
  const data = new Array_(length);
  for (let i = 0; i < length; i++) data[i] = Math.sin(i * 0.7) * 9;
  return data;
}

function expectFinite(tensor, what) {
  for (const i of [0, tensor.data.length >> 1, tensor.data.length - 1]) {
    if (!Number.isFinite(tensor.data[i])) throw new Error(`${what}: element ${i} is ${tensor.data[i]}`);
  }
}

async function exercise() {
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    for (const Array_ of [Float32Array, Float64Array]) {
      for (const op of [softmax, logSoftmax]) {
        const shapes = [[7], [3, 37], [64, 1000], [5, 67, 3], [4, 130, 70], [1, 40000], [2, 70000], [3000, 12], [40, 1100]];
        for (const shape of shapes) {
          const numel = shape.reduce((a, b) => a * b, 1);
          const data = filled(Array_, numel);
          for (let dim = 0; dim < shape.length; dim++) {
            expectFinite(op({ data, shape }, dim), `${op.name} ${shape} dim ${dim}`);
          }
          const out = new Array_(numel);
          op({ data, shape }, -1, { out });
          op({ data: data.slice(), shape }, -1, { out: data.slice() });
        }
        // Special values.
        op(Array_.from([NaN, 1, -Infinity]), 0);
        op(Array_.from([-Infinity, -Infinity]), 0);
        op(Array_.from([Infinity, 0]), 0);
      }
    }
    // dtype casts, and a streaming output (16 MiB or more).
    softmax(Int16Array.from([1, 2, 3]), 0, { dtype: 'float64' });
    logSoftmax(filled(Float64Array, 300), 0, { dtype: 'float32' });
    expectFinite(softmax({ data: filled(Float32Array, 1024 * 4200), shape: [1024, 4200] }, 1), 'streaming');
    expectFinite(logSoftmax({ data: filled(Float32Array, 1024 * 4200), shape: [1024, 4200] }, 1), 'streaming log');
    // Async, several in flight.
    const inputs = [[8, 3000], [1, 50000], [300, 5]].map((shape) => ({ data: filled(Float32Array, shape[0] * shape[1]), shape }));
    const results = await Promise.all(inputs.flatMap((input) => [softmaxAsync(input, 1), logSoftmaxAsync(input, 0)]));
    results.forEach((result, i) => expectFinite(result, `async ${i}`));
  }
  // The glue's own error: two SharedArrayBuffer objects over the same memory. The arrays are larger
  // than the 4 KiB staging buffers, which small calls compute through (copied in, so correct anyway).
  const shared = new SharedArrayBuffer(8192);
  try {
    softmax(new Float32Array(shared, 0, 2000), 0, { out: new Float32Array(structuredClone(shared), 4, 2000) });
    throw new Error('overlap was not refused');
  } catch (error) {
    if (error.name !== 'RangeError') throw error;
  }
  await softmaxAsync('not a tensor', 0).then(() => { throw new Error('bad input resolved'); }, () => {});
}

if (isMainThread) {
  exercise()
    .then(() => new Promise((resolve, reject) => {
      // And once more inside a worker_thread, which then ends.
      const worker = new Worker(__filename, { workerData: { inWorker: true } });
      worker.on('message', resolve);
      worker.on('error', reject);
    }))
    .then(() => console.log(`exercise-paths: every path ran (kernel set ${simd.backend().isa})`))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
} else if (workerData.inWorker) {
  exercise().then(() => parentPort.postMessage('done'));
}
