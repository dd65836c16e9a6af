import { WorldBus, type SimInstance } from '../../../sim/core/bus.js';
import { SimClock } from '../../../sim/core/clock.js';
import { Faults, type ClusterFaults } from '../../../sim/core/faults.js';
import { serve, type RunningService } from '../../../sim/core/http.js';
import { Recorder } from '../../../sim/core/recorder.js';
import { Rng } from '../../../sim/core/rng.js';
import { createHashistackSim, type HashistackSim } from '../../../sim/hashistack/index.js';

export const TOKENS = { nomad: 'nomad-mgmt-token', consul: 'consul-mgmt-token', vault: 'hvs.vault-token' } as const;
const START = Date.parse('2026-01-05T09:00:00Z');

/** A hashistack simulation served on loopback, with helpers to make instances. */
export interface Harness {
  clock: SimClock;
  recorder: Recorder;
  bus: WorldBus;
  faults: Faults;
  sim: HashistackSim;
  url: { nomad: string; consul: string; vault: string };
  instance(role: 'server' | 'client', extraTags?: Record<string, string>): SimInstance;
  nomad(path: string, init?: RequestInit): Promise<Response>;
  consul(path: string, init?: RequestInit): Promise<Response>;
  vault(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export async function startHarness(options: { faults?: Partial<ClusterFaults>; joinMode?: 'auto' | 'ssm'; seed?: number } = {}): Promise<Harness> {
  const clock = new SimClock({ start: START });
  const rng = new Rng(options.seed ?? 7);
  const faults = new Faults(rng, options.faults);
  const recorder = new Recorder(clock);
  const bus = new WorldBus();
  const sim = createHashistackSim({ clock, rng, faults, recorder, bus, tokens: TOKENS, joinMode: options.joinMode ?? 'auto' });
  const running: RunningService[] = [];
  for (const s of [sim.services.nomad, sim.services.consul, sim.services.vault]) running.push(await serve(s, { clock, faults, recorder }));
  const [nomadUrl, consulUrl, vaultUrl] = running.map((r) => r.url) as [string, string, string];
  let ordinal = 0;
  const withToken = (name: string, token: string, init: RequestInit = {}): RequestInit => ({
    ...init,
    headers: { [name]: token, ...(init.headers as Record<string, string> | undefined) },
  });
  return {
    clock,
    recorder,
    bus,
    faults,
    sim,
    url: { nomad: nomadUrl, consul: consulUrl, vault: vaultUrl },
    instance(role, extraTags = {}) {
      ordinal++;
      const ip = `10.0.${role === 'server' ? 0 : 1}.${10 + ordinal}`;
      return {
        instanceId: `i-0${ordinal.toString(16).padStart(16, 'a')}`,
        ordinal,
        imageId: 'ami-0123456789abcdef0',
        instanceType: 'm5.large',
        availabilityZone: 'eu-west-1a',
        privateIp: ip,
        privateDnsName: `ip-${ip.replaceAll('.', '-')}.eu-west-1.compute.internal`,
        launchTime: clock.now(),
        tags: {
          'hashistack:cluster': 'main',
          'hashistack:role': role,
          'hashistack:pool': role === 'server' ? 'servers' : 'general',
          'aws:autoscaling:groupName': `main-${role}`,
          ...extraTags,
        },
      };
    },
    nomad: (path, init) => fetch(`${nomadUrl}${path}`, withToken('X-Nomad-Token', TOKENS.nomad, init)),
    consul: (path, init) => fetch(`${consulUrl}${path}`, withToken('X-Consul-Token', TOKENS.consul, init)),
    vault: (path, init) => fetch(`${vaultUrl}${path}`, withToken('X-Vault-Token', TOKENS.vault, init)),
    async close() {
      clock.stop();
      await Promise.all(running.map((r) => r.close()));
    },
  };
}

/** Three servers and `clients` clients, bootstrapped as the t0 cluster. */
export function bootstrapCluster(h: Harness, clients: number): { servers: SimInstance[]; clients: SimInstance[] } {
  const servers = [h.instance('server'), h.instance('server'), h.instance('server')];
  const cs = Array.from({ length: clients }, () => h.instance('client'));
  h.sim.api.bootstrap([...servers, ...cs]);
  return { servers, clients: cs };
}
