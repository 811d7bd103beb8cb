// Tools from Debian's apt for the scripts that need them (cross compiler, emulators): installed only
// when missing, refreshing the package lists only if the first attempt fails. Needs root.
'use strict';

const { spawnSync } = require('node:child_process');

/** True when `command` is on PATH. */
function have(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Installs `packages`; returns false if apt could not. */
function aptInstall(label, packages) {
  console.log(`${label}: installing ${packages.join(' ')} from Debian`);
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { stdio: 'inherit' }).status === 0;
  return install() || (spawnSync('apt-get', ['update'], { stdio: 'inherit' }).status === 0 && install());
}

module.exports = { aptInstall, have };
