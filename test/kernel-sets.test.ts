// Kernel-set dispatch: SIMD_SOFTMAX_ISA forces a set, and a set this build or CPU lacks falls back
// to the best one with a warning. The whole suite runs once per set (scripts/run-tests.js).
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import { backend } from '../lib/index.js';

const ROOT = path.join(__dirname, '..');

function isaInChild(requested: string | undefined) {
  const env = { ...process.env };
  if (requested === undefined) delete env.SIMD_SOFTMAX_ISA;
  else env.SIMD_SOFTMAX_ISA = requested;
  // Warnings come as process warnings with a code: the child prints the codes it saw.
  const script = "const codes = []; process.on('warning', (w) => codes.push(w.code)); " +
    "const b = require(process.argv[1]).native; " +
    "process.nextTick(() => process.stdout.write(b.isa() + ' ' + b.runnableIsas().join(',') + ' ' + codes.join(',')));";
  const child = spawnSync(process.execPath, ['-e', script, path.join(ROOT, 'dist', 'native.js')], { env, encoding: 'utf8' });
  expect(child.status).toBe(0);
  const [isa, runnable, codes] = child.stdout.split(' ');
  return { isa, runnable: runnable.split(','), stderr: child.stderr, codes: codes === '' ? [] : codes.split(',') };
}

test('this process runs the set SIMD_SOFTMAX_ISA asked for, or the best one when unset', () => {
  const info = backend();
  const requested = process.env.SIMD_SOFTMAX_ISA;
  if (requested === undefined || requested === '' || requested === 'auto') expect(info.isa).toBe(info.availableIsas[0]);
  else expect(info.isa).toBe(requested);
  expect(info.availableIsas[info.availableIsas.length - 1]).toBe('scalar');
});

test('without SIMD_SOFTMAX_ISA the best runnable set is chosen, silently', () => {
  const child = isaInChild(undefined);
  expect(child.isa).toBe(child.runnable[0]);
  expect(child.stderr).toBe('');
  expect(child.codes).toEqual([]);
});

test('every runnable set can be forced', () => {
  for (const isa of isaInChild(undefined).runnable) {
    const child = isaInChild(isa);
    expect(child.isa).toBe(isa);
    expect(child.stderr).toBe('');
  }
});

test('a set this build does not have falls back to the best, with a warning', () => {
  const best = isaInChild(undefined);
  const missing = ['avx2', 'neon'].find((isa) => !best.runnable.includes(isa))!;
  const child = isaInChild(missing);
  expect(child.isa).toBe(best.isa);
  expect(child.codes).toEqual(['SIMD_SOFTMAX_ISA_FALLBACK']);
  expect(child.stderr).toMatch(new RegExp(`SIMD_SOFTMAX_ISA=${missing}, but (this build has no ${missing} kernels|this CPU cannot run it); using ${best.isa}`));
});

test('an unknown name falls back to the best, with a warning listing the names', () => {
  const child = isaInChild('avx9000');
  expect(child.isa).toBe(isaInChild(undefined).isa);
  expect(child.codes).toEqual(['SIMD_SOFTMAX_ISA_FALLBACK']);
  expect(child.stderr).toContain('SIMD_SOFTMAX_ISA=avx9000 is not a kernel set (expected scalar, avx2, avx512, avx512_bf16, neon or auto)');
});
