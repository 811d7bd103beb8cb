// Configures and builds a CMake tree of this project (CMakeLists.txt owns every native target):
// `buildTree('build-asan-native', ['-DSIMD_SOFTMAX_SANITIZE=address', ...])`. Returns true on success.
'use strict';

const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..', '..');

function buildTree(folder, cacheOptions, { env = {}, targets = [] } = {}) {
  const dir = path.join(root, folder);
  const options = { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } };
  const configure = spawnSync('cmake', ['-S', root, '-B', dir, ...cacheOptions], options);
  if (configure.error || configure.status !== 0) return false;
  const jobs = String(Math.max(2, os.availableParallelism?.() ?? 2));
  const targetArgs = targets.length > 0 ? ['--target', ...targets] : [];
  const build = spawnSync('cmake', ['--build', dir, '--parallel', jobs, ...targetArgs], options);
  return !build.error && build.status === 0;
}

module.exports = { buildTree, root };
