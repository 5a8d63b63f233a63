# Pattern: warm standby. us-east-1 serves; us-west-2 runs a smaller copy that scales up;
# Route 53 failover with a health check (30 s x 3) and a 60 s TTL; RDS Multi-AZ in us-east-1
# with a cross-region read replica in us-west-2.
# Predicted topology: routing failover-dns, primary us-east-1, failover_order [us-west-2],
# ttl 60s, health_check 30s x 3; service `web` with 4 instances in us-east-1 and 2 in
# us-west-2 that scale to 4; datastore `orders` active-passive from us-east-1 to us-west-2,
# failover manual (an operator promotes an RDS replica).
# Backups: nightly AWS Backup copied to us-west-2 (see the end of the file).
# Predicted analysis: losing us-east-1 is survived (us-west-2 serves after the manual
# promotion, so the RTO is above an hour); an AZ loss is survived.

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
  desired = 2
  min     = 2
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
  request_interval  = 30
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
  identifier              = "orders"
  engine                  = "postgres"
  instance_class          = "db.r5.large"
  allocated_storage       = 100
  username                = "app"
  password                = "not-a-real-password-2"
  multi_az                = true
  backup_retention_period = 7
  skip_final_snapshot     = true
}

resource "aws_db_instance" "orders_west" {
  provider            = aws.west
  identifier          = "orders-west"
  instance_class      = "db.r5.large"
  replicate_source_db = aws_db_instance.orders.arn
  multi_az            = false
  skip_final_snapshot = true
}

# Nightly AWS Backup of the database, copied to a vault in us-west-2.
# Predicted: datastore `orders` gets backups every 24h, kept in us-west-2 (the copy).
resource "aws_backup_vault" "east" {
  name = "orders-east"
}

resource "aws_backup_vault" "west" {
  provider = aws.west
  name     = "orders-west"
}

resource "aws_iam_role" "backup" {
  name               = "backup"
  assume_role_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"backup.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
}

resource "aws_backup_plan" "nightly" {
  name = "orders-nightly"
  rule {
    rule_name         = "nightly"
    target_vault_name = aws_backup_vault.east.name
    schedule          = "cron(0 5 * * ? *)"
    lifecycle {
      delete_after = 35
    }
    copy_action {
      destination_vault_arn = aws_backup_vault.west.arn
    }
  }
}

resource "aws_backup_selection" "orders" {
  name         = "orders"
  plan_id      = aws_backup_plan.nightly.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [aws_db_instance.orders.arn]
}
