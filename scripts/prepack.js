#!/usr/bin/env node
// `prepack` (npm pack, npm publish): a published package must hold the Linux prebuilds, or every
// user on Linux needs cmake and a compiler, and an install with scripts blocked gets nothing at
// all. Where prebuilds/linux-x64 or prebuilds/linux-arm64 is missing or older than the sources it
// is built from, builds it on a Linux x64 machine (scripts/prebuild.js; arm64 cross-compiled);
// checks that each is a shared object for its CPU; refuses to pack otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { fail, root, run } = require('./lib/script.js').scriptHelpers('prepack');

// ELF e_machine of each target's binary.
const TARGETS = [
  { arch: 'x64', machine: 62 },
  { arch: 'arm64', machine: 183 },
];

/** The newest modification time among the files a prebuild is built from. */
function newestSource() {
  let newest = 0;
  const visit = (file) => {
    if (!fs.existsSync(file)) return;
    const stat = fs.statSync(file);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(file)) visit(path.join(file, name));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const source of ['binding', 'cmake', 'CMakeLists.txt']) visit(path.join(root, source));
  return newest;
}

/** Why prebuilds/linux-<arch>/simd-softmax.node is not a usable binary for that CPU, or null. */
function problemWith(file, machine) {
  if (!fs.existsSync(file)) return 'it is missing';
  if (fs.statSync(file).mtimeMs < newestSource()) return 'it is older than the sources under binding/, cmake/ or CMakeLists.txt';
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return 'it is not an ELF file';
  const found = header.readUInt16LE(18);
  return found === machine ? null : `it is built for ELF machine ${found}, not ${machine}`;
}

for (const { arch, machine } of TARGETS) {
  const file = path.join(root, 'prebuilds', `linux-${arch}`, 'simd-softmax.node');
  let problem = problemWith(file, machine);
  if (problem !== null && process.platform === 'linux' && process.arch === 'x64') {
    console.error(`prepack: prebuilds/linux-${arch}: ${problem}; building it`);
    const args = arch === process.arch ? [] : ['--arch', arch];
    // Its output on stderr: `npm pack --json` prints the package's listing on stdout.
    if (run(process.execPath, [path.join(__dirname, 'prebuild.js'), ...args], { stdio: ['ignore', 2, 2] }) === 0) {
      problem = problemWith(file, machine);
    }
  }
  if (problem !== null) {
    fail(`refusing to pack: prebuilds/linux-${arch}/simd-softmax.node ${problem.replace(/^it /, '')}. Build it with ` +
      `\`npm run ${arch === 'x64' ? 'prebuilds' : 'prebuilds:linux-arm64'}\` on Linux x64 (or take it from the prebuild workflow's artifacts).`);
  }
}
console.error('prepack: prebuilds/linux-x64 and prebuilds/linux-arm64 are in place');
