# Pattern: Global Accelerator in front of two regions (us-east-1 and eu-west-1), anycast with
# health checks of 10 s x 3 and no DNS TTL, over a DynamoDB global table.
# Predicted topology: routing anycast with health_check 10s x 3; service `web` with 4
# instances in each region; datastore `profiles` active-active over [us-east-1, eu-west-1].
# Predicted analysis: losing either region is survived with no DNS exposure.

module "us" {
  source  = "../modules/app"
  name    = "us"
  azs     = ["us-east-1a", "us-east-1b"]
  cidr    = "10.10.0.0/16"
  desired = 4
  min     = 4
  max     = 8
}

module "eu" {
  source = "../modules/app"
  providers = {
    aws = aws.eu
  }
  name    = "eu"
  azs     = ["eu-west-1a", "eu-west-1b"]
  cidr    = "10.30.0.0/16"
  desired = 4
  min     = 4
  max     = 8
}

resource "aws_dynamodb_table" "profiles" {
  name             = "profiles"
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "id"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
  attribute {
    name = "id"
    type = "S"
  }
  replica {
    region_name = "eu-west-1"
  }
}

resource "aws_globalaccelerator_accelerator" "web" {
  name            = "web"
  ip_address_type = "IPV4"
  enabled         = true
}

resource "aws_globalaccelerator_listener" "https" {
  accelerator_arn = aws_globalaccelerator_accelerator.web.id
  protocol        = "TCP"
  port_range {
    from_port = 443
    to_port   = 443
  }
}

resource "aws_globalaccelerator_endpoint_group" "us" {
  listener_arn                  = aws_globalaccelerator_listener.https.id
  endpoint_group_region         = "us-east-1"
  health_check_interval_seconds = 10
  threshold_count               = 3
  endpoint_configuration {
    endpoint_id = module.us.lb_arn
    weight      = 100
  }
}

resource "aws_globalaccelerator_endpoint_group" "eu" {
  listener_arn                  = aws_globalaccelerator_listener.https.id
  endpoint_group_region         = "eu-west-1"
  health_check_interval_seconds = 10
  threshold_count               = 3
  endpoint_configuration {
    endpoint_id = module.eu.lb_arn
    weight      = 100
  }
}
