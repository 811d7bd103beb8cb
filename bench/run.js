#!/usr/bin/env node
// `npm run bench`: native throughput of simd-softmax on the standard cases, side by side with the
// memcpy of the same bytes, a plain JavaScript loop and (when installed) PyTorch and onnxruntime-node,
// all measured in this run. Every timed result is checked against a float64 reference.
//
//   npm run bench [-- --quick] [--cases cls,big] [--threads 1,2] [--json FILE] [--svg FILE] [--no-torch]
//                 [--no-onnxruntime]
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const simd = require('..');
const { loadBenchHelpers } = require('./helpers.js');

const helpers = loadBenchHelpers();
const { CASES, QUICK_CASES } = require('./cases.js');
const { jsLoop, maxError, onnxruntimeTimes, reference, torchTimes } = require('./peers.js');
const { maxUlps, narrow, widen, widenTable } = require('./half-js.js');
const { optionCase } = require('./options.js');
const { gaussianArray } = require('./random.js');
const { median, splitAroundDim } = require('./stats.js');
const { barChart } = require('./svg.js');

function parseArgs(argv) {
  const args = { quick: false, cases: undefined, threads: undefined, json: undefined, svg: undefined, torch: true, onnxruntime: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === '--quick') args.quick = true;
    else if (flag === '--cases') args.cases = value().split(',');
    else if (flag === '--threads') args.threads = value().split(',').map(Number);
    else if (flag === '--json') args.json = value();
    else if (flag === '--svg') args.svg = value();
    else if (flag === '--no-torch') args.torch = false;
    else if (flag === '--no-onnxruntime') args.onnxruntime = false;
    else {
      throw new Error(`unknown option ${flag} (options: --quick, --cases a,b, --threads 1,2, --json FILE, --svg FILE, --no-torch, --no-onnxruntime)`);
    }
  }
  if (args.threads !== undefined && !args.threads.every((t) => Number.isInteger(t) && t >= 1)) {
    throw new Error('--threads takes positive integers, e.g. --threads 1,2');
  }
  return args;
}

/**
 * ns per call of one sample: calls fn in batches that double in size until at least minNs have
 * passed, reading the clock once per batch (reading it per call would dominate tiny calls).
 */
function sample(fn, minNs) {
  let calls = 0;
  let batch = 1;
  const start = process.hrtime.bigint();
  for (;;) {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    const elapsed = Number(process.hrtime.bigint() - start);
    if (elapsed >= minNs) return elapsed / calls;
    if (elapsed * 4 < minNs) batch *= 2;
  }
}

/** Medians of several variants measured in interleaved rounds, so that drift hits them alike. */
function measure(variants, rounds, minNs) {
  // Warm-up: long enough for the JIT to optimise the call path and the pool to wake.
  for (const v of variants) {
    if (v.threads !== undefined) simd.setNumThreads(v.threads);
    sample(v.fn, Math.max(minNs, 5e7));
  }
  const samples = variants.map(() => []);
  for (let r = 0; r < rounds; r++) {
    variants.forEach((v, i) => {
      // Collect the previous variant's garbage first, so that no variant pays for another's GC
      // (npm run bench passes --expose-gc).
      if (typeof global.gc === 'function') global.gc();
      if (v.threads !== undefined) simd.setNumThreads(v.threads);
      samples[i].push(sample(v.fn, v.minNs ?? minNs));
    });
  }
  return samples.map(median);
}

/**
 * The speedup a pure compute loop (no memory traffic) gets from `threads` threads on this machine
 * now: the ceiling for compute-bound cases. Both sides run the same total work, interleaved.
 */
function threadScalingCeiling(threads, rounds) {
  const iterations = 2e6;
  const times = { 1: [], [threads]: [] };
  for (let r = 0; r < rounds; r++) {
    for (const t of [1, threads]) {
      const start = process.hrtime.bigint();
      helpers.computeLoop(threads, iterations, t);
      times[t].push(Number(process.hrtime.bigint() - start));
    }
  }
  return median(times[1]) / median(times[threads]);
}

function header(threadCounts) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const info = simd.backend();
  return [
    `simd-softmax ${info.version} bench: ${cpu}, ${os.availableParallelism()} cores, ${os.platform()}-${os.arch()}, Node ${process.versions.node}`,
    `kernel set ${info.isa} (available: ${info.availableIsas.join(', ')}); threads measured: ${threadCounts.join(', ')}`,
  ].join('\n');
}

