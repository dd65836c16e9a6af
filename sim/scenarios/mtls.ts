import { defaultScenario } from './default.js';
import { check, type Scenario } from './types.js';

/**
 * The default scenario (jobs placed, a scale-out of 2, a scale-in of 2) on a
 * cluster whose Nomad, Consul and Vault require client certificates: the
 * join gate and the drains work over mutual TLS with the certificates from
 * SSM. Any other scenario plays the same way with `--mtls`.
 */
export const mtlsScenario: Scenario = {
  name: 'mtls-required',
  description: 'the default scenario on a cluster that requires client certificates (mutual TLS); any scenario: --mtls',
  defaults: defaultScenario.defaults,
  options: () => ({ mtls: 'configured' }),
  async run(sim, args) {
    const endpoints = sim.endpoints();
    const https = (['nomad', 'consul', 'vault'] as const).map((api) => `${api} ${endpoints[api]}`);
    return [
      check(
        'Nomad, Consul and Vault served over https, client certificates required',
        https.every((e) => e.includes(' https://')),
        https.join(', '),
      ),
      ...(await defaultScenario.run(sim, args)),
    ];
  },
};
