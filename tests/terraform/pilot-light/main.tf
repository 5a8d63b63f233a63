# Pattern: pilot light. us-east-1 serves; us-west-2 has the network, the load balancer, an
# empty Auto Scaling group (0 instances, up to 4) and a cross-region database replica.
# Predicted topology: routing failover-dns, primary us-east-1, failover_order [us-west-2];
# service `web` with 4 instances in us-east-1 and 0 in us-west-2 with scale_to 4 (2 per AZ);
# datastore `orders` active-passive from us-east-1 to us-west-2, failover manual.
# Predicted analysis: losing us-east-1 is survived only after us-west-2 scales up from zero:
# the region scenario is not down and its RTO includes the scale-up and the promotion.

module "east" {
  source  = "../modules/app"
  name    = "east"
  azs     = ["us-east-1a", "us-east-1b"]
  cidr    = "10.10.0.0/16"
  desired = 4
  min     = 4
  max     = 4
}

module "west" {
  source = "../modules/app"
  providers = {
    aws = aws.west
  }
  name    = "west"
  azs     = ["us-west-2a", "us-west-2b"]
  cidr    = "10.20.0.0/16"
  desired = 0
  min     = 0
  max     = 4
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

resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.r5.large"
  allocated_storage   = 100
  username            = "app"
  password            = "not-a-real-password-3"
  multi_az            = true
  skip_final_snapshot = true
}

resource "aws_db_instance" "orders_west" {
  provider            = aws.west
  identifier          = "orders-west"
  instance_class      = "db.r5.large"
  replicate_source_db = aws_db_instance.orders.arn
  multi_az            = false
  skip_final_snapshot = true
}
