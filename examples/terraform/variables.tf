# Keep these in step with config/<stage>.yml: cluster_name = clusterName,
# launch_hook_name = launchHookName, terminate_hook_name = terminateHookName.
variable "region" {
  type    = string
  default = "us-east-1"
}

variable "cluster_name" {
  description = "Value of the hashistack:cluster tag (config: clusterName)"
  type        = string
  default     = "hashistack"
}

variable "launch_hook_name" {
  description = "config: launchHookName"
  type        = string
  default     = "hashistack-launch"
}

variable "terminate_hook_name" {
  description = "config: terminateHookName"
  type        = string
  default     = "hashistack-terminate"
}

variable "vpc_id" {
  type = string
}

variable "private_subnet_ids" {
  description = "Subnets of the nodes (and of the control plane's Lambdas: config vpc.subnetIds)"
  type        = list(string)
}

variable "control_plane_security_group_id" {
  description = "The Lambdas' security group (config vpc.securityGroupIds); the nodes let it reach the Nomad, Consul and Vault APIs"
  type        = string
}

variable "initial_image_id" {
  description = "The AMI the groups start with; upgrades move it afterwards (see ignore_changes)"
  type        = string
}

variable "server_count" {
  description = "3 or 5 servers (raft quorum)"
  type        = number
  default     = 3
}

variable "client_count" {
  type    = number
  default = 6
}
