# One region's application tier: a VPC with a public subnet per AZ, an application load
# balancer, and an Auto Scaling group spread over the subnets.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws" }
  }
}

variable "name" { type = string }
variable "azs" { type = list(string) }
variable "cidr" { type = string }
variable "desired" { type = number }
variable "min" { type = number }
variable "max" { type = number }

resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

resource "aws_subnet" "public" {
  count             = length(var.azs)
  vpc_id            = aws_vpc.this.id
  availability_zone = var.azs[count.index]
  cidr_block        = cidrsubnet(var.cidr, 8, count.index)
}

resource "aws_lb" "this" {
  name               = "web-${var.name}"
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
}

resource "aws_lb_target_group" "this" {
  name     = "web-${var.name}"
  port     = 443
  protocol = "HTTPS"
  vpc_id   = aws_vpc.this.id
}

resource "aws_launch_template" "this" {
  name_prefix   = "web-${var.name}"
  image_id      = "ami-12345678"
  instance_type = "t3.medium"
}

resource "aws_autoscaling_group" "web" {
  name                = "web-${var.name}"
  min_size            = var.min
  max_size            = var.max
  desired_capacity    = var.desired
  vpc_zone_identifier = aws_subnet.public[*].id
  target_group_arns   = [aws_lb_target_group.this.arn]
  launch_template {
    id      = aws_launch_template.this.id
    version = "$Latest"
  }
}

output "lb_dns_name" { value = aws_lb.this.dns_name }
output "lb_arn" { value = aws_lb.this.arn }
