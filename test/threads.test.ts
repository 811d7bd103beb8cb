// The thread pool and the async API: same answers on 1 and N threads, async equal to sync, the
// event loop free during async work, many calls in flight, and worker_threads.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';

import {
  backend, explain, getAsyncThreads, getNumThreads, logSoftmax, logSoftmaxAsync, setAsyncThreads, setNumThreads,
  softmax, softmaxAsync,
} from '../lib/index.js';
import { compare, normal, referenceSoftmax, sameBits, seededRandom } from './helpers.js';

const ROOT = path.join(__dirname, '..');
const PACKAGE = path.join(ROOT, 'dist', 'index.js');
const initialThreads = getNumThreads();
afterAll(() => setNumThreads(initialThreads));

function randomArray(random: () => number, length: number, dtype: 'float32' | 'float64', scale = 5) {
  const data = dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
  for (let i = 0; i < length; i++) data[i] = normal(random) * scale;
  return data;
}

function withThreads<T>(threads: number, fn: () => T): T {
  const before = getNumThreads();
  setNumThreads(threads);
  try {
    return fn();
  } finally {
    setNumThreads(before);
  }
}

describe('setAsyncThreads / getAsyncThreads', () => {
  afterEach(() => setAsyncThreads('auto'));

  test("'auto' leaves one core to the event loop, and never exceeds the pool", () => {
    withThreads(4, () => {
      setAsyncThreads('auto');
      const cores = require('node:os').availableParallelism?.() ?? require('node:os').cpus().length;
      expect(getAsyncThreads()).toBe(Math.max(1, Math.min(4, cores - 1)));
      expect(backend().asyncThreads).toBe(getAsyncThreads());
    });
    withThreads(1, () => expect(getAsyncThreads()).toBe(1));
  });

  test('a number sets the async budget, capped by the pool; explain shows it', async () => {
    withThreads(2, () => {
      setAsyncThreads(2);
      expect(getAsyncThreads()).toBe(2);
      const input = { data: new Float32Array(64 * 1000), shape: [64, 1000] };
      expect(explain(input, -1, { async: true }).threads).toBe(2);
      setAsyncThreads(1);
      expect(explain(input, -1, { async: true })).toMatchObject({ threads: 1, split: 'none', staged: false });
      expect(explain(input, -1).threads).toBe(2);
      setAsyncThreads(8);
      expect(getAsyncThreads()).toBe(2);
    });
    // Whatever the budget, async results equal sync ones bit for bit (rows are never split here).
    const random = seededRandom(5);
    const data = randomArray(random, 64 * 1000, 'float32');
    for (const budget of [1, 2, 'auto'] as const) {
      setAsyncThreads(budget);
      const got = await softmaxAsync({ data, shape: [64, 1000] }, 1);
      expect(sameBits(got.data, softmax({ data, shape: [64, 1000] }, 1).data)).toBe(true);
    }
  });

  test('bad values are refused', () => {
    expect(() => setAsyncThreads(0)).toThrow('setAsyncThreads(): expected threads to be in [1, 1024], but got 0');
    expect(() => setAsyncThreads('all' as never)).toThrow('setAsyncThreads(): expected threads to be an integer');
  });
});

describe('setNumThreads / getNumThreads', () => {
  test('round-trip, reported by backend()', () => {
    withThreads(3, () => {
      expect(getNumThreads()).toBe(3);
      expect(backend().threads).toBe(3);
    });
  });

  test('bad values are refused', () => {
    expect(() => setNumThreads(0)).toThrow('setNumThreads(): expected threads to be in [1, 1024], but got 0');
    expect(() => setNumThreads(1.5)).toThrow('setNumThreads(): expected threads to be an integer, but got 1.5 (number)');
    expect(() => setNumThreads('2' as never)).toThrow('expected threads to be an integer');
    expect(() => setNumThreads(5000)).toThrow(RangeError);
  });

  test('SIMD_SOFTMAX_NUM_THREADS sets the initial size; a bad value warns and uses the cores', () => {
    const script = `process.stdout.write(String(require(${JSON.stringify(PACKAGE)}).getNumThreads()))`;
    const run = (value: string) => spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, SIMD_SOFTMAX_NUM_THREADS: value }, encoding: 'utf8',
    });
    const three = run('3');
    expect(three.stdout).toBe('3');
    expect(three.stderr).toBe('');
    const bad = run('lots');
    expect(Number(bad.stdout)).toBeGreaterThanOrEqual(1);
    expect(bad.stderr).toContain('SIMD_SOFTMAX_NUM_THREADS=lots is not an integer in [1, 1024]');
  });
});

