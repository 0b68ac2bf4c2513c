import json

def load(path):
    with open(path) as handle:
        info = json.load(handle)
    if info.get("type") != "service_account":
        raise ValueError("not a service account key")
    return info["client_email"], info["private_key"]
