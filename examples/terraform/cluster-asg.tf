# The tags and lifecycle hooks the control plane expects on every ASG of the
# cluster. Names must match config/<stage>.yml (launchHookName,
# terminateHookName, clusterName). The hook audit (every hour) reports a
# cluster ASG whose hooks are missing or misconfigured.

# The launch template carries the cluster tag: the control plane may write
# versions and move the default version only on launch templates tagged
# hashistack:cluster = clusterName. Upgrades move default_version and add
# versions with a new image_id, so Terraform must not move them back.
resource "aws_launch_template" "client" {
  name_prefix   = "hashistack-client-general-"
  image_id      = var.initial_image_id
  instance_type = "m6g.xlarge"
  iam_instance_profile {
    name = var.client_instance_profile
  }
  tags = {
    "hashistack:cluster" = "hashistack"
  }
  lifecycle {
    ignore_changes = [image_id, default_version, latest_version]
  }
}

resource "aws_autoscaling_group" "clients_general" {
  name                = "hashistack-clients-general"
  min_size            = 3
  max_size            = 30
  desired_capacity    = 6
  vpc_zone_identifier = var.private_subnet_ids

  # $Default: an upgrade creates a version and makes it the default; the group
  # itself is never updated (no ec2:RunInstances / iam:PassRole for the control plane).
  launch_template {
    id      = aws_launch_template.client.id
    version = "$Default"
  }

  tag {
    key                 = "hashistack:cluster"
    value               = "hashistack"
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

  # Hooks declared inline so that the very first instances already wait for them.
  initial_lifecycle_hook {
    name                 = "hashistack-launch"
    lifecycle_transition = "autoscaling:EC2_INSTANCE_LAUNCHING"
    # The join workflow heartbeats while it waits and answers CONTINUE or
    # ABANDON itself; the default only applies if the control plane is down,
    # and then failing open (the node serves unverified, as without a control
    # plane) beats refusing every launch.
    heartbeat_timeout = 900
    default_result    = "CONTINUE"
  }

  initial_lifecycle_hook {
    name                 = "hashistack-terminate"
    lifecycle_transition = "autoscaling:EC2_INSTANCE_TERMINATING"
    # The drain workflow heartbeats after every blocking query (at most every
    # 5 minutes), so drains longer than this timeout are fine. The global limit
    # is min(100 x heartbeat_timeout, 48 h).
    heartbeat_timeout = 900
    default_result    = "CONTINUE"
  }
}
