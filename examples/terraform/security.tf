# The nodes accept the cluster's own traffic and, from the control plane's
# Lambdas, the three HTTPS APIs (TLS verified against the CA bundle in
# layers/cluster-ca/cluster-ca.pem).
resource "aws_security_group" "node" {
  name_prefix = "${var.cluster_name}-node-"
  vpc_id      = var.vpc_id

  ingress {
    description = "cluster traffic (gossip, RPC, raft, APIs)"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    self        = true
  }

  egress {
    description = "SSM, EC2 and package endpoints; peers"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_security_group_rule" "control_plane_api" {
  for_each = {
    nomad  = 4646
    consul = 8501
    vault  = 8200
  }
  description              = "${each.key} API from the control plane's Lambdas"
  type                     = "ingress"
  security_group_id        = aws_security_group.node.id
  source_security_group_id = var.control_plane_security_group_id
  from_port                = each.value
  to_port                  = each.value
  protocol                 = "tcp"
}
