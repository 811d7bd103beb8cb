// What the bench compares against: a plain JavaScript loop (what a Node user writes by hand), a
// float64 reference that checks every timed result, PyTorch when Debian's python3-torch is there,
// and onnxruntime-node when it is installed (neither is a dependency).
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

/** softmax / log-softmax over {outer, dimSize, inner} with Math.exp, three passes, in the arrays' own type. */
function jsLoop(x, y, outer, dimSize, inner, log) {
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = o * dimSize * inner + c;
      let max = -Infinity;
      for (let k = 0; k < dimSize; k++) { const v = x[base + k * inner]; if (v > max) max = v; }
      let sum = 0;
      for (let k = 0; k < dimSize; k++) {
        const e = Math.exp(x[base + k * inner] - max);
        if (!log) y[base + k * inner] = e;
        sum += e;
      }
      if (log) {
        const logSum = Math.log(sum);
        for (let k = 0; k < dimSize; k++) y[base + k * inner] = x[base + k * inner] - max - logSum;
      } else {
        const scale = 1 / sum;
        for (let k = 0; k < dimSize; k++) y[base + k * inner] *= scale;
      }
    }
  }
}

/** The float64 reference: the same loop into a Float64Array. */
function reference(x, outer, dimSize, inner, log) {
  const y = new Float64Array(x.length);
  jsLoop(x, y, outer, dimSize, inner, log);
  return y;
}

/** The largest error of got against the reference: relative for softmax, over max(1, |ref|) for log-softmax. */
function maxError(got, want, log) {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    // A log-softmax -inf (an element that takes no part) must be -inf exactly.
    if (w === -Infinity) {
      if (got[i] !== w) worst = Infinity;
      continue;
    }
    const error = Math.abs(got[i] - w) / (log ? Math.max(1, Math.abs(w)) : Math.max(Math.abs(w), 1e-30));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
  }
  return worst;
}

/** PyTorch side by side, if Debian's python3-torch imports; { available, results: {key: seconds} }. */
function torchTimes(jobs) {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return { available: false, results: {} };
  const script = path.join(__dirname, '..', 'bench', 'torch_peer.py');
  const run = spawnSync(python, [script], { input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    process.stderr.write(`torch peer failed: ${run.stderr.slice(-500)}\n`);
    return { available: false, results: {} };
  }
  const version = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
  return { available: true, version, results: JSON.parse(run.stdout) };
}

/**
 * onnxruntime-node side by side, if it resolves from this package:
 * { available, version, results: {key: ns}, errors: {key: message} }.
 */
function onnxruntimeTimes(jobs) {
  try {
    require.resolve('onnxruntime-node');
  } catch {
    return { available: false, reason: 'not installed (ONNXRUNTIME_NODE_INSTALL=skip npm install --no-save onnxruntime-node)' };
  }
  const script = path.join(__dirname, 'onnxruntime-peer.js');
  const run = spawnSync(process.execPath, [script], { input: JSON.stringify(jobs), encoding: 'utf8', maxBuffer: 1 << 24,
    stdio: ['pipe', 'pipe', 'inherit'] });
  if (run.status !== 0) return { available: false, reason: `its run failed (exit ${run.status})` };
  const { version, results, errors } = JSON.parse(run.stdout);
  return { available: true, version, results, errors };
}

module.exports = { jsLoop, reference, maxError, torchTimes, onnxruntimeTimes };
