ttl          = 60
multi_az     = true
west_replica = true
