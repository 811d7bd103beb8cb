#!/usr/bin/env node
// `npm run prebuilds [-- --arch arm64]`: builds the Node-API prebuild for this platform (or, on
// Linux x64, a cross build for arm64) with prebuildify through cmake-js, stripped, into
// prebuilds/<platform>-<arch>/simd-softmax.node. prebuildify moves the binary it builds out of
// build/Release/; the local build that was there is put back afterwards.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { aptInstall, have } = require('./lib/apt.js');

const root = path.join(__dirname, '..');
const archIndex = process.argv.indexOf('--arch');
const arch = archIndex > 0 ? process.argv[archIndex + 1] : process.arch;
const cross = arch !== process.arch;
if (cross && !(process.platform === 'linux' && arch === 'arm64')) {
  console.error(`prebuild: cross builds are set up for linux-arm64 only, not ${process.platform}-${arch}`);
  process.exit(1);
}

// The cross compiler (and its strip) from Debian's apt when missing, as test:arm64 installs it; where
// apt cannot run (not root, not Debian), one line says what to install.
if (cross && !have('aarch64-linux-gnu-g++')) {
  const canInstall = typeof process.getuid === 'function' && process.getuid() === 0 && have('apt-get');
  if (!canInstall || !aptInstall('prebuild', ['g++-aarch64-linux-gnu'])) {
    console.error('prebuild: the linux-arm64 build needs the cross compiler aarch64-linux-gnu-g++: install ' +
      "Debian or Ubuntu's g++-aarch64-linux-gnu (apt-get install g++-aarch64-linux-gnu), then run this again");
    process.exit(1);
  }
}

const localBuild = path.join(root, 'build', 'Release', 'simd_softmax.node');
const saved = path.join(root, 'build', 'simd_softmax.node.local');
if (fs.existsSync(localBuild)) fs.renameSync(localBuild, saved);
let status = 1;
try {
  // The stand-in for node-gyp runs as an executable script; Windows cannot run a .js file
  // directly, so there it goes through the shell as `node <script>`.
  const shim = path.join(__dirname, 'prebuild-node-gyp.js');
  const nodeGyp = process.platform === 'win32' ? ['--shell', '--node-gyp', `"${process.execPath}" "${shim}"`] : ['--node-gyp', shim];
  const args = [require.resolve('prebuildify/bin.js'), '--napi', '--strip', '--arch', arch, ...nodeGyp];
  if (cross) args.push('--strip-bin', 'aarch64-linux-gnu-strip');
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  status = result.status ?? 1;
} finally {
  if (fs.existsSync(saved)) fs.renameSync(saved, localBuild);
}
const output = path.join(root, 'prebuilds', `${process.platform}-${arch}`, 'simd-softmax.node');
if (status === 0 && !fs.existsSync(output)) {
  console.error(`prebuild: prebuildify succeeded but ${path.relative(root, output)} is missing`);
  status = 1;
}
if (status === 0) console.log(`prebuild: ${path.relative(root, output)} (${fs.statSync(output).size} bytes)`);
process.exit(status);
