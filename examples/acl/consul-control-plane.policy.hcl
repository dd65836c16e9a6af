# Consul ACL policy of the control plane's token (SSM: consulTokenParameter).
#   consul acl policy create -name control-plane -rules @consul-control-plane.policy.hcl
#   consul acl token create -description "hashistack control plane" -policy-name control-plane
# Find members and their health (node:read), force-leave with prune and raft
# peer removal (operator:write), catalog deregistration (node:write).
node_prefix "" {
  policy = "write"
}

agent_prefix "" {
  policy = "read"
}

service_prefix "" {
  policy = "read"
}

operator = "write"