describe('1 thread and N threads agree', () => {
  test.each(['float32', 'float64'] as const)('%s: bitwise where rows and columns are whole', (dtype) => {
    const random = seededRandom(11);
    // Each case has, for up to 4 threads, at least as many rows, or pieces of columns (a panel of
    // 4 KiB of each row, or 64 columns), as threads: nothing is split along the reduced dim.
    const cases: [number[], number][] = [
      [[64, 1000], 1], [[8, 32000], -1], [[3, 40000], 1], [[16, 1000, 64], 1], [[2, 300, 257], 1],
      [[5, 7, 1031], 0], [[3, 200, 4200], 1], [[400, 9000], 0], [[2, 3000, 130], 1],
    ];
    for (const [shape, dim] of cases) {
      const data = randomArray(random, shape.reduce((a, b) => a * b, 1), dtype);
      for (const op of [softmax, logSoftmax]) {
        const single = withThreads(1, () => op({ data, shape }, dim));
        const lastDim = dim === -1 || dim === shape.length - 1;
        // Fewer rows than threads would split rows: that case is checked against the bounds below.
        for (const threads of [2, 3, 4].filter((t) => !lastDim || shape.slice(0, -1).reduce((a, b) => a * b, 1) >= t)) {
          const multi = withThreads(threads, () => op({ data, shape }, dim));
          expect(sameBits(multi.data, single.data)).toBe(true);
        }
      }
    }
  });

  test.each(['float32', 'float64'] as const)('%s: one long row split across threads stays within the accuracy bounds', (dtype) => {
    const random = seededRandom(12);
    const bound = dtype === 'float32' ? 5.3e-6 : 1e-13;
    // Scale 100 in float64 puts segment maxima hundreds apart: the merge must not round their difference.
    for (const [shape, scale] of [[[1, 256000], 5], [[1, 100003], 30], [[2, 150000], 1], [[3, 99999], 1000], [[1, 300000], 100]] as const) {
      const data = randomArray(random, shape[0] * shape[1], dtype, scale);
      for (const log of [false, true]) {
        const op = log ? logSoftmax : softmax;
        const want = referenceSoftmax(data, [...shape], 1, log);
        for (const threads of [2, 3, 8]) {
          const got = withThreads(threads, () => op({ data, shape: [...shape] }, 1));
          const report = compare(got.data, want, dtype, log);
          expect(report.mismatches).toEqual([]);
          expect(Math.max(report.maxRelative, report.maxLogError)).toBeLessThanOrEqual(bound);
        }
      }
    }
  });

  test.each(['float32', 'float64'] as const)('%s: a reduced dim split across threads stays within the accuracy bounds', (dtype) => {
    const random = seededRandom(14);
    const bound = dtype === 'float32' ? 5.3e-6 : 1e-13;
    // Too few pieces of columns for the threads: each slice's rows are cut into segments whose
    // per-column (max, sum of exp) are merged. Panels, 8-vector blocks, single vectors and partial tails.
    const cases: [number[], number, number][] = [
      [[600, 1024], 0, 5], [[4096, 33], 0, 30], [[70000, 3], 0, 1], [[1, 50000, 2], 1, 1000], [[300, 2100], 0, 5],
      [[3, 5000, 40], 1, 100], [[2, 300, 1100], 1, 5],
    ];
    for (const [shape, dim, scale] of cases) {
      const data = randomArray(random, shape.reduce((a, b) => a * b, 1), dtype, scale);
      for (const log of [false, true]) {
        const op = log ? logSoftmax : softmax;
        const want = referenceSoftmax(data, shape, dim, log);
        for (const threads of [2, 4]) {
          const got = withThreads(threads, () => op({ data, shape }, dim));
          const report = compare(got.data, want, dtype, log);
          expect(report.mismatches).toEqual([]);
          expect(Math.max(report.maxRelative, report.maxLogError)).toBeLessThanOrEqual(bound);
        }
      }
    }
  });

  test.each(['float32', 'float64'] as const)('%s: special values in a split reduced dim give what one thread gives', (dtype) => {
    // [rows, 1030] dim 0: one panel plus a tail of 6 columns; [rows, 7] dim 0: one partial vector.
    for (const columns of [7, 1030]) {
      const rows = 1200;
      const data = dtype === 'float32' ? new Float32Array(rows * columns) : new Float64Array(rows * columns);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.7) * 3;
      const at = (row: number, column: number) => row * columns + column;
      // Special columns, spread over the panel and the tail.
      const special = [0, 1, 2, 3, 4, 5, columns - 1].map((c) => (columns > 7 && c > 0 && c < columns - 1 ? c * 150 : c));
      const [minusInfHalf, oneFinite, allMinusInf, nanInMinusInf, plusInf, huge, lateNan] = special;
      for (let r = 0; r < rows; r++) {
        if (r < 700) data[at(r, minusInfHalf)] = -Infinity;
        data[at(r, oneFinite)] = r === 1021 ? 2 : -Infinity;
        data[at(r, allMinusInf)] = -Infinity;
        if (r < 620) data[at(r, nanInMinusInf)] = -Infinity;
      }
      data[at(7, nanInMinusInf)] = NaN;
      data[at(1111, plusInf)] = Infinity;
      data[at(3, huge)] = 1e30;
      data[at(1190, huge)] = -1e30;
      data[at(rows - 1, lateNan)] = NaN;
      const shape = [rows, columns];
      for (const op of [softmax, logSoftmax]) {
        const single = withThreads(1, () => op({ data, shape }, 0)).data;
        for (const threads of [2, 4]) {
          const multi = withThreads(threads, () => op({ data, shape }, 0)).data;
          const report = compare(multi, single, dtype, op === logSoftmax);
          if (report.mismatches.length > 0) throw new Error(`${columns} columns, ${threads} threads: ${report.mismatches.slice(0, 3)}`);
          expect(Math.max(report.maxRelative, report.maxLogError)).toBeLessThanOrEqual(dtype === 'float32' ? 2e-6 : 1e-13);
        }
      }
    }
  });

  test('special values in a split row give what one thread gives', () => {
    const length = 200000;
    const patterns: [string, (x: Float32Array) => void][] = [
      ['-inf over a whole segment', (x) => x.fill(-Infinity, 0, 120000)],
      ['-inf everywhere but one element', (x) => { x.fill(-Infinity); x[150000] = 2; }],
      ['all -inf', (x) => x.fill(-Infinity)],
      ['a NaN in a -inf segment', (x) => { x.fill(-Infinity, 0, 120000); x[5] = NaN; }],
      ['a NaN late', (x) => { x[199999] = NaN; }],
      ['+inf', (x) => { x[77777] = Infinity; }],
      ['huge values', (x) => { x[3] = 1e30; x[190000] = -1e30; }],
    ];
    for (const [label, fill] of patterns) {
      const data = new Float32Array(length);
      for (let i = 0; i < length; i++) data[i] = Math.sin(i) * 3;
      fill(data);
      for (const op of [softmax, logSoftmax]) {
        const single = withThreads(1, () => op(data, 0)).data;
        for (const threads of [2, 4]) {
          const multi = withThreads(threads, () => op(data, 0)).data;
          const report = compare(multi, single, 'float32', op === logSoftmax);
          if (report.mismatches.length > 0) throw new Error(`${label}, ${threads} threads: ${report.mismatches.slice(0, 3)}`);
          expect(Math.max(report.maxRelative, report.maxLogError)).toBeLessThanOrEqual(2e-6);
        }
      }
    }
  });
});

