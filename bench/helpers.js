// The benchmark's native helpers (binding/addon/bench_helpers.cc): a memcpy split over threads (the
// floor) and a pure compute loop (the thread-scaling ceiling). They are not in the shipped addon;
// the first `npm run bench` builds them into build-bench/ with cmake-js.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const helperPath = path.join(root, 'build-bench', 'Release', 'simd_softmax_bench.node');

function loadBenchHelpers() {
  if (!fs.existsSync(helperPath)) {
    const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
    const build = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build-bench', '--CDSIMD_SOFTMAX_BUILD_BENCH=ON'],
      { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('bench: building the benchmark helpers (build-bench/) failed');
  }
  return require(helperPath);
}

module.exports = { loadBenchHelpers };
