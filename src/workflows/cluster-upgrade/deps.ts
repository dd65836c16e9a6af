/** What the cluster upgrade talks to: the pool upgrade's dependencies plus the poolUpgrade state machine. */
import { getConfig, type Config } from '../../config/index.js';
import { defaultUpgradeDeps, type UpgradeDeps } from '../upgrade/deps.js';

export interface ClusterUpgradeDeps extends Omit<UpgradeDeps, 'config'> {
  config: UpgradeDeps['config'] & Pick<Config, 'poolUpgradeStateMachineArn' | 'vaultEnabled'>;
}

/** The production dependencies (no I/O until used). */
export function defaultClusterUpgradeDeps(): ClusterUpgradeDeps {
  return { ...defaultUpgradeDeps(), config: getConfig() };
}