describe('softmaxAsync / logSoftmaxAsync', () => {
  // Async calls on the pool's whole thread count split long rows as sync calls do, so the two agree
  // bit for bit; on the default budget (one thread on two cores) a split row's rounding may differ.
  beforeEach(() => setAsyncThreads(getNumThreads()));
  afterEach(() => setAsyncThreads('auto'));

  test('on the default budget, a long row agrees with sync within rounding', async () => {
    setAsyncThreads('auto');
    const data = randomArray(seededRandom(17), 256000, 'float32');
    const sync = softmax({ data, shape: [1, 256000] }, -1);
    const async = await softmaxAsync({ data, shape: [1, 256000] }, -1);
    // Each is within 2e-6 of the exact result (see '1 thread and N threads agree'), so within 4e-6 of each other.
    const report = compare(async.data, sync.data, 'float32', false);
    expect(report.maxRelative).toBeLessThanOrEqual(4e-6);
  });

  test('equal sync results, for every input form and with out', async () => {
    const random = seededRandom(13);
    for (const [shape, dim] of [[[64, 1000], 1], [[7, 9, 11], 1], [[1, 256000], -1], [[3], 0], [[0, 4], 1]] as [number[], number][]) {
      const data = randomArray(random, shape.reduce((a, b) => a * b, 1), 'float32');
      const sync = softmax({ data, shape }, dim);
      const async = await softmaxAsync({ data, shape }, dim);
      expect(async.shape).toEqual(shape);
      expect(sameBits(async.data, sync.data)).toBe(true);
      const out = new Float64Array(data.length);
      const logAsync = await logSoftmaxAsync({ data, shape }, dim, { dtype: 'float64', out });
      expect(logAsync.data).toBe(out);
      expect(sameBits(out, logSoftmax({ data, shape }, dim, { dtype: 'float64' }).data)).toBe(true);
    }
  });

  test('argument errors reject the promise instead of throwing', async () => {
    const call = () => softmaxAsync({ data: new Float32Array(6), shape: [2, 3] }, 5);
    let promise: Promise<unknown> | undefined;
    expect(() => { promise = call(); }).not.toThrow();
    await expect(promise).rejects.toThrow('softmaxAsync(): Dimension out of range (expected to be in range of [-2, 1], but got 5)');
    await expect(logSoftmaxAsync('x' as never, 0)).rejects.toThrow(TypeError);
  });

  test('a setImmediate callback runs while a large async call is pending', async () => {
    const data = new Float32Array(4096 * 4096).map((_, i) => (i % 1000) * 0.01);
    const order: string[] = [];
    const pending = softmaxAsync({ data, shape: [4096, 4096] }, -1).then(() => order.push('softmax'));
    setImmediate(() => order.push('immediate'));
    await pending;
    expect(order).toEqual(['immediate', 'softmax']);
  });

  test('hundreds of calls in flight give the right answers', async () => {
    const random = seededRandom(14);
    const inputs = Array.from({ length: 300 }, (_, i) => {
      const shape = [1 + (i % 5), 10 + ((i * 37) % 3000)];
      return { data: randomArray(random, shape[0] * shape[1], i % 2 ? 'float32' : 'float64'), shape };
    });
    const results = await Promise.all(inputs.map((input, i) => (i % 3 ? softmaxAsync(input, 1) : logSoftmaxAsync(input, 0))));
    results.forEach((result, i) => {
      const input = inputs[i];
      const expected = i % 3 ? softmax(input, 1) : logSoftmax(input, 0);
      expect(sameBits(result.data, expected.data)).toBe(true);
    });
  });
});

