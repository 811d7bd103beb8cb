// Loads the compiled addon (the file SIMD_SOFTMAX_ADDON names, else a local build, else the prebuild
// for this platform, through node-gyp-build), and describes what it exports.
import * as os from 'node:os';
import * as path from 'node:path';

import type { Dtype, KernelArray } from './typed-arrays.js';

/** A kernel set: 'avx512_bf16' is avx512 with AVX512-BF16 bfloat16 stores. */
export type Isa = 'avx512_bf16' | 'avx512' | 'avx2' | 'neon' | 'scalar';

/** The numbers lib/ and the addon agree on, defined once in the addon (addon.cc, Init). */
export interface NativeProtocol {
  ops: { softmax: number; logSoftmax: number };
  dtypes: { float32: number; float64: number; float16: number; bfloat16: number };
  /** A job's kind is op + opCount * dtype. */
  opCount: number;
  /** The largest thread count setNumThreads takes. */
  maxThreads: number;
  /**
   * The staging area attachStaging takes: a header of stagingHeaderBytes (kind, outer, dimSize and
   * inner as uint32), then the input and the output, stagingBytes each; stagingAreaBytes in all.
   */
  stagingHeaderBytes: number;
  stagingBytes: number;
  stagingAreaBytes: number;
  /** The most dims a mask's merged layout may have (run's optionWords). */
  maxMaskDims: number;
}

/** The planner's decision for one job (binding/core/planner.h). */
export interface NativePlan {
  isa: Isa;
  variant: string;
  width: string;
  lanes: number;
  streamOutput: boolean;
  streamedStores: boolean;
  split: string;
  threads: number;
  chunks: number;
  segments: number;
}

export interface NativeBinding {
  protocol: NativeProtocol;
  /**
   * Runs a validated job over the {outer, dimSize, inner} view of input into output; kind is
   * op + protocol.opCount * dtype (see SOFTMAX_KINDS).
   */
  run(kind: number, input: KernelArray, output: KernelArray, outer: number, dimSize: number, inner: number): void;
  /**
   * The same with options: mask (a Uint8Array, or null) and optionWords, a Float64Array of
   * temperature, zeroFullyMasked, causal, causalRows, causalDiagonal, then with a mask its layout
   * (dimStride, then outer and inner dims: count, sizes, strides). See read_options in arguments.h.
   */
  run(kind: number, input: KernelArray, output: KernelArray, outer: number, dimSize: number, inner: number,
    mask: Uint8Array | null, optionWords: Float64Array): void;
  /**
   * Hands a staging area (a Uint8Array over a whole SharedArrayBuffer of stagingAreaBytes, seen only
   * by this copy of lib/) to the addon, which keeps it until the environment ends; returns its id.
   */
  attachStaging(area: Uint8Array): number;
  /**
   * run() from the staging input into the staging output of area `id`, for the job whose kind, outer,
   * dimSize and inner lib/ wrote into its header as uint32 (see runStaged in addon.cc for why).
   */
  runStaged(id: number): void;
  /** The same as run() off the JS thread; input and output stay referenced until the promise settles. */
  runAsync(kind: number, input: KernelArray, output: KernelArray, outer: number, dimSize: number, inner: number): Promise<void>;
  runAsync(kind: number, input: KernelArray, output: KernelArray, outer: number, dimSize: number, inner: number,
    mask: Uint8Array | null, optionWords: Float64Array): Promise<void>;
  /** Threads an async call may use (the default, or what setAsyncThreads asked for). */
  asyncThreads(): number;
  /** 0: the default (every usable core but one, at most threads()); n: n threads. */
  setAsyncThreads(threads: number): void;
  /** Threads of the process-wide pool, the calling thread included. */
  threads(): number;
  setThreads(threads: number): void;
  /**
   * Advice for an array just allocated and not yet written: back it with huge pages where the OS
   * can (Linux), so that its first writes take far fewer page faults.
   */
  preferHugePages(array: ArrayBufferView): void;
  /**
   * The plan run() (runAsync() with async) follows for this job; output (null for a result lib/
   * allocates) is read only for its address.
   */
  explain(kind: number, outer: number, dimSize: number, inner: number, output: KernelArray | null, async: boolean): NativePlan;
  /** Every warning the core has reported in this process, oldest first. */
  warnings(): Array<{ code: string; message: string }>;
  /** How many warnings the core has reported so far. */
  warningCount(): number;
  /** The active kernel set. */
  isa(): Isa;
  /** The kernel sets this build has and this CPU runs, best first. */
  runnableIsas(): Isa[];
}

