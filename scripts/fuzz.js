#!/usr/bin/env node
// `npm run fuzz -- --seconds N [--jobs J] [libFuzzer flags...]`: builds fuzz/softmax_fuzzer.cc (CMake
// target softmax_fuzzer) with clang's libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer into build-fuzz/, then fuzzes
// for N seconds (default 60) from the committed corpus in fuzz/corpus. New inputs go to
// build-fuzz/corpus, a failing input to build-fuzz/artifacts/. Exits non-zero on any finding.
// fuzz/corpus holds 110 inputs (1094 bytes): every edge a 10-minute run reached, plus 25 inputs with
// new edges from a 2-minute run after the reduced dim could be split across threads; refresh it with
// `build-fuzz/softmax_fuzzer -merge=1 -use_counters=0 fuzz/corpus build-fuzz/corpus`.
// Needs clang and its runtime (Debian: apt-get install clang-14 libclang-rt-14-dev).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildTree } = require('./lib/cmake.js');
const { fail, root } = require('./lib/script.js').scriptHelpers('fuzz');

const args = process.argv.slice(2);
let seconds = 60;
const passThrough = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--seconds') {
    seconds = Number(args[++i]);
    if (!Number.isInteger(seconds) || seconds < 1) fail(`--seconds takes a positive integer, got ${args[i]}`);
  } else {
    passThrough.push(args[i]);
  }
}

const compiler = [process.env.CXX_FUZZ, 'clang++', 'clang++-14'].find(
  (candidate) => candidate && spawnSync(candidate, ['--version']).status === 0);
if (compiler === undefined) fail('no clang++ found (Debian: apt-get install clang-14 libclang-rt-14-dev), or set CXX_FUZZ');

const buildDir = path.join(root, 'build-fuzz');
const program = path.join(buildDir, 'softmax_fuzzer');
console.log(`fuzz: building ${path.relative(root, program)} with ${compiler}`);
// The core and the fuzzer with libFuzzer's coverage, ASan and UBSan (CMakeLists.txt, SIMD_SOFTMAX_BUILD_FUZZER).
if (!buildTree('build-fuzz', [`-DCMAKE_CXX_COMPILER=${compiler}`, '-DSIMD_SOFTMAX_BUILD_FUZZER=ON', '-DSIMD_SOFTMAX_SANITIZE=address',
  '-DCMAKE_BUILD_TYPE=RelWithDebInfo'], { targets: ['softmax_fuzzer'] })) {
  fail('the fuzzer build failed');
}

const corpus = path.join(buildDir, 'corpus');
const artifacts = path.join(buildDir, 'artifacts');
fs.mkdirSync(corpus, { recursive: true });
fs.mkdirSync(artifacts, { recursive: true });
fs.mkdirSync(path.join(root, 'fuzz', 'corpus'), { recursive: true });
// Inputs are a 7-byte header and 4-byte patches: up to 128 patches, at full length from the start.
const fuzzerArgs = [`-max_total_time=${seconds}`, '-print_final_stats=1', '-max_len=519', '-len_control=0', '-timeout=20',
  '-rss_limit_mb=4096',
  `-artifact_prefix=${artifacts}${path.sep}`, ...passThrough, corpus, path.join(root, 'fuzz', 'corpus')];
console.log(`fuzz: ${path.relative(root, program)} ${fuzzerArgs.join(' ')}`);
const result = spawnSync(program, fuzzerArgs, {
  stdio: 'inherit',
  env: { ...process.env, UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1', ASAN_OPTIONS: 'detect_leaks=1' },
});
if (result.error) throw result.error;
if (result.status !== 0) fail(`the fuzzer stopped with status ${result.status}: a finding is in ${path.relative(root, artifacts)}`);
console.log('fuzz: no findings');
