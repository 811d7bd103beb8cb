// The C++ core's sources (everything but the Node-API glue), for the standalone programs that the
// sanitizer and fuzzing scripts build: the native tests and the fuzzer. CMakeLists.txt lists the
// same files for the addon.
'use strict';

const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');

const CORE_SOURCES = [
  'binding/core/parallel_job.cc',
  'binding/core/planner.cc',
  'binding/core/run_job.cc',
  'binding/dispatch/cpu_features.cc',
  'binding/dispatch/kernel_dispatch.cc',
  'binding/kernels/scalar/softmax_scalar.cc',
  'binding/threads/thread_pool.cc',
];

// Per-ISA kernels of this machine's architecture, each with its own flags (as in CMakeLists.txt).
function isaSources() {
  if (process.arch === 'x64') {
    return {
      definitions: ['-DSIMD_SOFTMAX_HAVE_AVX2=1', '-DSIMD_SOFTMAX_HAVE_AVX512=1'],
      files: [
        { file: 'binding/kernels/avx2/softmax_avx2.cc', flags: ['-mavx2', '-mfma'] },
        { file: 'binding/kernels/avx512/softmax_avx512.cc', flags: ['-mavx512f', '-mavx2', '-mfma'] },
      ],
    };
  }
  if (process.arch === 'arm64') {
    return { definitions: ['-DSIMD_SOFTMAX_HAVE_NEON=1'], files: [{ file: 'binding/kernels/neon/softmax_neon.cc', flags: [] }] };
  }
  return { definitions: [], files: [] };
}

/**
 * Compiles `mainSources` with the core into `output`, each file on its own with `flags` (plus its
 * ISA's flags), then links with `linkFlags`. Returns true on success; the compiler's output is shown.
 */
function buildProgram({ compiler, flags, linkFlags = [], mainSources, output, objectDir }) {
  const fs = require('node:fs');
  fs.mkdirSync(objectDir, { recursive: true });
  const isa = isaSources();
  const units = [...mainSources, ...CORE_SOURCES].map((file) => ({ file, flags: [] })).concat(isa.files);
  const objects = [];
  for (const unit of units) {
    const object = path.join(objectDir, `${unit.file.replace(/[\\/]/g, '_')}.o`);
    const args = ['-std=c++17', '-ffp-contract=off', `-I${path.join(root, 'binding')}`, ...isa.definitions, ...flags,
      ...unit.flags, '-c', path.join(root, unit.file), '-o', object];
    const result = spawnSync(compiler, args, { stdio: 'inherit' });
    if (result.error || result.status !== 0) return false;
    objects.push(object);
  }
  const link = spawnSync(compiler, [...flags, ...objects, ...linkFlags, '-lpthread', '-ldl', '-o', output], { stdio: 'inherit' });
  return !link.error && link.status === 0;
}

module.exports = { buildProgram, root };
