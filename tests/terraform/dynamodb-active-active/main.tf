# Pattern: active-active on DynamoDB global tables behind Route 53 latency routing. Both
# regions serve; the table is replicated to us-west-2 (version 2019.11.21 global table).
# Predicted topology: routing geodns (latency records), ttl 60s, health checks 10 s x 3;
# service `web` with 4 instances in each region; datastore `carts` active-active over
# [us-east-1, us-west-2].
# Predicted analysis: losing either region is survived with no promotion step; the data lost
# is the replication lag.

module "east" {
  source  = "../modules/app"
  name    = "east"
  azs     = ["us-east-1a", "us-east-1b"]
  cidr    = "10.10.0.0/16"
  desired = 4
  min     = 4
  max     = 8
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
  max     = 8
}

resource "aws_dynamodb_table" "carts" {
  name             = "carts"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  attribute {
    name = "id"
    type = "S"
  }
  replica {
    region_name = "us-west-2"
  }
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

resource "aws_route53_health_check" "west" {
  fqdn              = module.west.lb_dns_name
  port              = 443
  type              = "HTTPS"
  resource_path     = "/health"
  request_interval  = 10
  failure_threshold = 3
}

resource "aws_route53_record" "east" {
  zone_id         = aws_route53_zone.main.zone_id
  name            = "www.shop.example.com"
  type            = "CNAME"
  ttl             = 60
  records         = [module.east.lb_dns_name]
  set_identifier  = "east"
  health_check_id = aws_route53_health_check.east.id
  latency_routing_policy {
    region = "us-east-1"
  }
}

resource "aws_route53_record" "west" {
  zone_id         = aws_route53_zone.main.zone_id
  name            = "www.shop.example.com"
  type            = "CNAME"
  ttl             = 60
  records         = [module.west.lb_dns_name]
  set_identifier  = "west"
  health_check_id = aws_route53_health_check.west.id
  latency_routing_policy {
    region = "us-west-2"
  }
}
