// The worker of test/runtimes/suite.cjs. mode 'compute': a sync and an async softmax, posted back.
// mode 'terminate': large async calls started, then 'started' posted; the suite terminates this
// worker while they run.
'use strict';

const path = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');

const { softmax, softmaxAsync } = require(path.join(__dirname, '..', '..'));

if (workerData.mode === 'compute') {
  const sync = softmax(new Float32Array([1, 2, 3]), 0);
  softmaxAsync(new Float32Array([1, 2, 3]), 0).then((async) => {
    parentPort.postMessage({ ok: async.data[0] === sync.data[0], first: sync.data[0] });
  });
} else {
  const data = new Float32Array(1024 * 8192).fill(1);
  for (let i = 0; i < 4; i++) softmaxAsync({ data, shape: [1024, 8192] }, -1);
  parentPort.postMessage('started');
}
