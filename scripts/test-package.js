#!/usr/bin/env node
// `npm run test:package`: what users get from npm. It builds the linux-x64 prebuild, then in scratch
// folders outside the repository:
//  1. a copy of the package with prebuilds/ and no build/ loads the prebuild;
//  2. a copy with neither gives one error naming the platform, the CPU, where it looked and how to
//     build from source;
//  3. `npm pack` ships dist/, the binding sources, CMakeLists.txt, cmake/ and prebuilds/, and no
//     tests or build output;
//  4. a project installing that tarball, with cmake and compilers hidden from PATH, installs without
//     compiling (the prebuild loads) and computes;
//  5. a project installing a tarball without prebuilds compiles from source during install.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;
let failures = 0;

function check(condition, what, detail = '') {
  console.log(`${condition ? 'ok  ' : 'FAIL'}: ${what}${!condition && detail ? `\n${detail}` : ''}`);
  if (!condition) failures++;
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { encoding: 'utf8', ...options });
}

const SMOKE = "const s = require('simd-softmax'); const r = s.softmax(new Float32Array([0, Math.log(3)]), 0);" +
  "console.log(r.data[0].toFixed(4), r.data[1].toFixed(4), s.backend().isa);";

if (run(process.execPath, [path.join(__dirname, 'prebuild.js')], { stdio: 'inherit' }).status !== 0) {
  console.error('test:package: the prebuild failed');
  process.exit(1);
}
const prebuild = path.join(root, 'prebuilds', target, 'simd-softmax.node');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'simd-softmax-package-'));

// A copy of the package as it would sit in node_modules: package.json, dist/, and optionally prebuilds/.
function copyPackage(name, withPrebuilds) {
  const dir = path.join(scratch, name, 'node_modules', 'simd-softmax');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true });
  if (withPrebuilds) fs.cpSync(path.join(root, 'prebuilds', target), path.join(dir, 'prebuilds', target), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(scratch, name, 'node_modules', 'node-gyp-build'));
  return path.join(scratch, name);
}

// 1. prebuilds/ without build/.
{
  const project = copyPackage('prebuilt-only', true);
  const result = run(process.execPath, ['-e', `${SMOKE} console.log(require('fs').readFileSync('/proc/self/maps', 'utf8').includes('prebuilds/${target}/simd-softmax.node'))`],
    { cwd: project });
  check(result.status === 0 && /^0\.2500 0\.7500 \w+\ntrue$/.test(result.stdout.trim()), `a copy with only prebuilds/${target} loads the prebuild`,
    result.stdout + result.stderr);
}

// 2. Neither build/ nor prebuilds/.
{
  const project = copyPackage('nothing', false);
  const result = run(process.execPath, ['-e', "require('simd-softmax')"], { cwd: project });
  const message = result.stderr;
  check(result.status !== 0 && message.includes(`no native addon could be loaded for ${target}`) && message.includes('Looked in build') &&
    message.includes(`prebuilds${path.sep}${target}`) && message.includes('npm rebuild simd-softmax --foreground-scripts') && message.includes('cmake') &&
    message.includes('--ignore-scripts') && message.includes('npm install-scripts approve simd-softmax') && message.includes('allowScripts'),
  'without any binary, one error says the platform, where it looked, that the install script did not run and how to build', message);
}

// 3. The tarball's contents.
const packDir = path.join(scratch, 'pack');
fs.mkdirSync(packDir);
const pack = run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: root });
const packed = pack.status === 0 ? JSON.parse(pack.stdout) : [];
check(pack.status === 0, 'npm pack succeeds (prepack finds or builds both Linux prebuilds), its --json listing alone on stdout',
  pack.stdout.slice(0, 2000) + pack.stderr);
