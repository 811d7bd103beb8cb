#!/usr/bin/env node
// `npm run test:cpus`: one x64 binary for every x86-64 CPU. The linux-x64 prebuild (built first,
// with prebuildify) is loaded by Node running under qemu-x86_64-static as an old CPU without AVX
// (Nehalem: the scalar kernel set must be chosen) and as Haswell (AVX2+FMA: the avx2 set must be
// chosen), with no SIMD_SOFTMAX_ISA override. Under Nehalem the jest suites that start no child
// processes run (a child would run on the real CPU, not the emulated one); under Haswell a smaller
// set. Extra arguments go to jest.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { aptInstall, have } = require('./lib/apt.js');

const { fail, root, run } = require('./lib/script.js').scriptHelpers('test:cpus');

if (process.platform !== 'linux' || process.arch !== 'x64') fail('runs on Linux x64 (it emulates other x86-64 CPUs with qemu-user)');
if (!have('qemu-x86_64-static') && !aptInstall('test:cpus', ['qemu-user-static'])) fail('could not install qemu-user-static');

if (run(process.execPath, [path.join(__dirname, 'prebuild.js')]) !== 0) fail('the linux-x64 prebuild failed');
const addon = path.join(root, 'prebuilds', 'linux-x64', 'simd-softmax.node');
const suites = ['api', 'errors', 'format', 'half', 'hostile', 'properties', 'torch-fixtures'].map((name) => `test/${name}.test.ts`);
const env = { ...process.env, SIMD_SOFTMAX_ADDON: addon };
delete env.SIMD_SOFTMAX_ISA;

// The kernel set each CPU gets, without any override.
let failed = false;
const CPUS = [
  // No AVX: the whole subset, on the scalar set.
  { cpu: 'Nehalem', expected: 'scalar', suites },
  // AVX2+FMA: the set is chosen; the host's own runs test its kernels in depth.
  { cpu: 'Haswell', expected: 'avx2', suites: ['api', 'errors', 'half', 'torch-fixtures'].map((name) => `test/${name}.test.ts`) },
];
for (const { cpu, expected } of CPUS) {
  const probe = spawnSync('qemu-x86_64-static', ['-cpu', cpu, process.execPath, '-p', `require(${JSON.stringify(root)}).backend().isa`],
    { cwd: root, encoding: 'utf8', env });
  const chosen = probe.stdout.trim();
  console.log(`test:cpus: ${cpu}: kernel set ${chosen || `(none: ${probe.stderr.trim()})`}, expected ${expected}`);
  if (chosen !== expected) failed = true;
}

// Then the suites under both CPUs at once, one emulated Node per core.
const { runInParallel } = require('./lib/parallel-runs.js');
const started = Date.now();
runInParallel(CPUS.map(({ cpu, suites: cpuSuites }) => ({
  label: `jest under qemu-x86_64-static -cpu ${cpu}`,
  command: 'qemu-x86_64-static',
  args: ['-cpu', cpu, process.execPath, require.resolve('jest/bin/jest'), '--ci', '--runInBand',
    '--testNamePattern', '^(?!.*ulimit)', ...cpuSuites, ...process.argv.slice(2)],
  options: { cwd: root, env },
}))).then((codes) => {
  failed = failed || codes.some((code) => code !== 0);
  console.log(`\ntest:cpus: ${failed ? 'FAILED' : 'passed'} (Nehalem and Haswell, ${((Date.now() - started) / 1000).toFixed(0)} s under emulation)`);
  process.exit(failed ? 1 : 0);
});