function load(): NativeBinding {
  const packageRoot = path.join(__dirname, '..');
  // An explicit binary, e.g. the sanitizer build that `npm run test:sanitizers` tests.
  const explicitPath = process.env.SIMD_SOFTMAX_ADDON;
  if (explicitPath !== undefined && explicitPath !== '') {
    try {
      return require(path.resolve(explicitPath)) as NativeBinding;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`simd-softmax: could not load the addon that SIMD_SOFTMAX_ADDON names (${explicitPath}): ${reason}`);
    }
  }
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return nodeGypBuild(packageRoot) as NativeBinding;
  } catch (error) {
    throw new Error(loadFailureMessage(packageRoot, error));
  }
}

/** The CPU's model name, where the runtime lets us read it (Deno asks for --allow-sys first). */
function cpuModel(): string {
  try {
    return os.cpus()[0]?.model?.trim() || 'unknown CPU';
  } catch {
    return 'CPU not readable';
  }
}

/**
 * One message with what was seen, what was tried and what leads to a working install: a missing
 * binary most often means the install script never ran (skipped or not allowed), so the message
 * says how to let it run, and how to build by hand.
 */
function loadFailureMessage(packageRoot: string, error: unknown): string {
  const target = `${process.platform}-${process.arch}`;
  const places = [path.join('build', 'Release'), path.join('build', 'Debug'), path.join('prebuilds', target)];
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  const missing = reason.startsWith('No native build was found');
  const deno = (process.versions as Record<string, string | undefined>).deno;
  const seen = `simd-softmax: no native addon could be loaded for ${target} (${cpuModel()}; ` +
    `${deno === undefined ? `Node ${process.versions.node}` : `Deno ${deno}`}, Node-API ${process.versions.napi}). ` +
    `Looked in ${places.join(', ')} under ${packageRoot}: ${reason}.`;
  if (deno !== undefined && !missing) {
    return `${seen} Deno loads Node-API addons only with --allow-ffi (and the package needs --allow-read and ` +
      '--allow-env): run with those permissions.';
  }
  const why = missing
    ? ` No prebuilt binary ships for ${target}, and none was built: the package's install script builds it, and it ` +
      'did not run (installed with --ignore-scripts, or install scripts not allowed: allow this package with ' +
      '`npm install-scripts approve simd-softmax` or npm\'s allowScripts setting, pnpm\'s onlyBuiltDependencies, ' +
      "or bun's trustedDependencies), or it failed."
    : ` The binary for ${target} is there but does not load here.`;
  return `${seen}${why} To build it now (cmake >= 3.15 and a C++17 compiler): \`npm rebuild simd-softmax ` +
    '--foreground-scripts` with install scripts allowed, or `npx cmake-js compile` in the package folder.';
}

export const native: NativeBinding = load();

/** The job kinds of one op, per dtype, as the addon takes them. */
export interface OpKinds {
  float32: number;
  float64: number;
  float16: number;
  bfloat16: number;
}

// Read from the protocol once, into objects of one shape: a keyed load with a variable string key
// on every call would cost a measurable share of a [1, 10] softmax.
const { ops, dtypes, opCount } = native.protocol;
function kindsOf(op: number): OpKinds {
  return {
    float32: op + opCount * dtypes.float32,
    float64: op + opCount * dtypes.float64,
    float16: op + opCount * dtypes.float16,
    bfloat16: op + opCount * dtypes.bfloat16,
  };
}
export const SOFTMAX_KINDS: OpKinds = kindsOf(ops.softmax);
export const LOG_SOFTMAX_KINDS: OpKinds = kindsOf(ops.logSoftmax);

/** The kind of a job of this op (its kinds) and dtype. */
export function kindOf(kinds: OpKinds, dtype: Dtype): number {
  switch (dtype) {
    case 'float32': return kinds.float32;
    case 'float64': return kinds.float64;
    case 'float16': return kinds.float16;
    default: return kinds.bfloat16;
  }
}

// The core never prints: it reports warnings as data (an ignored SIMD_SOFTMAX_ISA, a bad
// SIMD_SOFTMAX_NUM_THREADS, a worker thread that could not start), and this copy of lib/ emits each
// once through process.emitWarning with its code, so that services can route or silence them.
let emittedWarnings = 0;

/** Emits the core's warnings that this copy of lib/ has not emitted yet. */
export function emitNativeWarnings(): void {
  if (native.warningCount() === emittedWarnings) return;
  const warnings = native.warnings();
  for (; emittedWarnings < warnings.length; emittedWarnings++) {
    const { code, message } = warnings[emittedWarnings];
    process.emitWarning(`simd-softmax: ${message}`, { code });
  }
}

emitNativeWarnings();
