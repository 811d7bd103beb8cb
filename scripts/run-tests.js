#!/usr/bin/env node
// `npm test`: compiles lib/ (the examples run the built package) and the type tests; builds the native tests with CMake
// (build/native-tests) and runs them with ctest: every kernel of every kernel set this CPU runs, and
// the planner; then the jest suite once on the default kernel set, and the torch fixtures and the
// dispatch checks once per other kernel set, forced with SIMD_SOFTMAX_ISA. Prints one summary line.
// Extra arguments go to the full jest run (e.g. `npm test -- test/api.test.ts`).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

function run(command, args, env, cwd = root) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return result.status;
}

if (run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']) !== 0) {
  console.error('npm test: TypeScript compilation failed');
  process.exit(1);
}
// The published declarations under --strict, with onnxruntime's Tensor type (test/types).
if (run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join('test', 'types', 'tsconfig.json')]) !== 0) {
  console.error('npm test: the type tests (test/types) failed to compile');
  process.exit(1);
}
// The API reference (npm run docs): TypeDoc treats a warning, an undocumented export included, as an error.
if (run(process.execPath, [path.join(path.dirname(require.resolve('typedoc/package.json')), 'bin', 'typedoc'), '--logLevel', 'Warn']) !== 0) {
  console.error('npm test: the API reference (npm run docs) has warnings: every public export needs its doc comment');
  process.exit(1);
}

const summary = [];
let passed = 0;
let failed = 0;

// 1. Native tests: configure once, build what changed, run every test (ctest's output per test).
const nativeDir = path.join(root, 'build', 'native-tests');
fs.mkdirSync(nativeDir, { recursive: true });
const configured = fs.existsSync(path.join(nativeDir, 'CMakeCache.txt')) ||
  run('cmake', ['-S', root, '-B', nativeDir, '-DSIMD_SOFTMAX_BUILD_TESTS=ON', '-DCMAKE_BUILD_TYPE=Release']) === 0;
const built = configured && run('cmake', ['--build', nativeDir, '--parallel', String(Math.max(2, os.availableParallelism?.() ?? 2))]) === 0;
const ctest = built ? spawnSync('ctest', ['--test-dir', nativeDir, '--output-on-failure', '--verbose'], { cwd: root, encoding: 'utf8' }) : null;
if (ctest !== null) process.stdout.write(ctest.stdout + ctest.stderr);
// Each native test ends with its own 'name: N passed, N failed' line.
for (const [, name, ok, bad] of (ctest?.stdout ?? '').matchAll(/^\d+: (\w+): (\d+) passed, (\d+) failed$/gm)) {
  passed += Number(ok);
  failed += Number(bad);
  summary.push(`  native ${name}: ${ok} passed, ${bad} failed`);
}
if (ctest === null || ctest.status !== 0) {
  failed += 1;
  summary.push(`  native tests: ${ctest === null ? 'did not build' : 'ctest failed'}`);
}

// 2. jest: the whole suite on the default set, then a smoke run per forced set.
const { native } = require(path.join(root, 'dist', 'native.js'));
const [defaultIsa, ...otherIsas] = native.runnableIsas();
const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'simd-softmax-jest-'));
const jest = require.resolve('jest/bin/jest');
const SMOKE_TESTS = ['test/torch-fixtures.test.ts', 'test/half.test.ts', 'test/masked.test.ts', 'test/kernel-sets.test.ts'];
const runs = [{ isa: defaultIsa, args: process.argv.slice(2), label: 'full suite' },
  ...otherIsas.map((isa) => ({ isa, args: SMOKE_TESTS, label: 'torch fixtures and dispatch' }))];
try {
  for (const { isa, args, label } of runs) {
    console.log(`\n=== jest with SIMD_SOFTMAX_ISA=${isa}: ${label} ===`);
    const report = path.join(reports, `${isa}.json`);
    const status = run(process.execPath, [jest, '--ci', '--json', `--outputFile=${report}`, ...args], { SIMD_SOFTMAX_ISA: isa });
    let counts = { numPassedTests: 0, numFailedTests: 0 };
    if (fs.existsSync(report)) counts = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed += counts.numPassedTests;
    // A suite that fails to run counts as a failure even though it reports no failed tests.
    const failures = counts.numFailedTests + (status !== 0 && counts.numFailedTests === 0 ? 1 : 0);
    failed += failures;
    summary.push(`  jest ${isa} (${label}): ${counts.numPassedTests} passed, ${failures} failed`);
  }
} finally {
  fs.rmSync(reports, { recursive: true, force: true });
}
console.log(`\nkernel sets tested: ${native.runnableIsas().join(', ')}\n${summary.join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
