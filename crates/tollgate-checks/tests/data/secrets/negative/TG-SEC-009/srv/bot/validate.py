def kind(token):
    if token.startswith(("xoxb-", "xoxp-")):
        return token[:4]
    raise ValueError("not a Slack token")
