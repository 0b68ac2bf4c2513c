def dsn(scheme, user, password, host):
    return f"{scheme}://{user}:{password}@{host}"


LEGACY = "%s://%s:%s@%s"
PROXY = "http://proxy.internal:3128"
REPO = "git@github.com:acme/orders.git"
