// What every npm script in scripts/ needs: the repository root, a fatal error under the script's
// name, and running a command in the root with its output shown.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

/** { root, fail(message), run(command, args, options) -> exit status } for the script called `label`. */
function scriptHelpers(label) {
  return {
    root,
    fail(message) {
      console.error(`${label}: ${message}`);
      process.exit(1);
    },
    run(command, args, options = {}) {
      const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
      if (result.error) throw result.error;
      return result.status;
    },
  };
}

module.exports = { scriptHelpers };
