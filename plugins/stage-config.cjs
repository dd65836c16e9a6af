'use strict';

/**
 * `custom.config` of serverless.yml: `${file(./plugins/stage-config.cjs)}`.
 * Reads config/<stage>.yml and checks it with the schema the Lambdas use
 * (src/config/stage-file.ts), so `sls package` / `sls deploy` refuse a bad
 * value naming its key, the value and the fix, and a missing file naming the
 * file, instead of a Lambda failing at its first start.
 */
const { require: tsRequire } = require('tsx/cjs/api');

/** @returns the checked stage file of `stage` (also used by the simulator, which resolves serverless.yml itself). */
function forStage(stage) {
  const { loadStageConfig } = tsRequire('../src/config/stage-file.ts', __filename);
  try {
    return loadStageConfig(require('node:path').join(__dirname, '..'), stage);
  } catch (error) {
    // The framework prints a thrown error's stack; the message is the whole story.
    if (error && error.name === 'StageConfigInvalid') error.stack = `\n${error.message}`;
    throw error;
  }
}

module.exports = async ({ resolveVariable }) => forStage(await resolveVariable('sls:stage'));
module.exports.forStage = forStage;
