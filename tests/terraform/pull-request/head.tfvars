ttl          = 300
multi_az     = false
west_replica = false
