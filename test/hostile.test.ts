// Hostile input at the JS boundary, as property tests: thousands of seeded random calls whose every
// argument may be wrong, a proxy, a getter with side effects, a detached or overlapping buffer. Each
// call must either compute the right result or fail with a TypeError/RangeError from the function
// called (never an internal error, a crash or a hang); async calls must reject the same way.
// Checked by error.name: errors thrown by the addon come from Node's realm, not jest's.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { logSoftmax, logSoftmaxAsync, softmax, softmaxAsync, Tensor, tensor } from '../lib/index.js';
import { asyncBufferPolicy } from '../lib/async-buffers.js';
import { seededRandom } from './helpers.js';

const PACKAGE = path.join(__dirname, '..');

/** Thrown by the test's own getters and traps: the library must let it through unchanged. */
class CallerError extends Error {}

/** Detaches an ArrayBuffer by transferring it away (a SharedArrayBuffer cannot be detached). */
function detach(buffer: ArrayBufferLike): void {
  if (buffer instanceof SharedArrayBuffer) return;
  structuredClone(buffer, { transfer: [buffer] });
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Small finite values, so that every valid call has a reference to check against. */
function values(random: Random, length: number): number[] {
  return Array.from({ length }, () => (random() - 0.5) * 20);
}

/** A valid input: its elements, shape and a way to build it fresh for each call. */
interface ValidInput {
  elements: number[];
  shape: number[];
  dtype: 'float32' | 'float64';
  make: () => unknown;
}

function validInput(random: Random): ValidInput {
  const rank = Math.floor(random() * 4);
  const shape = Array.from({ length: rank }, () => Math.floor(random() * 4) + (random() < 0.1 ? 0 : 1));
  const numel = shape.reduce((a, b) => a * b, 1);
  const elements = values(random, numel);
  // Nested arrays lose the shape of an empty tensor, so they are made only of non-empty ones.
  let kind = Math.floor(random() * 7);
  if (kind === 5 && numel === 0) kind = 0;
  const make = (): unknown => {
    switch (kind) {
      case 0:
        return { data: Float32Array.from(elements), shape: [...shape] };
      case 1:
        return { data: Float64Array.from(elements), dims: [...shape] };
      case 2:
        return new Tensor(Float32Array.from(elements), shape);
      case 3: {
        // A view at an offset of 4 bytes into a SharedArrayBuffer.
        const view = new Float32Array(new SharedArrayBuffer(4 * (numel + 3)), 4, numel);
        view.set(elements);
        return { data: view, shape: [...shape] };
      }
      case 4: {
        // An unaligned-to-8 float64 view: offset 8 in a buffer whose other bytes hold junk.
        const view = new Float64Array(new ArrayBuffer(8 * (numel + 2)), 8, numel);
        view.set(elements);
        return { data: view, shape: [...shape] };
      }
      case 5:
        return rank === 0 ? elements[0] : tensor(elements, { shape }).toArray();
      default:
        return { data: Float32Array.from(elements), shape: [...shape], extra: 'ignored' };
    }
  };
  return { elements, shape, dtype: kind === 1 || kind === 4 ? 'float64' : 'float32', make };
}

/** An input that must be refused; built fresh for each call. */
function hostileInput(random: Random, valid: ValidInput): () => unknown {
  const data = () => Float32Array.from(valid.elements);
  const choices: (() => unknown)[] = [
    () => undefined,
    () => null,
    () => 'tensor',
    () => 12n,
    () => Symbol('x'),
    () => () => 1,
    () => new BigInt64Array(4),
    () => new DataView(new ArrayBuffer(16)),
    () => ({ data: Array.from(valid.elements), shape: valid.shape }),
    () => ({ data: new Float32Array(valid.elements.length + 1), shape: valid.shape }),
    () => ({ data: data(), shape: [...valid.shape, 2, 3] }),
    () => ({ data: data(), shape: [2 ** 31, 2 ** 31] }),
    () => ({ data: data(), shape: [-1] }),
    () => ({ data: data(), shape: [NaN] }),
    () => ({ data: data(), shape: [1.5] }),
    () => ({ data: data(), shape: [Infinity] }),
    () => ({ data: data(), shape: ['2'] }),
    () => ({ data: data(), shape: { length: 1, 0: valid.elements.length } }),
    () => ({ data: data() }),
    () => new Proxy(data(), {}),
    () => new Proxy({ data: data(), shape: valid.shape }, { get: () => { throw new CallerError('trap'); } }),
    () => ({ get data() { throw new CallerError('getter'); }, shape: valid.shape }),
    () => {
      const array = data();
      detach(array.buffer);
      return { data: array, shape: valid.shape };
    },
    () => {
      // The shape getter runs after data was read: it detaches data.
      const array = data();
      return { data: array, get shape() { detach(array.buffer); return valid.shape; } };
    },
    () => {
      // A shape entry's getter swaps the data for a shorter array.
      const holder = { data: data() as Float32Array, shape: [] as number[] };
      Object.defineProperty(holder.shape, 0, { get() { holder.data = new Float32Array(1); return valid.elements.length; }, enumerable: true });
      holder.shape.length = 1;
      return holder;
    },
    () => {
      // A Tensor whose data was reassigned to a shorter array.
      const t = new Tensor(data(), valid.shape);
      (t as { data: Float32Array }).data = new Float32Array(1);
      return t;
    },
    () => {
      // A subclass that lies about its length.
      class Liar extends Float32Array {
        override get length(): number { return 1e9; }
      }
      return { data: new Liar(1), shape: [1e9] };
    },
  ];
  return pick(random, choices);
}

function hostileDim(random: Random, rank: number): unknown {
  const wrap = Math.max(rank, 1);
  return pick(random, [
    -wrap - 1, wrap, 2 ** 53, -(2 ** 53), 0.5, NaN, Infinity, -Infinity, '0', 0n, null, undefined,
    { valueOf: (): number => 0 }, Symbol('dim'), [0], true,
  ]);
}

function validDim(random: Random, rank: number): number {
  const wrap = Math.max(rank, 1);
  return Math.floor(random() * 2 * wrap) - wrap;
}

/** Options, valid or not, given the call's input array when there is one (for overlap cases). */
function options(random: Random, valid: ValidInput, input: unknown, hostile: boolean): unknown {
  const numel = valid.elements.length;
  let inputArray: unknown = input;
  try {
    inputArray = (input as { data?: unknown })?.data ?? input;
  } catch {
    // A hostile input's getter: no array to overlap with.
  }
  if (!hostile) {
    const Same = valid.dtype === 'float32' ? Float32Array : Float64Array;
    return pick(random, [
      undefined, null, {}, { dtype: 'float64' }, { dtype: 'float32' },
      { out: new Same(numel) }, { dtype: 'float64', out: new Float64Array(numel) },
      { dtype: 'float32', out: new Float32Array(new SharedArrayBuffer(4 * numel + 4), 4, numel) },
      // In place, when the input is an array of the result's dtype.
      { out: ArrayBuffer.isView(inputArray) ? inputArray : new Same(numel) },
    ]);
  }
  return pick(random, [
    'float64', 7, { dtype: 'float16' }, { dtype: 'int32' }, { dtpye: 'float32' }, { out: [] }, { out: new Float64Array(numel) },
    { out: new Float32Array(numel + 1) }, { out: new Int32Array(numel) }, { out: new DataView(new ArrayBuffer(4 * numel)) },
    new Proxy({}, { ownKeys: () => { throw new CallerError('ownKeys'); } }),
    { get dtype() { throw new CallerError('dtype getter'); } },
    (() => {
      const out = new Float32Array(numel);
      detach(out.buffer);
      return { out };
    })(),
    // A getter on out that detaches the input after the input was read.
    {
      get out() {
        if (ArrayBuffer.isView(inputArray)) detach((inputArray as Float32Array).buffer);
        return undefined;
      },
    },
    // An out over the input's own buffer, shifted by one element (inputs made with room to spare).
    (() => {
      const real = ArrayBuffer.isView(inputArray) && (inputArray instanceof Float32Array || inputArray instanceof Float64Array);
      if (!real || numel === 0) return { out: 'no overlap' };
      const { buffer, byteOffset, BYTES_PER_ELEMENT: size } = inputArray as Float32Array | Float64Array;
      if (byteOffset + size * (numel + 1) > buffer.byteLength) return { out: 'no room' };
      const View = inputArray instanceof Float32Array ? Float32Array : Float64Array;
      return { out: new View(buffer as ArrayBuffer, byteOffset + size, numel) };
    })(),
  ]);
}

/** The float64 reference of softmax over `dim` of a row-major tensor. */
function reference(elements: number[], shape: number[], dim: number, log: boolean): number[] {
  if (shape.length === 0) return [log ? 0 : 1];
  const d = dim < 0 ? dim + shape.length : dim;
  const size = shape[d];
  const inner = shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, d).reduce((a, b) => a * b, 1);
  const result = new Array<number>(elements.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const at = (k: number) => o * size * inner + k * inner + c;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, elements[at(k)]);
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(elements[at(k)] - max);
      for (let k = 0; k < size; k++) {
        result[at(k)] = log ? elements[at(k)] - max - Math.log(sum) : Math.exp(elements[at(k)] - max) / sum;
      }
    }
  }
  return result;
}

