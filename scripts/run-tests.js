#!/usr/bin/env node
// `npm test`: compiles lib/ (the examples run the built package), then runs the whole jest suite
// once per kernel set this build and CPU can run, forced with SIMD_SOFTMAX_ISA, and prints one
// summary line. Extra arguments go to jest (e.g. `npm test -- test/api.test.ts`).
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.error) throw result.error;
  return result.status;
}

if (run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']) !== 0) {
  console.error('npm test: TypeScript compilation failed');
  process.exit(1);
}

const { native } = require(path.join(root, 'dist', 'native.js'));
const isas = native.runnableIsas();
const jest = require.resolve('jest/bin/jest');
const summary = [];
let passed = 0;
let failed = 0;
for (const isa of isas) {
  console.log(`\n=== jest with SIMD_SOFTMAX_ISA=${isa} ===`);
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'simd-softmax-')), 'jest.json');
  const status = run(process.execPath, [jest, '--ci', '--json', `--outputFile=${report}`, ...process.argv.slice(2)],
    { SIMD_SOFTMAX_ISA: isa });
  let counts = { numPassedTests: 0, numFailedTests: 0, numTotalTestSuites: 0, numFailedTestSuites: 0 };
  if (fs.existsSync(report)) counts = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed += counts.numPassedTests;
  // A suite that fails to run counts as a failure even though it reports no failed tests.
  const failures = counts.numFailedTests + (status !== 0 && counts.numFailedTests === 0 ? 1 : 0);
  failed += failures;
  summary.push(`  ${isa}: ${counts.numPassedTests} passed, ${failures} failed`);
}
console.log(`\nkernel sets tested: ${isas.join(', ')}\n${summary.join('\n')}`);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
