#!/usr/bin/env node
// `npm run test:sanitizers`: builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer into
// build-asan/ (the normal build is left alone), then runs the whole jest suite against it once per
// kernel set, with the sanitizer runtime preloaded into Node (and every Node it spawns). Any
// sanitizer report, in the jest process, a jest worker, a worker_thread or a child process, fails
// the run. Leak detection is off here: Node itself does not free everything at exit (LeakSanitizer
// reports V8's own allocations after process.exit); `npm run test:valgrind` checks the addon's leaks.
// It also builds (CMake) and runs the native tests in test/native/ with the same sanitizers, and the
// thread pool's stress test under ThreadSanitizer too.
// Extra arguments go to jest.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { fail, root, run } = require('./lib/script.js').scriptHelpers('test:sanitizers');
const addon = path.join(root, 'build-asan', 'Release', 'simd_softmax.node');

if (process.platform !== 'linux') fail('runs on Linux only (it preloads the sanitizer runtime with LD_PRELOAD)');

// 1. The sanitizer build, in its own folder.
const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
if (run(process.execPath, [cmakeJs, 'compile', '--out', 'build-asan', '--CDSIMD_SOFTMAX_SANITIZE=ON']) !== 0) {
  fail('the sanitizer build failed');
}
if (run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']) !== 0) {
  fail('TypeScript compilation failed');
}

// 2. The ASan runtime the addon was linked against must come first in every process.
const ldd = spawnSync('ldd', [addon], { encoding: 'utf8' });
const runtime = /\blibasan\.so[.\d]* => (\S+)/.exec(ldd.stdout ?? '');
if (runtime === null) fail(`${addon} is not linked against libasan (ldd: ${ldd.stdout}${ldd.stderr})`);

const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'simd-softmax-asan-'));
const sanitizerEnv = {
  LD_PRELOAD: runtime[1],
  SIMD_SOFTMAX_ADDON: addon,
  // Reports go to files as well as stderr, so that one in a child process whose output a test
  // swallows still fails the run.
  ASAN_OPTIONS: `detect_leaks=0:abort_on_error=1:log_path=${path.join(reports, 'asan')}`,
  UBSAN_OPTIONS: `halt_on_error=1:print_stacktrace=1:log_path=${path.join(reports, 'ubsan')}`,
};

// 3. The native tests (kernel, planner, allocation and thread failures, the pool's stress test),
// built by CMake with the same sanitizers; the pool's stress test also under ThreadSanitizer (its
// hand-off is lock-free in part).
const { buildTree } = require('./lib/cmake.js');
const testEnv = { ...process.env, ASAN_OPTIONS: sanitizerEnv.ASAN_OPTIONS, UBSAN_OPTIONS: sanitizerEnv.UBSAN_OPTIONS,
  TSAN_OPTIONS: `halt_on_error=1:log_path=${path.join(reports, 'tsan')}` };
let failed = false;
for (const { folder, sanitizer, only, targets } of [
  { folder: 'build-asan-native', sanitizer: 'address', only: [], targets: [] },
  { folder: 'build-tsan-native', sanitizer: 'thread', only: ['-R', 'thread_pool_stress_test'], targets: ['thread_pool_stress_test'] },
]) {
  if (!buildTree(folder, ['-DSIMD_SOFTMAX_BUILD_TESTS=ON', `-DSIMD_SOFTMAX_SANITIZE=${sanitizer}`, '-DCMAKE_BUILD_TYPE=RelWithDebInfo'],
    { targets })) {
    fail(`could not build the native tests with the ${sanitizer} sanitizer`);
  }
  console.log(`\n=== native tests under the ${sanitizer} sanitizer ===`);
  if (run('ctest', ['--test-dir', path.join(root, folder), '--output-on-failure', ...only], { env: testEnv }) !== 0) failed = true;
}

// 4. The suite, once per kernel set (asked of the sanitizer build itself).
const isaProbe = spawnSync(process.execPath, ['-p', "require(process.env.SIMD_SOFTMAX_ADDON).runnableIsas().join(',')"],
  { cwd: root, encoding: 'utf8', env: { ...process.env, ...sanitizerEnv } });
if (isaProbe.status !== 0) fail(`the sanitizer build does not load:\n${isaProbe.stderr}`);
const isas = isaProbe.stdout.trim().split(',');
const jest = require.resolve('jest/bin/jest');
for (const isa of isas) {
  console.log(`\n=== jest under ASan+UBSan with SIMD_SOFTMAX_ISA=${isa} ===`);
  const status = run(process.execPath, [jest, '--ci', ...process.argv.slice(2)], { env: { ...process.env, ...sanitizerEnv, SIMD_SOFTMAX_ISA: isa } });
  if (status !== 0) failed = true;
}

const found = fs.readdirSync(reports);
for (const file of found) {
  console.error(`\n--- sanitizer report ${file} ---\n${fs.readFileSync(path.join(reports, file), 'utf8')}`);
}
console.log(`\ntest:sanitizers: kernel sets ${isas.join(', ')}; jest ${failed ? 'FAILED' : 'passed'}; sanitizer reports: ${found.length}`);
process.exit(failed || found.length > 0 ? 1 : 0);
