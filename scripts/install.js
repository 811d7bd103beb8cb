#!/usr/bin/env node
// The package's install step (package.json "install"): keep the prebuilt binary for this platform
// when one loads, else build from source with cmake-js. A missing prebuild is expected (a git clone,
// a platform without one), so it is reported in one line, not as node-gyp-build's error and stack.
// npm_config_build_from_source=true (`npm install --build-from-source`) skips the prebuild.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const target = `${process.platform}-${process.arch}`;

/** Why no existing binary will do, or null when one loads. */
function whyBuild() {
  if (/^(1|true)$/i.test(process.env.npm_config_build_from_source ?? '')) return 'building from source as asked (--build-from-source)';
  try {
    require('node-gyp-build')(root);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith('No native build was found')) return `no prebuilt binary for ${target} in this package`;
    return `the binary for ${target} does not load here (${message.split('\n')[0]})`;
  }
}

const reason = whyBuild();
if (reason === null) process.exit(0);

console.log(`simd-softmax: ${reason}; building from source with cmake-js (needs cmake >= 3.15 and a C++17 compiler)`);
const build = spawnSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('simd-softmax: the build from source failed (its output is above). Install cmake (>= 3.15) and a C++17 ' +
    'compiler (Debian/Ubuntu: `apt-get install cmake g++`; Alpine: `apk add cmake g++ make`; macOS: the Xcode ' +
    'command line tools and cmake; Windows: Visual Studio Build Tools with C++ and cmake), then run ' +
    '`npm rebuild simd-softmax --foreground-scripts`.');
  process.exit(build.status ?? 1);
}
