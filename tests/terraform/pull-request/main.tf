# The pull-request test: one config planned twice, with base.tfvars (the main branch) and
# head.tfvars (a pull request that raises the TTL from 60 to 300 s, turns multi_az off and
# removes the us-west-2 replica). `drplan diff --terraform base.json --terraform head.json`
# must fail the gate and name the objective and the resource.

variable "ttl" { type = number }
variable "multi_az" { type = bool }
variable "west_replica" { type = bool }

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
  desired = 4
  min     = 4
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
  ttl             = var.ttl
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
  ttl            = var.ttl
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
  password            = "not-a-real-password-5"
  multi_az            = var.multi_az
  skip_final_snapshot = true
}

resource "aws_db_instance" "orders_west" {
  count               = var.west_replica ? 1 : 0
  provider            = aws.west
  identifier          = "orders-west"
  instance_class      = "db.r5.large"
  replicate_source_db = aws_db_instance.orders.arn
  multi_az            = false
  skip_final_snapshot = true
}