function formatTime(ns) {
  if (ns < 1e4) return `${(ns / 1e3).toFixed(2)} us`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} us`;
  return `${(ns / 1e6).toFixed(2)} ms`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const threadCounts = args.threads ?? [...new Set([1, os.availableParallelism()])];
  const wanted = args.cases ?? (args.quick ? QUICK_CASES : CASES.map((c) => c.name));
  const unknown = wanted.filter((name) => !CASES.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`unknown case(s) ${unknown.join(', ')}; cases: ${CASES.map((c) => c.name).join(', ')}`);
  const cases = CASES.filter((c) => wanted.includes(c.name));
  const rounds = args.quick ? 3 : 7;
  const minNs = args.quick ? 4e6 : 2e7;
  const initialThreads = simd.getNumThreads();
  console.log(header(threadCounts));
  const maxThreads = Math.max(...threadCounts);
  const ceilingBefore = maxThreads > 1 ? threadScalingCeiling(maxThreads, args.quick ? 5 : 11) : undefined;

  const records = [];
  const peerJobs = [];
  for (const c of cases) {
    const half = c.dtype === 'float16' || c.dtype === 'bfloat16';
    const Ctor = half ? Uint16Array : c.dtype === 'float32' ? Float32Array : Float64Array;
    const numel = c.shape.reduce((a, b) => a * b, 1);
    const bytes = 2 * numel * Ctor.BYTES_PER_ELEMENT;
    // Half precision: the bits of randn * 3 rounded to the dtype, and the same values widened to
    // float32 (what the float32 twin and the reference see).
    const table = half ? widenTable(c.dtype) : undefined;
    const x = half ? new Uint16Array(simd.tensor(gaussianArray(Float32Array, numel, 42, 3), { dtype: c.dtype }).data.buffer)
      : gaussianArray(Ctor, numel, 42, 3);
    const values = half ? new Float32Array(numel) : x;
    if (half) widen(x, values, table);
    const input = half ? { data: x, shape: c.shape, dtype: c.dtype } : { data: x, shape: c.shape };
    // Option cases: the values the softmax sees (the options applied), for the reference.
    const optioned = c.options === undefined ? undefined : optionCase(c);
    const seen = optioned === undefined ? values : new Ctor(numel);
    if (optioned !== undefined) optioned.applied(x, seen);
    const options = optioned?.options ?? {};
    const [outer, dimSize, inner] = splitAroundDim(c.shape, c.dim);
    const copyTarget = new Ctor(numel);
    for (const op of ['softmax', 'logSoftmax']) {
      const log = op === 'logSoftmax';
      const want = reference(seen, outer, dimSize, inner, log);
      // Half results are held to one ulp of the reference rounded once; float ones to a relative error.
      const errorOf = (data) => (half ? maxUlps(new Uint16Array(data.buffer, data.byteOffset, numel), want, c.dtype) : maxError(data, want, log));
      // The plain JS loop: single-threaded by nature, measured once per case and op (half precision:
      // widened through the table, computed in float32, narrowed back).
      const jsOut = half ? new Float32Array(numel) : new Ctor(numel);
      const jsWide = half ? new Float32Array(numel) : undefined;
      const jsBits = half ? new Uint16Array(numel) : undefined;
      const jsScratch = optioned === undefined ? undefined : new Ctor(numel);
      const jsFn = half
        ? () => { widen(x, jsWide, table); jsLoop(jsWide, jsOut, outer, dimSize, inner, log); narrow(jsOut, jsBits, c.dtype); }
        : optioned !== undefined ? () => { optioned.jsToday(x, jsScratch); jsLoop(jsScratch, jsOut, outer, dimSize, inner, log); }
          : () => jsLoop(x, jsOut, outer, dimSize, inner, log);
      const [jsNs] = measure([{ fn: jsFn, minNs: Math.min(minNs, 5e7) }], args.quick ? 1 : 3, minNs);
      const jsError = errorOf(half ? jsBits : jsOut);
      // The function itself, as a caller holds it (like jsLoop): looking it up on the module for
      // every call would time the lookup too.
      const call = simd[op];
      // Every thread count's variants in the same rounds: the ratios between them are side by side.
      // Half precision adds its float32 twin and what a Node user does today: widen through the
      // table, our float32 softmax, narrow back.
      const outs = threadCounts.map(() => new Ctor(numel));
      const allocated = threadCounts.map(() => undefined);
      const twinInput = { data: values, shape: c.shape };
      const twinOut = new Float32Array(half ? numel : 0);
      const userWide = new Float32Array(half ? numel : 0);
      const userOut = new Float32Array(half ? numel : 0);
      const userBits = new Uint16Array(half ? numel : 0);
      // Option cases add our plain softmax on the same input and what a Node user does today: the
      // options applied to a copy in JS, then our plain softmax.
      const plainOut = new Ctor(optioned ? numel : 0);
      const userScratch = new Ctor(optioned ? numel : 0);
      const userResult = new Ctor(optioned ? numel : 0);
      const perThreads = half || optioned ? 5 : 3;
      const variants = threadCounts.flatMap((threads, t) => [
        { threads, fn: () => call(input, c.dim, { out: outs[t], ...options }) },
        { threads, fn: () => { allocated[t] = call(input, c.dim, options); } },
        { threads, fn: () => helpers.copy(x, copyTarget, threads) },
        ...(optioned ? [
          { threads, fn: () => call(input, c.dim, { out: plainOut }) },
          { threads, fn: () => { optioned.jsToday(x, userScratch); call({ data: userScratch, shape: c.shape }, c.dim, { out: userResult }); } },
        ] : []),
        ...(half ? [
          { threads, fn: () => call(twinInput, c.dim, { out: twinOut }) },
          { threads, fn: () => { widen(x, userWide, table); call({ data: userWide, shape: c.shape }, c.dim, { out: userOut }); narrow(userOut, userBits, c.dtype); } },
        ] : []),
      ]);
      const medians = measure(variants, rounds, minNs);
      threadCounts.forEach((threads, t) => {
        const [outNs, allocNs, copyNs, twinNs, userNs] = medians.slice(perThreads * t, perThreads * t + perThreads);
        const [plainNs, todayNs] = optioned ? [twinNs, userNs] : [];
        // Check what was timed: a kernel that skipped work would fail here, not look fast.
        const errors = { out: errorOf(outs[t]), alloc: errorOf(allocated[t].data) };
        const bound = half ? 1 : c.dtype === 'float32' ? 1e-5 : 1e-12;
        for (const [mode, error] of Object.entries(errors)) {
          if (!(error <= bound)) throw new Error(`${c.name} ${op} ${mode} ${threads} threads: max error ${error} exceeds ${bound}${half ? ' ulp' : ''}`);
        }
        for (const [mode, ns] of [['out', outNs], ['alloc', allocNs]]) {
          const key = `${c.name}/${op}/${mode}/${threads}`;
          records.push({
            case: c.name, shape: c.shape, dim: c.dim, dtype: c.dtype, op, mode, threads, medianNs: ns,
            gbps: bytes / ns, jsLoopNs: jsNs, vsJsLoop: jsNs / ns, memcpyNs: copyNs, memcpyGbps: bytes / copyNs,
            percentOfMemcpy: (100 * copyNs) / ns, maxError: errors[mode], jsLoopMaxError: jsError, key,
            // The twin and the widen-compute-narrow path write into arrays they were given: against out= calls.
            ...(half && mode === 'out' ? { twin: c.twin, twinNs, vsTwin: twinNs / ns, widenComputeNarrowNs: userNs, vsWidenComputeNarrow: userNs / ns } : {}),
            // Against out= calls too: our plain softmax, and the options applied in JS then our plain softmax.
            ...(optioned && mode === 'out' ? { options: c.options, plainNs, vsPlain: plainNs / ns, jsTodayNs: todayNs, vsJsToday: todayNs / ns } : {}),
          });
          peerJobs.push({ key, shape: c.shape, dim: c.dim, dtype: c.dtype, op: log ? 'log_softmax' : 'softmax', mode, threads,
            repeats: rounds, minSeconds: minNs / 1e9, ...(optioned ? { options: optioned.torch } : {}) });
          process.stderr.write(`  ${c.name} ${op} ${mode} ${threads}t: ${formatTime(ns)}  ${(bytes / ns).toFixed(2)} GB/s\n`);
        }
      });
    }
  }
  const ceilingAfter = maxThreads > 1 ? threadScalingCeiling(maxThreads, args.quick ? 5 : 11) : undefined;
  simd.setNumThreads(initialThreads);
  const ceiling = ceilingBefore === undefined ? undefined : { before: ceilingBefore, after: ceilingAfter };

  // The peers run in their own processes on the same cases; each fills its column where it ran.
  const peers = [];
  if (args.torch) {
    process.stderr.write('measuring PyTorch (Debian python3-torch) on the same cases...\n');
    // torch 1.13 has no float16 softmax on CPU.
    const torch = torchTimes(peerJobs.filter((job) => job.dtype !== 'float16'));
    if (torch.available) {
      peers.push({ name: 'torch', version: torch.version, nsByKey: (key) => (torch.results[key] === undefined ? undefined : torch.results[key] * 1e9) });
    } else {
      process.stderr.write('PyTorch not available: its column is left empty\n');
    }
  }
  if (args.onnxruntime) {
    process.stderr.write('measuring onnxruntime-node on the same cases...\n');
    const ort = onnxruntimeTimes(peerJobs.filter((job) => (job.dtype === 'float32' || job.dtype === 'float64') && job.options === undefined));
    if (ort.available) {
      peers.push({ name: 'onnxruntime', version: ort.version, nsByKey: (key) => ort.results[key] });
      for (const [key, message] of Object.entries(ort.errors)) process.stderr.write(`onnxruntime ${key}: ${message}; not timed\n`);
    } else {
      process.stderr.write(`onnxruntime-node ${ort.reason}: its column is left empty\n`);
    }
  }
  for (const r of records) {
    for (const peer of peers) {
      const ns = peer.nsByKey(r.key);
      if (ns !== undefined) {
        r[`${peer.name}Ns`] = ns;
        r[`vs${peer.name[0].toUpperCase()}${peer.name.slice(1)}`] = ns / r.medianNs;
      }
    }
  }
  const versions = Object.fromEntries(peers.map((peer) => [peer.name, peer.version]));
  for (const r of records) delete r.key;

  const rows = [['case', 'shape', 'dim', 'dtype', 'op', 'mode', 'thr', 'median/call', 'GB/s', 'x JS loop', '% memcpy',
    versions.torch ? `x torch ${versions.torch}` : 'x torch', versions.onnxruntime ? `x ort ${versions.onnxruntime}` : 'x ort',
    'x f32 twin', 'x widen+f32+narrow', 'x plain', 'x JS+ours']];
  for (const r of records) {
    rows.push([r.case, `[${r.shape.join(',')}]`, String(r.dim), r.dtype, r.op, r.mode, String(r.threads), formatTime(r.medianNs),
      r.gbps.toFixed(2), r.vsJsLoop.toFixed(1), r.percentOfMemcpy.toFixed(0), r.vsTorch === undefined ? '-' : r.vsTorch.toFixed(2),
      r.vsOnnxruntime === undefined ? '-' : r.vsOnnxruntime.toFixed(2), r.vsTwin === undefined ? '-' : r.vsTwin.toFixed(2),
      r.vsWidenComputeNarrow === undefined ? '-' : r.vsWidenComputeNarrow.toFixed(1), r.vsPlain === undefined ? '-' : r.vsPlain.toFixed(2),
      r.vsJsToday === undefined ? '-' : r.vsJsToday.toFixed(1)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${line(rows[0])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows.slice(1)) console.log(line(row));
  console.log('\nGB/s = (input + output bytes) / median time per call; x JS loop, x torch and x ort (onnxruntime-node) = their time / ours; ' +
    '% memcpy = a native memcpy of the same bytes, on the same threads, as a share of our time. Half precision: x f32 twin = our ' +
    'float32 time on the same shape / ours (elements per second against float32); x widen+f32+narrow = widening through a ' +
    'table in JS, our float32 softmax and narrowing back / ours; the JS loop widens and narrows too; results within 1 ulp. ' +
    'Options (mask, causal, temperature): x plain = our softmax without them on the same shape / ours; x JS+ours = the options ' +
    'applied to a copy in JS (-inf at masked positions, or x / T), then our softmax / ours; torch runs masked_fill or x / T first.');
  if (ceiling) {
    console.log(`Thread-scaling ceiling of this machine during the run (a pure compute loop on ${maxThreads} threads vs 1): ` +
      `${ceiling.before.toFixed(2)}x before, ${ceiling.after.toFixed(2)}x after.`);
  }

  if (args.json) {
    fs.writeFileSync(args.json,
      `${JSON.stringify({ machine: header(threadCounts), torch: versions.torch ?? null, onnxruntime: versions.onnxruntime ?? null, threadScalingCeiling: ceiling ?? null, records }, null, 1)}\n`);
    console.log(`wrote ${args.json}`);
  }
  if (args.svg) {
    fs.writeFileSync(args.svg, barChart(records, header(threadCounts)));
    console.log(`wrote ${args.svg}`);
  }
}

try {
  main();
} catch (error) {
  console.error(`bench: ${error.message}`);
  process.exit(1);
}
