# The server and client groups with the tags and lifecycle hooks the control
# plane expects. Hook names and the cluster tag must match config/<stage>.yml
# (launchHookName, terminateHookName, clusterName); `npm run doctor -- --stage
# <stage>` checks all of it after `terraform apply`.

locals {
  # Both hooks, on every group, declared inline so that the very first
  # instances already wait for them.
  #  - launch: the join workflow heartbeats while it waits and answers
  #    CONTINUE or ABANDON itself; the default only applies if the control
  #    plane is down, and then failing open (the node serves unverified, as
  #    without a control plane) beats refusing every launch.
  #  - terminate: the drain workflow heartbeats after every blocking query (at
  #    most every 5 minutes), so drains longer than the timeout are fine; the
  #    global limit is min(100 x heartbeat_timeout, 48 h). The doctor and the
  #    hourly hook audit refuse a heartbeat timeout under 300 s.
  lifecycle_hooks = {
    (var.launch_hook_name)    = "autoscaling:EC2_INSTANCE_LAUNCHING"
    (var.terminate_hook_name) = "autoscaling:EC2_INSTANCE_TERMINATING"
  }
}

resource "aws_autoscaling_group" "servers" {
  name                = "${var.cluster_name}-servers"
  min_size            = var.server_count
  desired_capacity    = var.server_count
  # serverReplace and server pool upgrades add one server before removing one.
  max_size            = var.server_count + 1
  vpc_zone_identifier = var.private_subnet_ids

  # $Default: an upgrade creates a version and makes it the default; the group
  # itself is never updated (the control plane holds no ec2:RunInstances /
  # iam:PassRole). A number here is refused by upgrades (the doctor fails it).
  launch_template {
    id      = aws_launch_template.server.id
    version = "$Default"
  }

  dynamic "initial_lifecycle_hook" {
    for_each = local.lifecycle_hooks
    content {
      name                 = initial_lifecycle_hook.key
      lifecycle_transition = initial_lifecycle_hook.value
      heartbeat_timeout    = 900
      default_result       = "CONTINUE"
    }
  }

  tag {
    key                 = "hashistack:cluster"
    value               = var.cluster_name
    propagate_at_launch = true
  }
  tag {
    key                 = "hashistack:role"
    value               = "server"
    propagate_at_launch = true
  }
  tag {
    key                 = "hashistack:pool"
    value               = "servers"
    propagate_at_launch = true
  }

  lifecycle {
    # An upgrade changes the live desired capacity while it runs (+1 server);
    # an apply in the middle must not set it back.
    ignore_changes = [desired_capacity]
  }
}

resource "aws_autoscaling_group" "clients_general" {
  name                = "${var.cluster_name}-clients-general"
  min_size            = 3
  max_size            = 30
  desired_capacity    = var.client_count
  vpc_zone_identifier = var.private_subnet_ids

  launch_template {
    id      = aws_launch_template.client.id
    version = "$Default"
  }

  dynamic "initial_lifecycle_hook" {
    for_each = local.lifecycle_hooks
    content {
      name                 = initial_lifecycle_hook.key
      lifecycle_transition = initial_lifecycle_hook.value
      heartbeat_timeout    = 900
      default_result       = "CONTINUE"
    }
  }

  tag {
    key                 = "hashistack:cluster"
    value               = var.cluster_name
    propagate_at_launch = true
  }
  tag {
    key                 = "hashistack:role" # server | client
    value               = "client"
    propagate_at_launch = true
  }
  tag {
    key                 = "hashistack:pool" # the pool an upgrade rolls; also the Nomad node pool
    value               = "general"
    propagate_at_launch = true
  }
  # Optional per-pool knobs (Go durations):
  tag {
    key                 = "hashistack:drain-deadline"
    value               = "30m"
    propagate_at_launch = false
  }
  tag {
    key                 = "hashistack:join-timeout"
    value               = "10m"
    propagate_at_launch = false
  }

  lifecycle {
    # The upgrade surges the live desired capacity batch by batch (and keeps
    # scaling done meanwhile); Terraform must not reset it. Scale with
    # `aws autoscaling set-desired-capacity` or a scaling policy instead.
    # The launch template reference stays "$Default" (the version moves
    # inside the template, ignored there); listed so that a group someone
    # switched to "$Latest" is not flipped back mid-upgrade.
    ignore_changes = [desired_capacity, launch_template[0].version]
  }
}
