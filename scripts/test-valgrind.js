#!/usr/bin/env node
// `npm run test:valgrind`: runs test/stress/exercise-paths.js under valgrind memcheck once per kernel
// set and fails on any error (invalid access, use of uninitialised memory) or leak whose stack passes
// through the addon. Errors wholly inside Node are counted, not failed: V8's garbage collector scans
// stacks conservatively, and valgrind reports its reads of uninitialised stack slots (seen here:
// 0 or some 2,000 such reports from run to run, all in heap::base::Stack). "Possibly lost" blocks
// through the addon are listed: the pool's worker threads are never joined by design, so their
// thread-local storage is one such block per thread. About 2 minutes per kernel set here.
'use strict';

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('test:valgrind: valgrind is not installed (Debian: apt-get install valgrind)');
  process.exit(1);
}
// The kernel sets the CPU that valgrind emulates can run: valgrind 3.19 has no AVX-512, and its CPU
// does not report it, so the addon under valgrind offers avx2 and scalar where the host offers
// avx512 too. Asked under valgrind itself (its instrumentation-free tool, a few seconds).
const probe = spawnSync('valgrind', ['--tool=none', '-q', process.execPath, '-p',
  `require(${JSON.stringify(path.join(root, 'dist', 'native.js'))}).native.runnableIsas().join(',')`], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.error(`test:valgrind: the addon does not load under valgrind:\n${probe.stderr}`);
  process.exit(1);
}
const isas = probe.stdout.trim().split(',');
const { native } = require(path.join(root, 'dist', 'native.js'));
const skipped = native.runnableIsas().filter((isa) => !isas.includes(isa));
if (skipped.length > 0) console.log(`test:valgrind: valgrind's CPU cannot run ${skipped.join(', ')}; not tested here`);
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'simd-softmax-valgrind-'));
let failed = false;
for (const isa of isas) {
  const log = path.join(logDir, `${isa}.log`);
  const started = Date.now();
  const result = spawnSync('valgrind', [
    '--tool=memcheck', '--leak-check=full', '--show-leak-kinds=definite,possible',
    // V8 writes machine code at run time: valgrind must re-read code it has already translated.
    '--smc-check=all-non-file', '--num-callers=40', `--log-file=${log}`,
    process.execPath, path.join(root, 'test', 'stress', 'exercise-paths.js'),
  ], { stdio: 'inherit', env: { ...process.env, SIMD_SOFTMAX_ISA: isa } });
  const text = fs.readFileSync(log, 'utf8');
  // Records (errors and loss records) are separated by blank "==pid== " lines.
  const records = text.split(/^==\d+== $/m);
  const throughAddon = (record) => /simd_softmax/.test(record);
  const errors = records.filter((r) => /^==\d+== (Invalid|Conditional|Use of|Syscall param|Mismatched|Source and destination)/m.test(r));
  const addonErrors = errors.filter(throughAddon);
  const definite = records.filter((r) => /are definitely lost/.test(r));
  const addonLeaks = records.filter((r) => /are (definitely|possibly) lost/.test(r) && throughAddon(r));
  const explained = (r) => /are possibly lost/.test(r) && /ThreadPool::start_workers/.test(r) && /allocate_dtv|_dl_allocate_tls/.test(r);
  const unexplained = addonLeaks.filter((r) => !explained(r));
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const total = /ERROR SUMMARY: ([\d,]+) errors from ([\d,]+) contexts/.exec(text);
  console.log(`test:valgrind ${isa}: ${total ? `${total[1]} errors in ${total[2]} contexts` : 'no error summary'}; ` +
    `${addonErrors.length} error contexts through the addon, ${errors.length - addonErrors.length} inside Node; ` +
    `${definite.length} definite leaks (${definite.filter(throughAddon).length} through the addon); ` +
    `${addonLeaks.length - unexplained.length} possibly lost blocks that are pool threads' TLS; ${unexplained.length} other leaks through the addon; ` +
    `${seconds} s; log ${log}`);
  for (const record of [...addonErrors, ...unexplained]) console.error(record);
  if (result.error || !/ERROR SUMMARY/.test(text) || addonErrors.length > 0 || unexplained.length > 0 || definite.some(throughAddon)) {
    failed = true;
  }
}
console.log(`test:valgrind: ${failed ? 'FAILED' : 'clean'}`);
process.exit(failed ? 1 : 0);