describe('worker_threads', () => {
  function startWorkers(count: number, rounds: number, start?: Int32Array) {
    return Array.from({ length: count }, (_, id) => new Worker(path.join(__dirname, 'workers', 'compute-worker.js'), {
      workerData: { packagePath: PACKAGE, id, rounds, start },
    }));
  }

  function result(worker: Worker): Promise<{ ok?: boolean; checked?: number; error?: string }> {
    return new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  }

  test('several workers load the addon and compute correctly, calling at the same moment', async () => {
    const start = new Int32Array(new SharedArrayBuffer(4));
    const workers = startWorkers(4, 12, start);
    const results = workers.map(result);
    await new Promise((resolve) => setTimeout(resolve, 200));
    Atomics.store(start, 0, 1);
    Atomics.notify(start, 0);
    for (const r of await Promise.all(results)) {
      expect(r.error).toBeUndefined();
      expect(r).toEqual({ ok: true, checked: 24 });
    }
    await Promise.all(workers.map((w) => w.terminate()));
  });

  test('terminating workers with async work in flight neither hangs nor crashes', async () => {
    const workers = startWorkers(3, 1000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const codes = await Promise.all(workers.map((w) => w.terminate()));
    expect(codes).toEqual([1, 1, 1]);
    // The process and the pool still work afterwards.
    expect(softmax(new Float32Array([0, 0]), 0).data[0]).toBe(0.5);
  });

  test('workers that alone load the addon can all end while its threads live on', () => {
    // The main thread never loads the addon, so ending the last worker unloads it: the pool's
    // threads must not be left running unmapped code.
    const script = `
      const { Worker } = require('node:worker_threads');
      (async () => {
        for (let round = 0; round < 8; round++) {
          const workers = [0, 1, 2].map((id) => new Worker(${JSON.stringify(path.join(__dirname, 'workers', 'compute-worker.js'))},
            { workerData: { packagePath: ${JSON.stringify(PACKAGE)}, id, rounds: 1000, announce: true } }));
          // Each worker has run a job on the pool's threads before it is terminated.
          await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
          await new Promise((resolve) => setTimeout(resolve, round * 15));
          await Promise.all(workers.map((w) => w.terminate()));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
        // On Linux, the addon must still be mapped: no worker uses it any more, but its threads do.
        const maps = process.platform === 'linux' ? require('node:fs').readFileSync('/proc/self/maps', 'utf8') : 'simd_softmax.node';
        console.log(maps.includes('simd_softmax.node') ? 'still mapped' : 'unmapped');
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60000 });
    expect(child.signal).toBeNull();
    expect(child.stdout.trim()).toBe('still mapped');
    expect(child.status).toBe(0);
  });

  test('a process that exits with promises pending exits cleanly', () => {
    const script = `
      const { softmaxAsync } = require(${JSON.stringify(PACKAGE)});
      const data = new Float32Array(2048 * 2048);
      for (let i = 0; i < 50; i++) softmaxAsync({ data, shape: [2048, 2048] }, 1);
      setTimeout(() => process.exit(7), 5);`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(7);
    expect(child.stderr).toBe('');
  });
});
