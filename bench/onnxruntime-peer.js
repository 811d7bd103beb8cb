#!/usr/bin/env node
// onnxruntime-node on the benchmark's cases, for `npm run bench` to show side by side (an optional
// peer: install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node`).
//
// Reads a JSON list of {key, shape, dim, dtype, op, mode, threads, repeats, minSeconds} on stdin and
// prints {version, results: {key: median ns per call}, errors: {key: message}}. Each case runs a
// one-node Softmax/LogSoftmax model on the bench's own input; every timed result is checked
// against the bench's float64 reference, and a case that fails the check reports an error, no time.
'use strict';

const { softmaxModel } = require('./onnx-model.js');
const { maxError, reference } = require('./peers.js');
const { gaussianArray } = require('./random.js');
const { median, splitAroundDim } = require('./stats.js');

async function medianNs(run, repeats, minNs) {
  // Warm-up, then `repeats` samples of back-to-back awaited calls lasting at least minNs each.
  for (let i = 0; i < 2; i++) await run();
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed;
    do {
      await run();
      calls++;
      elapsed = Number(process.hrtime.bigint() - start);
    } while (elapsed < minNs);
    samples.push(elapsed / calls);
  }
  return median(samples);
}

async function main() {
  const ort = require('onnxruntime-node');
  const jobs = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
  const results = {};
  const errors = {};
  for (const job of jobs) {
    const Ctor = job.dtype === 'float32' ? Float32Array : Float64Array;
    const numel = job.shape.reduce((a, b) => a * b, 1);
    const axis = (job.dim + job.shape.length) % job.shape.length;
    const [outer, dimSize, inner] = splitAroundDim(job.shape, job.dim);
    const log = job.op === 'log_softmax';
    const x = gaussianArray(Ctor, numel, 42, 3);
    const session = await ort.InferenceSession.create(softmaxModel(log ? 'LogSoftmax' : 'Softmax', axis, job.dtype, job.shape),
      { intraOpNumThreads: job.threads, interOpNumThreads: 1, executionMode: 'sequential' });
    const feeds = { x: new ort.Tensor(job.dtype, x, job.shape) };
    const out = new ort.Tensor(job.dtype, new Ctor(numel), job.shape);
    let last;
    const run = job.mode === 'out'
      ? async () => { await session.run(feeds, { y: out }); last = out.data; }
      : async () => { last = (await session.run(feeds)).y.data; };
    const ns = await medianNs(run, job.repeats, job.minSeconds * 1e9);
    const error = maxError(last, reference(x, outer, dimSize, inner, log), log);
    const bound = job.dtype === 'float32' ? 1e-5 : 1e-12;
    if (error <= bound) results[job.key] = ns;
    else errors[job.key] = `max error ${error} exceeds ${bound}`;
    await session.release();
    process.stderr.write(`onnxruntime ${job.key}\n`);
  }
  const { version } = require('onnxruntime-node/package.json');
  process.stdout.write(JSON.stringify({ version, results, errors }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
