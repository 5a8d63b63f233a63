# Pattern: multi-AZ only. One region, three AZs, no second region.
# Predicted topology: region us-east-1 with AZs us-east-1a/b/c; service `web` (the entry)
# with 2 instances in each AZ; datastore `orders` replication multi-az in us-east-1; routing
# geodns (one region, nothing to steer).
# Predicted analysis: every AZ loss is survived; losing us-east-1 takes the service down.

module "app" {
  source  = "../modules/app"
  name    = "east"
  azs     = ["us-east-1a", "us-east-1b", "us-east-1c"]
  cidr    = "10.10.0.0/16"
  desired = 6
  min     = 6
  max     = 6
}

resource "aws_db_instance" "orders" {
  identifier          = "orders"
  engine              = "postgres"
  instance_class      = "db.r5.large"
  allocated_storage   = 100
  username            = "app"
  password            = "not-a-real-password-1"
  multi_az            = true
  skip_final_snapshot = true
}
