// One worker_thread of the soak test: async softmax and log-softmax of random shapes, each checked
// against a float64 reference computed here, until the deadline; then posts its counts.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { softmaxAsync, logSoftmaxAsync } = require(workerData.packagePath);

let seed = 0x9e3779b9 ^ workerData.id;
function random() {
  // xorshift32, in [0, 1)
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

// Reference of softmax over dim 1 of [rows, length] and over dim 0.
function check(input, rows, length, dim, log, result) {
  const lines = dim === 1 ? rows : length;
  const size = dim === 1 ? length : rows;
  const at = (line, k) => (dim === 1 ? line * length + k : k * length + line);
  for (let line = 0; line < lines; line++) {
    let max = -Infinity;
    for (let k = 0; k < size; k++) max = Math.max(max, input[at(line, k)]);
    let sum = 0;
    for (let k = 0; k < size; k++) sum += Math.exp(input[at(line, k)] - max);
    for (let k = 0; k < size; k++) {
      const x = input[at(line, k)] - max;
      const want = log ? x - Math.log(sum) : Math.exp(x) / sum;
      const got = result[at(line, k)];
      const tolerance = log ? 1e-5 * Math.max(1, Math.abs(want)) : 1e-5 * want + 1e-30;
      if (!(Math.abs(got - want) <= tolerance)) throw new Error(`worker ${workerData.id}: [${line}, ${k}] ${got} != ${want}`);
    }
  }
}

async function main() {
  let calls = 0;
  let elements = 0;
  while (Date.now() < workerData.deadline) {
    // Shapes from tiny to large enough for the pool and for split rows.
    const rows = 1 + Math.floor(random() * (random() < 0.2 ? 2 : 64));
    const length = 1 + Math.floor(random() ** 2 * 40000);
    const Array_ = random() < 0.5 ? Float32Array : Float64Array;
    const input = new Array_(rows * length);
    for (let i = 0; i < input.length; i++) input[i] = (random() - 0.5) * 30;
    const dim = random() < 0.7 ? 1 : 0;
    const log = random() < 0.5;
    // A few calls at once, as a server would make them.
    const inFlight = [];
    for (let j = 0; j < 4; j++) inFlight.push((log ? logSoftmaxAsync : softmaxAsync)({ data: input, shape: [rows, length] }, dim));
    for (const result of await Promise.all(inFlight)) check(input, rows, length, dim, log, result.data);
    calls += inFlight.length;
    elements += inFlight.length * input.length;
  }
  parentPort.postMessage({ ok: true, calls, elements });
}

main().catch((error) => parentPort.postMessage({ error: String(error && error.stack) }));