type Outcome = { kind: 'result'; tensor: Tensor } | { kind: 'error'; error: unknown };

function classify(fn: string, outcome: Outcome, expectValid: boolean, valid: ValidInput, dim: unknown, log: boolean): string | null {
  if (outcome.kind === 'error') {
    const error = outcome.error as Error;
    if (error instanceof CallerError) return null;
    if (error?.name !== 'TypeError' && error?.name !== 'RangeError') return `threw ${String(error?.name)}: ${String(error?.message)}`;
    if (!error.message.startsWith(`${fn}(): `)) return `error does not name ${fn}: ${error.message}`;
    if (error.message.includes('internal error')) return `internal error reached: ${error.message}`;
    if (expectValid) return `a valid call failed: ${error.message}`;
    return null;
  }
  // A hostile argument may turn out harmless (a getter that returns a valid value): its result must
  // at least have the input's size.
  const result = outcome.tensor;
  if (result.data.length !== valid.elements.length) return `result has ${result.data.length} elements, expected ${valid.elements.length}`;
  if (!expectValid) return null;
  const want = reference(valid.elements, valid.shape, dim as number, log);
  for (let i = 0; i < want.length; i++) {
    const tolerance = log ? 1e-5 * Math.max(1, Math.abs(want[i])) : 1e-5 * want[i] + 1e-7;
    if (!(Math.abs(result.data[i] - want[i]) <= tolerance)) return `element ${i}: ${result.data[i]} != ${want[i]}`;
  }
  return null;
}

