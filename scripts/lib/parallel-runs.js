// Runs several commands at once (one per core of a 2-core CI machine, say) and prints each one's
// output in one piece when it ends, in the order given. Resolves to the exit statuses.
'use strict';

const { spawn } = require('node:child_process');

/** runs: [{ label, command, args, options }] -> Promise<number[]> (exit status per run; 1 on a spawn error). */
function runInParallel(runs) {
  return Promise.all(runs.map((run) => new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(run.command, run.args, { ...run.options, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('error', (error) => chunks.push(Buffer.from(`${error.stack}\n`)));
    child.on('close', (code) => resolve({ run, code: code ?? 1, output: Buffer.concat(chunks).toString('utf8'), seconds: (Date.now() - started) / 1000 }));
  }))).then((results) => {
    for (const { run, code, output, seconds } of results) {
      console.log(`\n=== ${run.label} (exit ${code}, ${seconds.toFixed(0)} s) ===\n${output}`);
    }
    return results.map((result) => result.code);
  });
}

module.exports = { runInParallel };
