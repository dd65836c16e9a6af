import { describe, expect, it } from 'vitest';
import { poolFactsFromTags } from '../../src/cluster/pool.js';
import { changeRank, clusterSystems, parseSystemsTag, systemsOf } from '../../src/cluster/systems.js';
import { loadConfig } from '../../src/config/index.js';
import { ConfigError, InvalidInput } from '../../src/errors/index.js';
import { peersOf, vaultNodeIdsOf, type SystemView } from '../../src/workflows/servers/raft-view.js';
import { serverLeaveScript } from '../../src/workflows/servers/removal-leave.js';
import { baseEnv } from './helpers.js';

const tags = (extra: Record<string, string>) =>
  Object.entries({ 'hashistack:cluster': 'hc', 'hashistack:role': 'server', ...extra }).map(([Key, Value]) => ({ Key, Value }));

describe('hashistack:systems', () => {
  it.each([
    ['consul,nomad', ['consul', 'nomad']],
    ['vault', ['vault']],
    [' Nomad , consul ', ['consul', 'nomad']],
    ['vault,consul,nomad', ['consul', 'nomad', 'vault']],
  ])('%s → %j, in Consul, Nomad, Vault order', (raw, want) => {
    expect(parseSystemsTag(raw)).toEqual({ systems: want });
  });

  it.each([
    ['', 'names no system'],
    ['consul,postgres', '"postgres"'],
    ['nomad,nomad', 'twice'],
  ])('%j is refused (%s)', (raw, problem) => {
    const r = parseSystemsTag(raw);
    expect('problem' in r && r.problem).toContain(problem);
  });

  it("a server group's facts carry the tag; absent: null (the cluster's systems); clients ignore it", () => {
    expect(poolFactsFromTags('a', tags({ 'hashistack:systems': 'nomad' }), 'hc')?.systems).toEqual(['nomad']);
    expect(poolFactsFromTags('a', tags({}), 'hc')?.systems).toBeNull();
    expect(poolFactsFromTags('a', tags({ 'hashistack:role': 'client', 'hashistack:systems': 'nomad' }), 'hc')?.systems).toBeNull();
    expect(() => poolFactsFromTags('a', tags({ 'hashistack:systems': 'etcd' }), 'hc')).toThrow(InvalidInput);
  });

  it("the group's systems, less Vault when the cluster does not manage it", () => {
    expect(systemsOf({ systems: null }, { vaultEnabled: true })).toEqual(['consul', 'nomad', 'vault']);
    expect(systemsOf({ systems: null }, { vaultEnabled: false })).toEqual(['consul', 'nomad']);
    expect(systemsOf({ systems: ['nomad', 'vault'] }, { vaultEnabled: false })).toEqual(['nomad']);
    expect(clusterSystems({ vaultEnabled: false })).toEqual(['consul', 'nomad']);
  });

  it('orders server groups Consul first, then Nomad, then Vault', () => {
    const groups = [['vault'], ['nomad', 'vault'], ['consul', 'nomad'], ['nomad']] as const;
    expect([...groups].sort((a, b) => changeRank(a) - changeRank(b))).toEqual([['consul', 'nomad'], ['nomad', 'vault'], ['nomad'], ['vault']]);
  });

  it("a server leaves only the services its group runs (Consul's agent always)", () => {
    expect(serverLeaveScript(['consul'])).toEqual(['consul leave || true', 'rc-service consul stop || true']);
    expect(serverLeaveScript(['nomad'])).toEqual(['rc-service nomad stop || true', 'consul leave || true', 'rc-service consul stop || true']);
  });
});

describe('Vault node_id convention', () => {
  const vault: SystemView = {
    system: 'vault',
    leaderId: 'ip-10-0-1-5.ec2.internal',
    autopilotHealthy: true,
    peers: ['ip-10-0-1-5.ec2.internal', 'ip-10-0-1-6', 'i-0abc'].map((id) => ({
      id,
      name: id,
      address: '10.0.1.5:8201',
      voter: true,
      leader: false,
      healthy: true,
      lastIndex: undefined,
    })),
  };
  it('instance-id: the instance id only', () => {
    expect(vaultNodeIdsOf('instance-id', 'i-0abc', 'ip-10-0-1-5.ec2.internal')).toEqual(['i-0abc']);
    expect(peersOf(vault, { instanceId: 'i-0abc', privateIp: null, consulNode: null }).map((p) => p.id)).toEqual(['i-0abc']);
  });
  it('hostname: the private DNS name or its first label, never the instance id', () => {
    const ids = vaultNodeIdsOf('hostname', 'i-0abc', 'ip-10-0-1-6.ec2.internal');
    expect(ids).toEqual(['ip-10-0-1-6.ec2.internal', 'ip-10-0-1-6']);
    expect(peersOf(vault, { instanceId: 'i-0abc', privateIp: null, consulNode: null, vaultNodeIds: ids }).map((p) => p.id)).toEqual(['ip-10-0-1-6']);
    expect(vaultNodeIdsOf('hostname', 'i-0abc', null)).toEqual([]);
  });
});

describe('config: Vault optional for the whole cluster', () => {
  it('enabled by default, node_id = instance id', () => {
    const c = loadConfig(baseEnv);
    expect(c.vaultEnabled).toBe(true);
    expect(c.vaultNodeId).toBe('instance-id');
  });
  it('disabled: no Vault address or token parameter needed', () => {
    const c = loadConfig({ ...baseEnv, VAULT_ENABLED: 'false', VAULT_ADDR: '', VAULT_TOKEN_PARAMETER: undefined });
    expect(c.vaultEnabled).toBe(false);
    expect(c.vaultAddr).toBeUndefined();
    expect(c.tokenParameters.vault).toBeUndefined();
  });
  it('enabled without an address: refused naming the variable', () => {
    expect(() => loadConfig({ ...baseEnv, VAULT_ADDR: undefined })).toThrow(ConfigError);
    expect(() => loadConfig({ ...baseEnv, VAULT_ADDR: undefined })).toThrow(/VAULT_ADDR/);
    expect(() => loadConfig({ ...baseEnv, VAULT_NODE_ID: 'uuid' })).toThrow(/VAULT_NODE_ID/);
  });
});
