#!/usr/bin/env node
// `npm run test:arm64`: the NEON and scalar kernel sets of the linux-arm64 build, tested for real on
// this x86-64 machine. It cross-compiles prebuilds/linux-arm64/ (Debian's g++-aarch64-linux-gnu),
// unpacks Debian's arm64 Node into build-arm64/sysroot, and runs the jest suites that start no
// child processes (qemu-user runs one process; there is no binfmt here to start others) under
// qemu-aarch64-static, once with SIMD_SOFTMAX_ISA=neon and once with scalar. Missing tools and
// packages come from Debian's apt (as root). Then the float16/bfloat16 kernel tests, cross-compiled,
// under the same emulator. Extra arguments go to jest.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { aptInstall, have } = require('./lib/apt.js');

const { fail, root, run } = require('./lib/script.js').scriptHelpers('test:arm64');
const work = path.join(root, 'build-arm64');
const sysroot = path.join(work, 'sysroot');
const sysrootNode = path.join(sysroot, 'usr', 'bin', 'node');

if (process.platform !== 'linux' || process.arch !== 'x64') fail('runs on Linux x64 hosts (it emulates arm64 with qemu-user)');

// 1. The cross compiler and the emulator.
const tools = [];
if (!have('aarch64-linux-gnu-g++')) tools.push('g++-aarch64-linux-gnu');
if (!have('qemu-aarch64-static')) tools.push('qemu-user-static');
if (tools.length > 0 && !aptInstall('test:arm64', tools)) fail(`could not install ${tools.join(' ')}`);

// 2. The arm64 prebuild (the package's own build path, stripped).
if (run(process.execPath, [path.join(__dirname, 'prebuild.js'), '--arch', 'arm64']) !== 0) fail('the arm64 build failed');
const addon = path.join(root, 'prebuilds', 'linux-arm64', 'simd-softmax.node');

// 3. Debian's arm64 Node and the libraries it needs, unpacked into a sysroot (not installed).
const ARM64_PACKAGES = ['nodejs', 'libnode108', 'libc6', 'libgcc-s1', 'libstdc++6', 'gcc-12-base', 'libbrotli1',
  'libc-ares2', 'libicu72', 'libnghttp2-14', 'libssl3', 'libuv1', 'zlib1g'].map((name) => `${name}:arm64`);
