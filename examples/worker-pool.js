// A pool of worker_threads serving softmax requests, as a sampling service might: each worker loads
// simd-softmax once and answers every request with softmaxAsync, so a worker keeps taking requests
// while earlier ones compute on the native threads. The main thread sends rows of vocabulary logits
// (transferred, not copied) and gets back each row's most likely token and its probability.
const { Worker, isMainThread, parentPort } = require('node:worker_threads');

const VOCAB = 32000;

if (!isMainThread) {
  const { softmaxAsync } = require('simd-softmax');
  parentPort.on('message', async ({ id, logits }) => {
    const probs = await softmaxAsync({ data: logits, shape: [logits.length / VOCAB, VOCAB] }, -1, { temperature: 0.8 });
    const top = [];
    for (let row = 0; row * VOCAB < probs.data.length; row++) {
      let best = row * VOCAB;
      for (let i = best + 1; i < (row + 1) * VOCAB; i++) if (probs.data[i] > probs.data[best]) best = i;
      top.push({ token: best - row * VOCAB, p: probs.data[best] });
    }
    parentPort.postMessage({ id, top });
  });
} else {
  const workers = [new Worker(__filename), new Worker(__filename)];
  const pending = new Map();
  for (const worker of workers) worker.on('message', ({ id, top }) => pending.get(id)(top));

  // Request r: `rows` rows of logits, each with one clear favourite token.
  function request(id, rows) {
    const logits = new Float32Array(rows * VOCAB);
    for (let row = 0; row < rows; row++) {
      for (let i = 0; i < VOCAB; i++) logits[row * VOCAB + i] = Math.sin(i * 0.37 + id + row) * 4;
      logits[row * VOCAB + ((id * 7919 + row * 104729) % VOCAB)] = 11;
    }
    return new Promise((resolve) => {
      pending.set(id, resolve);
      workers[id % workers.length].postMessage({ id, logits }, [logits.buffer]);
    });
  }

  Promise.all([1, 2, 3, 4, 5, 6].map((id) => request(id, 1 + (id % 3)))).then(async (answers) => {
    answers.forEach((top, index) => {
      console.log(`request ${index + 1}: ${top.map(({ token, p }) => `token ${token} (p ${p.toFixed(4)})`).join(', ')}`);
    });
    await Promise.all(workers.map((worker) => worker.terminate()));
  });
}
