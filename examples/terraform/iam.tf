# The nodes' instance profile: the SSM agent registers with Systems Manager
# (the control plane runs `consul leave`, `rc-service ...` through Run
# Command; the doctor checks PingStatus Online), and Consul/Nomad cloud
# auto-join finds the servers by tag.
data "aws_iam_policy_document" "node_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name_prefix        = "${var.cluster_name}-node-"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
}

resource "aws_iam_role_policy_attachment" "node_ssm" {
  role       = aws_iam_role.node.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

# retry_join = ["provider=aws tag_key=hashistack:role tag_value=server"]
data "aws_iam_policy_document" "auto_join" {
  statement {
    actions   = ["ec2:DescribeInstances", "ec2:DescribeTags", "autoscaling:DescribeAutoScalingGroups"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "node_auto_join" {
  name   = "cloud-auto-join"
  role   = aws_iam_role.node.id
  policy = data.aws_iam_policy_document.auto_join.json
}

resource "aws_iam_instance_profile" "node" {
  name_prefix = "${var.cluster_name}-node-"
  role        = aws_iam_role.node.name
}