// Node loads these built-in modules from files; without them it aborts ("Cannot load externalized builtin").
const ALL_PACKAGES = ['node-acorn', 'node-cjs-module-lexer', 'node-undici'];
if (!fs.existsSync(sysrootNode)) {
  const debs = path.join(work, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  const architectures = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' }).stdout;
  const download = () => run('apt-get', ['download', ...ARM64_PACKAGES, ...ALL_PACKAGES], { cwd: debs });
  if (!/\barm64\b/.test(architectures)) {
    if (run('dpkg', ['--add-architecture', 'arm64']) !== 0 || run('apt-get', ['update']) !== 0) fail('could not add the arm64 architecture to apt');
  }
  if (download() !== 0 && (run('apt-get', ['update']) !== 0 || download() !== 0)) fail('could not download the arm64 Node packages');
  for (const deb of fs.readdirSync(debs).filter((name) => name.endsWith('.deb'))) {
    if (run('dpkg', ['-x', path.join(debs, deb), sysroot]) !== 0) fail(`could not unpack ${deb}`);
  }
}

// 4. jest's resolver is a native module too: add its arm64 binding beside the x64 one.
const resolverVersion = require(require.resolve('unrs-resolver/package.json', { paths: [require.resolve('jest')] })).version;
const binding = path.join(root, 'node_modules', '@unrs', 'resolver-binding-linux-arm64-gnu');
if (!fs.existsSync(path.join(binding, 'package.json'))) {
  const packDir = path.join(work, 'npm');
  fs.mkdirSync(packDir, { recursive: true });
  const pack = spawnSync('npm', ['pack', `@unrs/resolver-binding-linux-arm64-gnu@${resolverVersion}`, '--pack-destination', packDir],
    { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (pack.status !== 0) fail('could not fetch jest\'s arm64 resolver binding from the npm registry');
  const tarball = path.join(packDir, pack.stdout.trim().split('\n').pop());
  fs.mkdirSync(binding, { recursive: true });
  if (run('tar', ['-xzf', tarball, '-C', binding, '--strip-components=1']) !== 0) fail(`could not unpack ${tarball}`);
}

// 5. The suites, once per arm64 kernel set: every kernel with every tail size, split rows and
// streamed outputs (properties), torch's special values (torch-fixtures), the API, errors and hostile
// input. threads, examples and kernel-sets start child processes, and so does the ulimit test in
// hostile.test.ts: they are left out.
const suites = ['api', 'errors', 'format', 'half', 'hostile', 'properties', 'torch-fixtures'].map((name) => `test/${name}.test.ts`);
const version = spawnSync('qemu-aarch64-static', ['-L', sysroot, sysrootNode, '--version'], { encoding: 'utf8' });
if (version.status !== 0) fail(`the arm64 Node does not start under qemu: ${version.stderr}`);
console.log(`test:arm64: Node ${version.stdout.trim()} (arm64, Debian) under qemu-aarch64-static; addon ${path.relative(root, addon)}`);
// Each forced kernel set is really the one in use (no silent fallback).
for (const isa of ['neon', 'scalar']) {
  const probe = spawnSync('qemu-aarch64-static', ['-L', sysroot, sysrootNode, '-p', `require(${JSON.stringify(root)}).backend().isa`],
    { cwd: root, encoding: 'utf8', env: { ...process.env, SIMD_SOFTMAX_ADDON: addon, SIMD_SOFTMAX_ISA: isa } });
  const chosen = probe.stdout.trim();
  console.log(`test:arm64: SIMD_SOFTMAX_ISA=${isa}: kernel set ${chosen || `(none: ${probe.stderr.trim()})`}`);
  if (chosen !== isa || probe.stderr !== '') fail(`the arm64 build did not run the ${isa} kernel set`);
}

// 6. The float16 and bfloat16 kernel tests of both arm64 sets (every kernel at its tails, within one
// ulp of the exact result) and the filter tests (every kernel reading a mask and a temperature),
// cross-compiled with the same toolchain file. (kernel_tests, the float32
// and float64 ones, took over 10 minutes under qemu; properties.test.ts covers those kernels here.)
const nativeTests = path.join(work, 'native-tests');
if (run('cmake', ['-S', root, '-B', nativeTests, `-DCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`,
  '-DCMAKE_BUILD_TYPE=Release', '-DSIMD_SOFTMAX_BUILD_TESTS=ON']) !== 0 ||
  run('cmake', ['--build', nativeTests, '--target', 'half_kernel_tests', 'filter_kernel_tests']) !== 0) {
  fail('the arm64 native tests did not build');
}

// Both kernel sets' jest runs at once, one emulated Node per core, then the native tests the same way.
const { runInParallel } = require('./lib/parallel-runs.js');
const started = Date.now();
const jestRuns = ['neon', 'scalar'].map((isa) => ({
  label: `arm64 jest with SIMD_SOFTMAX_ISA=${isa}`,
  command: 'qemu-aarch64-static',
  args: ['-L', sysroot, sysrootNode, require.resolve('jest/bin/jest'), '--ci', '--runInBand',
    '--testNamePattern', '^(?!.*ulimit)', ...suites, ...process.argv.slice(2)],
  options: { cwd: root, env: { ...process.env, SIMD_SOFTMAX_ADDON: addon, SIMD_SOFTMAX_ISA: isa } },
}));
const nativeRuns = ['half_kernel_tests', 'filter_kernel_tests'].map((test) => ({
  label: `arm64 ${test} (neon and scalar)`,
  command: 'qemu-aarch64-static',
  args: ['-L', sysroot, path.join(nativeTests, test)],
  options: { cwd: root },
}));
runInParallel(jestRuns).then((jestCodes) => runInParallel(nativeRuns).then((nativeCodes) => {
  const failed = [...jestCodes, ...nativeCodes].some((code) => code !== 0);
  console.log(`\ntest:arm64: ${failed ? 'FAILED' : 'passed'} (neon and scalar, jest and native tests, ${((Date.now() - started) / 1000).toFixed(0)} s under emulation)`);
  process.exit(failed ? 1 : 0);
}));
