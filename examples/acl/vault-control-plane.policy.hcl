# Vault policy of the control plane's token (SSM: vaultTokenParameter).
#   vault policy write control-plane vault-control-plane.policy.hcl
# sys/health and sys/leader need no token.
path "sys/storage/raft/configuration" {
  capabilities = ["read"]
}

path "sys/storage/raft/autopilot/state" {
  capabilities = ["read"]
}

path "sys/storage/raft/remove-peer" {
  capabilities = ["update"]
}
