"""Find PEM blocks in a text."""

RSA_HEADER = "-----BEGIN RSA PRIVATE KEY-----"
PKCS8_HEADER = "-----BEGIN PRIVATE KEY-----"
FOOTERS = ("-----END RSA PRIVATE KEY-----", "-----END PRIVATE KEY-----")


def is_private(line):
    return line.strip() in (RSA_HEADER, PKCS8_HEADER)


def blocks(text):
    start = None
    for number, line in enumerate(text.splitlines()):
        if is_private(line):
            start = number
        elif line.strip() in FOOTERS and start is not None:
            yield start, number
            start = None