interface Call {
  label: string;
  expectValid: boolean;
  valid: ValidInput;
  build: () => [unknown, unknown, unknown];
  log: boolean;
}

function makeCall(random: Random, index: number): Call {
  const valid = validInput(random);
  const log = random() < 0.4;
  // Roughly a third of the calls are valid; the rest break one or more arguments.
  const breakInput = random() < 0.45;
  const breakDim = random() < 0.3;
  const breakOptions = random() < 0.35;
  const hostile = breakInput ? hostileInput(random, valid) : valid.make;
  const dim = breakDim ? hostileDim(random, valid.shape.length) : validDim(random, valid.shape.length);
  const optionSeed = random();
  const build = (): [unknown, unknown, unknown] => {
    const input = hostile();
    return [input, dim, options(seededRandom(optionSeed * 2 ** 32), valid, input, breakOptions)];
  };
  return { label: `call ${index}`, expectValid: !breakInput && !breakDim && !breakOptions, valid, build, log };
}

describe('hostile calls', () => {
  const CALLS = 2500;
  const random = seededRandom(2026);
  const calls = Array.from({ length: CALLS }, (_, i) => makeCall(random, i));

  test(`${CALLS} sync calls: a right result or a TypeError/RangeError from the function called`, () => {
    const problems: string[] = [];
    let validCount = 0;
    let refused = 0;
    for (const call of calls) {
      const [input, dim, opts] = call.build();
      const fn = call.log ? 'logSoftmax' : 'softmax';
      let outcome: Outcome;
      try {
        outcome = { kind: 'result', tensor: (call.log ? logSoftmax : softmax)(input as never, dim as never, opts as never) };
      } catch (error) {
        outcome = { kind: 'error', error };
        refused++;
      }
      if (call.expectValid) validCount++;
      const problem = classify(fn, outcome, call.expectValid, call.valid, dim, call.log);
      if (problem !== null) problems.push(`${call.label}: ${problem}`);
    }
    expect(problems).toEqual([]);
    // The generator exercises both sides.
    expect(validCount).toBeGreaterThan(CALLS / 5);
    expect(refused).toBeGreaterThan(CALLS / 3);
  });

  test(`${CALLS} async calls: never a synchronous throw; resolve right or reject with the same errors`, async () => {
    const problems: string[] = [];
    for (const call of calls) {
      const [input, dim, opts] = call.build();
      const fn = call.log ? 'logSoftmaxAsync' : 'softmaxAsync';
      let promise: Promise<Tensor>;
      try {
        promise = (call.log ? logSoftmaxAsync : softmaxAsync)(input as never, dim as never, opts as never);
      } catch (error) {
        problems.push(`${call.label}: threw synchronously: ${String(error)}`);
        continue;
      }
      let outcome: Outcome;
      try {
        outcome = { kind: 'result', tensor: await promise };
      } catch (error) {
        outcome = { kind: 'error', error };
      }
      const problem = classify(fn, outcome, call.expectValid, call.valid, dim, call.log);
      if (problem !== null) problems.push(`${call.label}: ${problem}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('buffers detached while an async call runs', () => {
  const rows = 2048;
  const columns = 1024;

  function input(): Float32Array {
    const data = new Float32Array(rows * columns);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 6;
    return data;
  }

  afterEach(() => {
    asyncBufferPolicy.pinning = true;
  });

  // V8's gc, reached without --expose-gc: the receiver of a transferred buffer is collected while
  // the call is still running, so any access to its memory would be a use after free (ASan).
  const gc = (() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('node:v8').setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('node:vm').runInNewContext('gc') as () => void;
  })();

  test('this runtime pins buffers (Node 20: postMessage and structuredClone copy a pinned buffer)', () => {
    expect(asyncBufferPolicy.pinning).toBe(true);
  });

  test.each([
    ['pinned', true],
    ['copied (runtimes where pinning does not hold)', false],
  ])('input and out transferred mid-call, %s: the call is unaffected or reports it', async (_label, pinning) => {
    asyncBufferPolicy.pinning = pinning;
    const data = input();
    const expected = softmax({ data, shape: [rows, columns] }, 1).data;
    const out = new Float32Array(data.length);
    const bytes = data.byteLength;
    const pending = softmaxAsync({ data, shape: [rows, columns] }, 1);
    const pendingOut = softmaxAsync({ data: data.slice(), shape: [rows, columns] }, 1, { out });
    const outOutcome = pendingOut.then(() => 'resolved', (error: Error) => error.message);
    let taken: ArrayBufferLike | null = structuredClone(data.buffer, { transfer: [data.buffer] });
    let takenOut: ArrayBufferLike | null = structuredClone(out.buffer, { transfer: [out.buffer] });
    expect(taken.byteLength).toBe(bytes);
    expect(takenOut.byteLength).toBe(bytes);
    taken = null;
    takenOut = null;
    gc();
    const result = await pending;
    expect(Buffer.compare(Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength),
      Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(0);
    if (pinning) {
      // The transfer copied: the caller's arrays stay attached and out holds the result.
      expect(data.length).toBe(rows * columns);
      expect(await outOutcome).toBe('resolved');
      expect(out[0]).toBe(expected[0]);
      expect(out[out.length - 1]).toBe(expected[expected.length - 1]);
    } else {
      // The transfer detached them; the call worked on copies, and out's result has nowhere to go.
      expect(data.length).toBe(0);
      expect(await outOutcome).toMatch(/^softmaxAsync\(\): the ArrayBuffer of options.out was detached while the call ran/);
    }
  });

  test('in place on a buffer that is then transferred (copy path): the caller is told', async () => {
    asyncBufferPolicy.pinning = false;
    const data = input();
    const pending = logSoftmaxAsync({ data, shape: [rows, columns] }, 0, { out: data });
    detach(data.buffer);
    gc();
    await expect(pending).rejects.toThrow('logSoftmaxAsync(): the ArrayBuffer of options.out was detached while the call ran');
  });
});

describe('allocation failure', () => {
  test('a result larger than an ArrayBuffer can hold is a RangeError', () => {
    let thrown: unknown;
    try {
      // 2^31 bytes cast to float64 would need 16 GiB; the input's pages are never touched.
      softmax(new Uint8Array(2 ** 31), 0, { dtype: 'float64' });
    } catch (error) {
      thrown = error;
    }
    expect((thrown as Error).name).toBe('RangeError');
    expect((thrown as Error).message).toMatch(/^softmax\(\): cannot allocate the result: 2147483648 float64 elements \(17179869184 bytes\), more than/);
  });

  const linux = process.platform === 'linux' ? test : test.skip;
  linux('memory the process cannot get (ulimit -v) is a RangeError, sync and async, and the process goes on', () => {
    const script = `
      const { softmax, softmaxAsync } = require(${JSON.stringify(PACKAGE)});
      const x = new Uint8Array(2 ** 28);
      const report = (e) => e.name + ': ' + e.message;
      try { softmax(x, 0, { dtype: 'float64' }); console.log('sync: no error'); } catch (e) { console.log('sync ' + report(e)); }
      softmaxAsync(x, 0, { dtype: 'float64' }).then(() => console.log('async: no error'), (e) => {
        console.log('async ' + report(e));
        console.log('after: ' + softmax(new Float32Array([0, 0]), 0).data[0]);
      });`;
    // 2 GB of address space: Node starts, a 2 GiB result does not fit. AddressSanitizer cannot run
    // under such a limit (it reserves terabytes of shadow memory), so under `npm run test:asan` this
    // child loads the normal build, without the sanitizer runtime.
    const env: NodeJS.ProcessEnv = { ...process.env, SCRIPT: script };
    delete env.LD_PRELOAD;
    delete env.SIMD_SOFTMAX_ADDON;
    const child = spawnSync('bash', ['-c', `ulimit -v 2000000 && exec "${process.execPath}" -e "$SCRIPT"`],
      { encoding: 'utf8', env, timeout: 60000 });
    expect(child.signal).toBeNull();
    const lines = child.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^sync RangeError: softmax\(\): cannot allocate the result: 268435456 float64 elements \(2147483648 bytes\)/);
    expect(lines[1]).toMatch(/^async RangeError: softmaxAsync\(\): cannot allocate the result/);
    expect(lines[2]).toBe('after: 0.5');
    expect(child.status).toBe(0);
  });
});
