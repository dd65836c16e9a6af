# Nomad ACL policy of the control plane's token (SSM: nomadTokenParameter).
#   nomad acl policy apply -description "hashistack control plane" control-plane nomad-control-plane.policy.hcl
#   nomad acl token create -name control-plane -policy control-plane
# Scale-in: find nodes (node:read), drain / eligibility / purge (node:write),
# read allocations. Scale-out gate: node:read, autopilot health (operator:read).
# Server removal reads the raft configuration, which Nomad serves to
# management tokens only: for server pools store a management token instead.
node {
  policy = "write"
}

operator {
  policy = "read"
}

agent {
  policy = "read"
}

namespace "*" {
  policy = "read"
}
