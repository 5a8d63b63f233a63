# Pattern: Aurora global database. A writer cluster (two instances) in us-east-1, a secondary
# cluster (one instance) in us-west-2, joined by an aws_rds_global_cluster; the application in
# both regions behind Route 53 failover.
# Predicted topology: datastore `orders` active-passive, primary us-east-1, replicas
# [us-west-2], standby_in_region true (two instances in the writer cluster), failover manual;
# routing failover-dns, primary us-east-1; service `web` in both regions (3 + 3).
# Predicted analysis: losing us-east-1 is survived after the global failover; losing one AZ
# of us-east-1 is survived without a region switch.

module "east" {
  source  = "../modules/app"
  name    = "east"
  azs     = ["us-east-1a", "us-east-1b", "us-east-1c"]
  cidr    = "10.10.0.0/16"
  desired = 3
  min     = 3
  max     = 6
}

module "west" {
  source = "../modules/app"
  providers = {
    aws = aws.west
  }
  name    = "west"
  azs     = ["us-west-2a", "us-west-2b", "us-west-2c"]
  cidr    = "10.20.0.0/16"
  desired = 3
  min     = 3
  max     = 6
}

resource "aws_rds_global_cluster" "orders" {
  global_cluster_identifier = "orders"
  engine                    = "aurora-postgresql"
  engine_version            = "12.4"
}

resource "aws_rds_cluster" "east" {
  cluster_identifier        = "orders-east"
  engine                    = aws_rds_global_cluster.orders.engine
  engine_version            = aws_rds_global_cluster.orders.engine_version
  global_cluster_identifier = aws_rds_global_cluster.orders.id
  master_username           = "app"
  master_password           = "not-a-real-password-4"
  skip_final_snapshot       = true
}

resource "aws_rds_cluster_instance" "east" {
  count              = 2
  identifier         = "orders-east-${count.index}"
  cluster_identifier = aws_rds_cluster.east.id
  engine             = aws_rds_global_cluster.orders.engine
  instance_class     = "db.r5.large"
}

resource "aws_rds_cluster" "west" {
  provider                  = aws.west
  cluster_identifier        = "orders-west"
  engine                    = aws_rds_global_cluster.orders.engine
  engine_version            = aws_rds_global_cluster.orders.engine_version
  global_cluster_identifier = aws_rds_global_cluster.orders.id
  skip_final_snapshot       = true
  depends_on                = [aws_rds_cluster_instance.east]
}

resource "aws_rds_cluster_instance" "west" {
  provider           = aws.west
  identifier         = "orders-west-0"
  cluster_identifier = aws_rds_cluster.west.id
  engine             = aws_rds_global_cluster.orders.engine
  instance_class     = "db.r5.large"
}

resource "aws_route53_zone" "main" {
  name = "shop.example.com"
}

resource "aws_route53_health_check" "east" {
  fqdn              = module.east.lb_dns_name
  port              = 443
  type              = "HTTPS"
  resource_path     = "/health"
  request_interval  = 10
  failure_threshold = 3
}

resource "aws_route53_record" "primary" {
  zone_id         = aws_route53_zone.main.zone_id
  name            = "www.shop.example.com"
  type            = "CNAME"
  ttl             = 60
  records         = [module.east.lb_dns_name]
  set_identifier  = "primary"
  health_check_id = aws_route53_health_check.east.id
  failover_routing_policy {
    type = "PRIMARY"
  }
}

resource "aws_route53_record" "secondary" {
  zone_id        = aws_route53_zone.main.zone_id
  name           = "www.shop.example.com"
  type           = "CNAME"
  ttl            = 60
  records        = [module.west.lb_dns_name]
  set_identifier = "secondary"
  failover_routing_policy {
    type = "SECONDARY"
  }
}
