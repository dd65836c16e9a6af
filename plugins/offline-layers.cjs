'use strict';

const { existsSync } = require('node:fs');
const { join } = require('node:path');

/**
 * `serverless package` compares every layer with the last deployed one
 * through CloudFormation DescribeStacks, which fails with no network. When
 * HASHISTACK_OFFLINE_PACKAGE=1 (set by `npm run package`) this replaces that
 * comparison with "no previous layer", so packaging works offline. Deploys
 * (flag unset) keep the framework's behaviour.
 */
class OfflineLayersPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      'before:package:compileLayers': () => this.disableLayerComparison(),
      'before:deploy:deploy': () => this.requireClusterCa(),
    };
  }

  disableLayerComparison() {
    if (process.env.HASHISTACK_OFFLINE_PACKAGE !== '1') return;
    const plugin = this.serverless.pluginManager.plugins.find((p) => typeof p.compareWithLastLayer === 'function');
    if (!plugin) throw new Error('offline-layers: the layers plugin has no compareWithLastLayer to disable');
    plugin.compareWithLastLayer = async () => undefined;
  }
}

/**
 * Every function verifies the cluster's TLS against layers/cluster-ca/cluster-ca.pem;
 * deploying without it would leave them unable to reach the cluster.
 */
OfflineLayersPlugin.prototype.requireClusterCa = function requireClusterCa() {
  const pem = join(this.serverless.serviceDir, 'layers', 'cluster-ca', 'cluster-ca.pem');
  if (!existsSync(pem)) {
    throw new Error(`missing ${pem}: put your cluster CA bundle there before deploying (see layers/cluster-ca/README.md)`);
  }
};

module.exports = OfflineLayersPlugin;
