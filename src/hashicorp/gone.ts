/**
 * The products' answers to a cleanup of something already gone. Each is a
 * 500 recognised by its exact body, never every 500: another 500 (no leader,
 * an RPC failure) still fails the cleanup.
 */

/** Escape a value for use inside a regular expression. */
function literal(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Prefixes an error gets when a follower forwards the RPC to the leader. */
const RPC_PREFIX = '(?:rpc error: )*';

/** Nomad `POST /v1/node/:id/purge` of an unknown node: 500 `node not found` (Node.Deregister). */
export function nomadNodeGone(status: number, body: string): boolean {
  return status === 500 && new RegExp(`^${RPC_PREFIX}node not found$`).test(body);
}

/** Nomad and Consul `DELETE /v1/operator/raft/peer?id=` of an id no longer in the configuration. */
export function raftPeerGone(id: string): (status: number, body: string) => boolean {
  const re = new RegExp(`^${RPC_PREFIX}id "${literal(id)}" was not found in the Raft configuration$`);
  return (status, body) => status === 500 && re.test(body);
}

/** Consul `PUT /v1/agent/force-leave/:node` of a name no pool knows (reaped or pruned): agent/consul/server.go RemoveFailedNode. */
export function consulMemberGone(name: string): (status: number, body: string) => boolean {
  const re = new RegExp(`^${RPC_PREFIX}agent: No node found with name '${literal(name)}'$`);
  return (status, body) => status === 500 && re.test(body);
}