const files = (packed[0]?.files ?? []).map((f) => f.path);
const tarball = path.join(packDir, packed[0]?.filename ?? 'missing.tgz');
check(files.includes('dist/index.js') && files.includes('dist/index.mjs') && files.includes('dist/index.d.ts') &&
  files.includes('CMakeLists.txt') && files.includes('binding/addon/addon.cc') && files.includes('binding/kernels/neon/softmax_neon.cc') &&
  files.includes('cmake/aarch64-linux-gnu.cmake') && files.includes('prebuilds/linux-x64/simd-softmax.node') &&
  files.includes('prebuilds/linux-arm64/simd-softmax.node'),
'npm pack ships dist/, the binding sources, CMakeLists.txt, cmake/ and both Linux prebuilds', files.join('\n'));
check(!files.some((f) => /^(test|build|build-\w+|scripts|fuzz|bench|tools|docs|node_modules)\//.test(f) && f !== 'scripts/install.js'),
  'npm pack ships no tests, build output, scripts or tools', files.filter((f) => /^(test|build|scripts|fuzz|bench|tools|docs)/.test(f)).join('\n'));
console.log(`      tarball: ${files.length} files, ${packed[0]?.size ?? '?'} bytes packed`);

// 3b. prepack refuses a package whose arm64 prebuild is wrong and cannot be rebuilt (here: an x64
// binary in prebuilds/linux-arm64, in a copy of the scripts without prebuild.js).
{
  const copy = path.join(scratch, 'prepack-refuses');
  fs.mkdirSync(path.join(copy, 'scripts'), { recursive: true });
  fs.copyFileSync(path.join(root, 'scripts', 'prepack.js'), path.join(copy, 'scripts', 'prepack.js'));
  fs.cpSync(path.join(root, 'scripts', 'lib'), path.join(copy, 'scripts', 'lib'), { recursive: true });
  for (const arch of ['x64', 'arm64']) {
    fs.mkdirSync(path.join(copy, 'prebuilds', `linux-${arch}`), { recursive: true });
    fs.copyFileSync(prebuild, path.join(copy, 'prebuilds', `linux-${arch}`, 'simd-softmax.node'));
  }
  const result = run(process.execPath, [path.join(copy, 'scripts', 'prepack.js')], { cwd: copy });
  check(result.status !== 0 && result.stderr.includes('refusing to pack: prebuilds/linux-arm64/simd-softmax.node is built for ELF machine 62, not 183'),
    'prepack refuses a wrong-architecture arm64 prebuild it cannot rebuild', result.stdout + result.stderr);
}

// A project that installs a tarball; PATH may hide the compilers.
function installProject(name, tgz, env, flags = []) {
  const project = path.join(scratch, name);
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  const install = run('npm', ['install', '--no-audit', '--no-fund', ...flags, tgz], { cwd: project, env: { ...process.env, ...env } });
  return { project, install };
}

// 4. With the prebuild: no compiler needed. cmake, make and c++ are hidden behind a PATH holding
// only node and npm.
{
  const bin = path.join(scratch, 'bin-node-only');
  fs.mkdirSync(bin);
  for (const tool of ['node', 'npm', 'sh']) {
    const found = run('sh', ['-c', `command -v ${tool}`]).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(bin, tool));
  }
  const npmCli = run('sh', ['-c', 'readlink -f "$(command -v npm)"']).stdout.trim();
  fs.rmSync(path.join(bin, 'npm'));
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
  const { project, install } = installProject('with-prebuild', tarball, { PATH: bin }, ['--foreground-scripts']);
  check(install.status === 0, 'installing the tarball with prebuilds succeeds with no cmake or compiler on PATH', install.stdout + install.stderr);
  check(!(install.stdout + install.stderr).includes('building from source'), 'the install says nothing of building', install.stdout + install.stderr);
  const installed = path.join(project, 'node_modules', 'simd-softmax');
  check(!fs.existsSync(path.join(installed, 'build')), 'nothing was compiled (no build/ in the installed package)');
  const smoke = run(process.execPath, ['-e', SMOKE], { cwd: project });
  check(smoke.status === 0 && smoke.stdout.startsWith('0.2500 0.7500'), 'the installed package computes with the prebuild', smoke.stdout + smoke.stderr);
}

// 5. Without prebuilds: the install step compiles from source.
{
  const bare = path.join(scratch, 'bare');
  fs.mkdirSync(bare);
  run('tar', ['-xzf', tarball, '-C', bare]);
  fs.rmSync(path.join(bare, 'package', 'prebuilds'), { recursive: true, force: true });
  const repack = run('npm', ['pack', '--json', '--pack-destination', bare, '--ignore-scripts'], { cwd: path.join(bare, 'package') });
  const bareTarball = path.join(bare, JSON.parse(repack.stdout.slice(repack.stdout.indexOf('[')))[0].filename);
  // --foreground-scripts: npm shows the install script's output (it hides it otherwise).
  const { project, install } = installProject('from-source', bareTarball, {}, ['--foreground-scripts']);
  check(install.status === 0, 'installing a tarball without prebuilds succeeds', install.stdout + install.stderr);
  const output = install.stdout + install.stderr;
  check(output.includes(`simd-softmax: no prebuilt binary for ${target} in this package; building from source with cmake-js`) &&
    !output.includes('No native build was found') && !/\n\s+at /.test(output),
  'the install says in one line that it builds from source, with no stack trace', output);
  const built = path.join(project, 'node_modules', 'simd-softmax', 'build', 'Release', 'simd_softmax.node');
  check(fs.existsSync(built), 'the install step compiled the addon from source (build/Release/simd_softmax.node)');
  const smoke = run(process.execPath, ['-e', SMOKE], { cwd: project });
  check(smoke.status === 0 && smoke.stdout.startsWith('0.2500 0.7500'), 'the source-built package computes', smoke.stdout + smoke.stderr);
}

fs.rmSync(scratch, { recursive: true, force: true });
console.log(`test:package: ${failures === 0 ? 'passed' : `${failures} checks FAILED`} (prebuild ${path.relative(root, prebuild)})`);
process.exit(failures === 0 ? 0 : 1);
