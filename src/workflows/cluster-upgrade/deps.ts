/** What the cluster upgrade talks to: the pool upgrade's dependencies plus the poolUpgrade state machine. */
import { getConfig, type Config } from '../../config/index.js';
import { upgradeDeps, type UpgradeDeps, type UpgradeWiring } from '../upgrade/deps.js';

export interface ClusterUpgradeDeps extends Omit<UpgradeDeps, 'config'> {
  config: UpgradeDeps['config'] & Pick<Config, 'poolUpgradeStateMachineArn' | 'vaultEnabled'>;
}

/**
 * The production dependencies of one step (no I/O until used): only the
 * operations its handler wires (Validate: the plan's reads; the dispatcher's
 * steps: starting or describing a poolUpgrade execution; Finish: none).
 */
export function clusterUpgradeDeps(wired: UpgradeWiring): ClusterUpgradeDeps {
  return { ...upgradeDeps(wired), config: getConfig() };
}
