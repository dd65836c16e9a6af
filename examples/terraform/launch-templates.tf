# One launch template per group, tagged hashistack:cluster: the control plane
# may create versions and move the default version only on launch templates
# carrying the cluster's tag (IAM condition). A pool upgrade writes a new
# version with the new image and makes it the default; Terraform must not
# move either back, hence ignore_changes. A change Terraform makes itself
# (say the instance type) becomes a new version, based on the current image
# (image_id is ignored, so the plan keeps the upgraded one), but not the
# default: roll it out with a poolUpgrade {"pool": "...", "launchTemplateVersion": "<n>"}.

locals {
  # The node conventions the control plane relies on (README, Node conventions):
  # the SSM agent runs, Consul knows the node by its instance id, Nomad clients
  # keep the AWS fingerprinter (on by default). Adapt to your image's setup.
  node_user_data = <<-EOT
    #!/bin/sh
    set -eu
    TOKEN=$(wget -qO- --header "X-aws-ec2-metadata-token-ttl-seconds: 300" --method=PUT http://169.254.169.254/latest/api/token)
    INSTANCE_ID=$(wget -qO- --header "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/instance-id)
    mkdir -p /etc/consul.d
    printf 'node_meta {\n  instance_id = "%s"\n}\n' "$INSTANCE_ID" > /etc/consul.d/node-meta.hcl
    rc-update add amazon-ssm-agent default && rc-service amazon-ssm-agent start
    rc-service consul start
    rc-service nomad start
  EOT
}

resource "aws_launch_template" "server" {
  name_prefix            = "${var.cluster_name}-server-"
  image_id               = var.initial_image_id
  instance_type          = "m6g.large"
  vpc_security_group_ids = [aws_security_group.node.id]
  user_data              = base64encode(local.node_user_data)

  iam_instance_profile {
    arn = aws_iam_instance_profile.node.arn
  }

  metadata_options {
    http_tokens = "required"
  }

  tags = {
    "hashistack:cluster" = var.cluster_name
  }

  lifecycle {
    # Written by the control plane's upgrades (new version with the new image, made the default).
    ignore_changes = [image_id, default_version]
  }
}

resource "aws_launch_template" "client" {
  name_prefix            = "${var.cluster_name}-client-general-"
  image_id               = var.initial_image_id
  instance_type          = "m6g.xlarge"
  vpc_security_group_ids = [aws_security_group.node.id]
  user_data              = base64encode(local.node_user_data)

  iam_instance_profile {
    arn = aws_iam_instance_profile.node.arn
  }

  metadata_options {
    http_tokens = "required"
  }

  tags = {
    "hashistack:cluster" = var.cluster_name
  }

  lifecycle {
    ignore_changes = [image_id, default_version]
  }
}
