import os

URL = "https://hooks.slack.com/services/" + os.environ["SLACK_PATH"]
FALLBACK = "https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}"
