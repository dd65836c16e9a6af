'use strict';

const { mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

/** serverless-esbuild's hooks that bundle every function and move the zips. */
const BUNDLING_HOOKS = ['before:package:createDeploymentArtifacts', 'after:package:createDeploymentArtifacts'];
const ESBUILD_PLUGIN = 'EsbuildServerlessPlugin';

/**
 * HASHISTACK_TEMPLATE_ONLY=1 (set only by the simulator's IAM loader,
 * sim/iam/packaged-template.ts): `serverless package` writes the
 * CloudFormation template without bundling the functions, which was nearly
 * all of the packaging time. The simulator reads IAM from that template
 * (roles, policies, permissions, topic policy), none of which depends on the
 * code: serverless-esbuild sits this package out and every function gets one
 * empty zip as its artifact. The template differs from a full package only in
 * the functions' S3 keys and code hashes (`npm run iam:template-parity`
 * checks that against `npm run package` in CI). With the flag unset (deploys,
 * `npm run package`) this plugin does nothing.
 */
class TemplateOnlyPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    if (process.env.HASHISTACK_TEMPLATE_ONLY !== '1') return;
    // Listed after serverless-esbuild in serverless.yml, so its hooks are registered by now.
    const hooks = serverless.pluginManager.hooks;
    for (const event of BUNDLING_HOOKS) {
      const before = hooks[event] ?? [];
      hooks[event] = before.filter((h) => h.pluginName !== ESBUILD_PLUGIN);
      if (hooks[event].length === before.length) throw new Error(`template-only: ${ESBUILD_PLUGIN} has no ${event} hook to skip`);
    }
    this.hooks = { 'before:package:createDeploymentArtifacts': () => this.stubArtifacts() };
  }

  stubArtifacts() {
    const dir = resolve(this.serverless.serviceDir, this.options.package ?? '.serverless');
    mkdirSync(dir, { recursive: true });
    const artifact = join(dir, 'template-only.zip');
    // An empty zip: the end-of-central-directory record alone.
    writeFileSync(artifact, Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]));
    for (const fn of Object.values(this.serverless.service.functions)) fn.package = { ...fn.package, artifact };
  }
}

module.exports = TemplateOnlyPlugin;
