# Copied into every pattern by scripts/terraform-plans.sh: the AWS provider 3.39.0 with fake
# credentials and every check that would call AWS turned off, so that `terraform plan` runs
# offline (creates only, no data sources).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "3.39.0"
    }
  }
}

locals {
  fake_access_key = "AKIAFAKEFAKEFAKEFAKE"
  fake_secret_key = "fakefakefakefakefakefakefakefakefakefake"
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = local.fake_access_key
  secret_key                  = local.fake_secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true
}

provider "aws" {
  alias                       = "west"
  region                      = "us-west-2"
  access_key                  = local.fake_access_key
  secret_key                  = local.fake_secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true
}

provider "aws" {
  alias                       = "eu"
  region                      = "eu-west-1"
  access_key                  = local.fake_access_key
  secret_key                  = local.fake_secret_key
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_get_ec2_platforms      = true
}
