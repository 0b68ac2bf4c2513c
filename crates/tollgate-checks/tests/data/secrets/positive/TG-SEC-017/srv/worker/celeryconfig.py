broker_url = "redis://:a9HJB9tTy6cs@cache.internal:6379/0"
result_backend = "rpc://"
