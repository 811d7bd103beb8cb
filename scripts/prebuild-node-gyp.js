#!/usr/bin/env node
// Stands in for node-gyp when prebuildify builds (`--node-gyp scripts/prebuild-node-gyp.js`):
// prebuildify calls `node-gyp rebuild --target=<node version> --devdir=... --arch=<arch> --release`
// and then takes the .node file from build/Release/. This builds with cmake-js instead, into
// build/<platform>-<arch>/ (a cross build must not reuse the host's build folder), with the
// aarch64 toolchain file when building arm64 on another CPU, and copies the result to build/Release/.
// --target is dropped: to cmake-js it would name a CMake target, not a Node version.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const argument = (name) => process.argv.slice(2).find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const arch = argument('arch') || process.arch;
const outDir = path.join('build', `${process.platform}-${arch}`);

const cmakeArgs = [require.resolve('cmake-js/bin/cmake-js'), 'rebuild', '--arch', arch, '--out', outDir];
if (process.platform === 'linux' && arch === 'arm64' && process.arch !== 'arm64') {
  cmakeArgs.push(`--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'aarch64-linux-gnu.cmake')}`);
}
const result = spawnSync(process.execPath, cmakeArgs, { cwd: root, stdio: 'inherit' });
if (result.error) throw result.error;
if (result.status !== 0) process.exit(result.status ?? 1);

const built = path.join(root, outDir, 'Release', 'simd_softmax.node');
const release = path.join(root, 'build', 'Release');
fs.mkdirSync(release, { recursive: true });
fs.copyFileSync(built, path.join(release, 'simd_softmax.node'));
