import { describe, expect, it } from 'vitest';
import { peersOf, quorumOf, safetyOf, systemHealthy, type PeerView, type SystemView } from '../../src/workflows/servers/raft-view.js';

const peer = (id: string, address: string, over: Partial<PeerView> = {}): PeerView => ({
  id,
  name: id,
  address,
  voter: true,
  leader: false,
  healthy: true,
  lastIndex: 100,
  ...over,
});

const view = (system: SystemView['system'], peers: PeerView[]): SystemView => ({
  system,
  peers,
  leaderId: peers.find((p) => p.leader)?.id ?? null,
  autopilotHealthy: peers.every((p) => p.healthy),
});

describe('which raft peers belong to a terminating server', () => {
  const nomad = view('nomad', [
    peer('a', '10.0.1.10:4647', { name: 'ip-10-0-1-10.ec2.internal.global', leader: true }),
    peer('b', '10.0.1.100:4647', { name: 'ip-10-0-1-100.ec2.internal.global' }),
    peer('c', '10.0.17.10:4647', { name: 'ip-10-0-17-10.ec2.internal.global' }),
  ]);

  it('matches Nomad and Consul peers by the exact private IP of the raft address, never a prefix of it', () => {
    expect(peersOf(nomad, { instanceId: 'i-1', privateIp: '10.0.1.10', consulNode: null }).map((p) => p.id)).toEqual(['a']);
    expect(peersOf(nomad, { instanceId: 'i-2', privateIp: '10.0.1.100', consulNode: null }).map((p) => p.id)).toEqual(['b']);
  });

  it('matches nothing for an instance that is no raft peer', () => {
    expect(peersOf(nomad, { instanceId: 'i-9', privateIp: '10.0.33.10', consulNode: 'ip-10-0-33-10.ec2.internal' })).toEqual([]);
  });

  it('falls back to the node name only without a known IP (Nomad: name.region)', () => {
    expect(peersOf(nomad, { instanceId: 'i-3', privateIp: null, consulNode: 'ip-10-0-17-10.ec2.internal' }).map((p) => p.id)).toEqual(['c']);
    // ip-10-0-1-1 is not a prefix match of ip-10-0-1-10.…: the name must end where Nomad's region suffix starts.
    expect(peersOf(nomad, { instanceId: 'i-4', privateIp: null, consulNode: 'ip-10-0-1-1' }).map((p) => p.id)).toEqual([]);
  });

  it('matches Vault peers by node_id = instance id only', () => {
    const vault = view('vault', [peer('i-1', '10.0.1.10:8201'), peer('i-2', '10.0.1.11:8201')]);
    expect(peersOf(vault, { instanceId: 'i-2', privateIp: '10.0.1.10', consulNode: null }).map((p) => p.id)).toEqual(['i-2']);
  });
});

describe('quorum arithmetic', () => {
  it('needs a majority of voters', () => {
    expect([1, 2, 3, 4, 5].map(quorumOf)).toEqual([1, 2, 2, 3, 3]);
  });

  it('3 healthy voters: one may leave, two may not', () => {
    const v = view('consul', [peer('a', '10.0.1.1:8300', { leader: true }), peer('b', '10.0.1.2:8300'), peer('c', '10.0.1.3:8300')]);
    expect(safetyOf(v, new Set(['b']))).toMatchObject({ safe: true, toleranceAfter: 0 });
    expect(safetyOf(v, new Set(['b', 'c']))).toMatchObject({ safe: false, toleranceAfter: -1 });
  });

  it('an unhealthy voter counts against the quorum: with one already down, none may leave', () => {
    const v = view('consul', [peer('a', '10.0.1.1:8300', { leader: true }), peer('b', '10.0.1.2:8300'), peer('c', '10.0.1.3:8300', { healthy: false })]);
    expect(safetyOf(v, new Set(['b'])).safe).toBe(false);
    expect(systemHealthy(v)).toBe(false);
  });

  it('no leader means not safe, whatever the count', () => {
    const v = { ...view('nomad', [peer('a', '10.0.1.1:4647'), peer('b', '10.0.1.2:4647'), peer('c', '10.0.1.3:4647')]), leaderId: null };
    expect(safetyOf(v, new Set()).safe).toBe(false);
  });
});
