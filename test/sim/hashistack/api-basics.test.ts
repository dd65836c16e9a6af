import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapCluster, startHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('hashistack sim: ACLs and lookups', () => {
  it("answers a missing or wrong token with each system's 403 text; leader/health need none", async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const nomadMissing = await fetch(`${h.url.nomad}/v1/nodes`);
    expect([nomadMissing.status, await nomadMissing.text()]).toEqual([403, 'Permission denied']);
    const nomadWrong = await fetch(`${h.url.nomad}/v1/nodes`, { headers: { 'X-Nomad-Token': 'nope' } });
    expect([nomadWrong.status, await nomadWrong.text()]).toEqual([403, 'ACL token not found']);
    // Consul reads without a token run as the anonymous token: 200, everything filtered out (default deny).
    const anonymous = await fetch(`${h.url.consul}/v1/agent/members`);
    expect([anonymous.status, await anonymous.json()]).toEqual([200, []]);
    const unknown = await fetch(`${h.url.consul}/v1/agent/members`, { headers: { 'X-Consul-Token': 'nope' } });
    expect([unknown.status, await unknown.text()]).toEqual([403, 'ACL not found']);
    const anonymousWrite = await fetch(`${h.url.consul}/v1/agent/force-leave/x`, { method: 'PUT' });
    expect(anonymousWrite.status).toBe(403);
    expect(await anonymousWrite.text()).toMatch(/^Permission denied: anonymous token lacks permission 'operator:write'/);
    const vault = await fetch(`${h.url.vault}/v1/sys/storage/raft/configuration`, { headers: { 'X-Vault-Token': 'nope' } });
    expect([vault.status, await vault.json()]).toEqual([403, { errors: ['permission denied'] }]);
    expect((await fetch(`${h.url.nomad}/v1/status/leader`)).status).toBe(200);
    expect(await (await fetch(`${h.url.consul}/v1/status/leader`)).json()).toMatch(/^10\.0\.0\.\d+:8300$/);
    expect((await fetch(`${h.url.vault}/v1/sys/health`)).status).toBe(200);
  });

  it('unknown node: 404 on read, 500 on drain', async () => {
    h = await startHarness();
    bootstrapCluster(h, 1);
    const read = await h.nomad('/v1/node/00000000-0000-0000-0000-000000000000');
    expect([read.status, await read.text()]).toEqual([404, 'node not found']);
    const drain = await h.nomad('/v1/node/00000000-0000-0000-0000-000000000000/drain', {
      method: 'POST',
      body: JSON.stringify({ DrainSpec: { Deadline: 60e9 } }),
    });
    expect([drain.status, await drain.text()]).toEqual([500, 'node not found']);
  });

  it('a launched client boots, registers with its AWS attributes, and is found by filter; Consul by Meta.instance_id', async () => {
    h = await startHarness();
    bootstrapCluster(h, 0);
    const inst = h.instance('client', { 'hashistack:node-class': 'web' });
    h.bus.emit('instance.running', inst);
    await h.clock.until(() => h.sim.api.nodeOfInstance(inst.instanceId)?.Status === 'ready', 300_000);
    const filter = encodeURIComponent(`Attributes["unique.platform.aws.instance-id"] == "${inst.instanceId}" and NodePool == "general" and Status == "ready"`);
    const res = await h.nomad(`/v1/nodes?filter=${filter}`);
    expect(res.headers.get('x-nomad-index')).toMatch(/^\d+$/);
    const stubs = (await res.json()) as Array<{ ID: string; NodeClass: string; SchedulingEligibility: string }>;
    expect(stubs).toHaveLength(1);
    expect(stubs[0]).toMatchObject({ NodeClass: 'web', SchedulingEligibility: 'eligible' });
    const node = (await (await h.nomad(`/v1/node/${stubs[0]?.ID}`)).json()) as { Attributes: Record<string, string>; Links: Record<string, string> };
    expect(node.Attributes).toMatchObject({
      'unique.platform.aws.instance-id': inst.instanceId,
      'unique.platform.aws.local-ipv4': inst.privateIp,
      'unique.platform.aws.hostname': inst.privateDnsName,
      'platform.aws.instance-type': 'm5.large',
      'platform.aws.placement.availability-zone': 'eu-west-1a',
      'os.name': 'alpine',
    });
    expect(node.Links['aws.ec2']).toBe(`eu-west-1a.${inst.instanceId}`);
    const none = await h.nomad(`/v1/nodes?filter=${encodeURIComponent('Attributes["unique.platform.aws.instance-id"] == "i-missing"')}`);
    expect(await none.json()).toEqual([]);

    const catalog = await h.consul(`/v1/catalog/nodes?filter=${encodeURIComponent(`Meta.instance_id == "${inst.instanceId}"`)}`);
    expect(catalog.headers.get('x-consul-index')).toMatch(/^\d+$/);
    expect(await catalog.json()).toEqual([expect.objectContaining({ Node: inst.privateDnsName, Address: inst.privateIp })]);
    const members = (await (await h.consul('/v1/agent/members')).json()) as Array<{ Name: string; Status: number; Tags: Record<string, string> }>;
    expect(members.find((m) => m.Name === inst.privateDnsName)).toMatchObject({ Status: 1, Tags: expect.objectContaining({ role: 'node' }) });
  });
});
