import type { RaftCluster } from '../cluster/raft.js';
import { goDuration, isoOf } from './format.js';

/** Autopilot health in the shape Nomad and Consul share. */
export interface AutopilotHealthBody {
  Healthy: boolean;
  FailureTolerance: number;
  Leader: string;
  Voters: string[];
  Servers: Array<{
    ID: string;
    Name: string;
    Address: string;
    SerfStatus: string;
    Version: string;
    Leader: boolean;
    LastContact: string;
    LastTerm: number;
    LastIndex: number;
    Healthy: boolean;
    Voter: boolean;
    StableSince: string;
  }>;
}

/** Build `/v1/operator/autopilot/health` from a raft cluster and the servers' serf status. */
export function autopilotHealth(raft: RaftCluster, version: string, serfStatus: (instanceId: string) => string, commitIndex: number): AutopilotHealthBody {
  const leader = raft.leader();
  return {
    Healthy: raft.allHealthy(),
    FailureTolerance: raft.failureTolerance(),
    Leader: leader?.id ?? '',
    Voters: raft
      .list()
      .filter((p) => p.voter)
      .map((p) => p.id),
    Servers: raft.list().map((p) => {
      const alive = raft.alive(p);
      return {
        ID: p.id,
        Name: p.name,
        Address: p.address,
        SerfStatus: serfStatus(p.instanceId),
        Version: version,
        Leader: leader?.id === p.id,
        LastContact: leader?.id === p.id ? '0s' : alive ? '18ms' : goDuration(raft.msSinceContact(p)),
        LastTerm: raft.term,
        LastIndex: alive ? commitIndex : Math.max(0, commitIndex - 50),
        Healthy: raft.healthy(p),
        Voter: p.voter,
        StableSince: isoOf(p.stableSince),
      };
    }),
  };
}
