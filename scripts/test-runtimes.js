#!/usr/bin/env node
// `npm run test:runtimes`: the package under every JavaScript runtime it supports, each from its
// official binary on npm (scripts/lib/runtimes.js: Node 18, 20, 22, 24 and 26, Bun, Deno; fetched
// once into build/runtimes/). In each: test/runtimes/suite.cjs (loading, the torch fixtures, async
// calls, worker_threads with a worker terminated while its async calls run, threads,
// SharedArrayBuffer), then every example in examples/, whose output must be what this machine's
// Node prints. Deno runs with the permissions the README names. Linux x64 only.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const { RUNTIMES, commandFor, fetchRuntime } = require('./lib/runtimes.js');
const helpers = require('./lib/script.js').scriptHelpers('test:runtimes');
const { fail, root } = helpers;

if (process.platform !== 'linux' || process.arch !== 'x64') fail('fetches the linux-x64 runtime binaries from npm');
if (!fs.existsSync(path.join(root, 'dist', 'index.js'))) fail('dist/ is missing: run `npm run build:ts` first');

const TIMEOUT_MS = 300_000;
const suite = path.join(root, 'test', 'runtimes', 'suite.cjs');
const examples = fs.readdirSync(path.join(root, 'examples')).filter((name) => /\.(c|m)?js$/.test(name)).sort();

function capture(command, args) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 << 20 });
  const how = result.error ? result.error.message : result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
  return { ok: result.status === 0, how, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

// A runtime with Float16Array hands an onnxruntime float16 tensor's data over as one; the values
// printed are the same.
const sameOutput = (text) => text.replace(/data Float16Array/g, 'data Uint16Array');

// What every example prints under this machine's Node (test/examples.test.ts checks these texts).
const expected = new Map(examples.map((name) => [name, capture(process.execPath, [path.join(root, 'examples', name)])]));
for (const [name, result] of expected) {
  if (!result.ok) fail(`examples/${name} fails under this machine's Node (${result.how}): ${result.stderr}`);
}

const rows = [];
let failures = 0;
for (const runtime of RUNTIMES) {
  const executable = fetchRuntime(root, runtime, helpers);
  const version = capture(executable, ['--version']).stdout.split('\n')[0].trim();
  const problems = [];
  const [command, args] = commandFor(runtime, executable, suite);
  const run = capture(command, args);
  const checks = /checks: (\d+)/.exec(run.stdout)?.[1];
  if (!run.ok || checks === undefined) problems.push(`suite: ${run.how}\n${run.stdout}${run.stderr}`);
  let examplesOk = 0;
  for (const name of examples) {
    const [exampleCommand, exampleArgs] = commandFor(runtime, executable, path.join(root, 'examples', name));
    const result = capture(exampleCommand, exampleArgs);
    if (result.ok && sameOutput(result.stdout) === sameOutput(expected.get(name).stdout)) {
      examplesOk++;
    } else {
      problems.push(`examples/${name}: ${result.how}\n${result.stdout}${result.stderr}`);
    }
  }
  const passed = problems.length === 0;
  if (!passed) failures++;
  rows.push(`${passed ? 'ok  ' : 'FAIL'} ${runtime.name.padEnd(8)} ${version.padEnd(24)} suite ${checks ?? '-'} checks, examples ${examplesOk}/${examples.length}`);
  console.log(rows[rows.length - 1]);
  for (const problem of problems) console.log(`      ${problem.trim().split('\n').join('\n      ')}`);
}

console.log(`test:runtimes: ${failures === 0 ? 'passed' : `${failures} of ${RUNTIMES.length} runtimes FAILED`}`);
process.exit(failures === 0 ? 0 : 1);
