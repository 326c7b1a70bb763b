"""Public identifiers for server-made records (`evt_...`, `camp_...`).

The first 12 hex digits are milliseconds since the epoch, so ids sort by creation time; the
rest is random, so they cannot be guessed. Database primary keys never leave the server.
"""

import re
import secrets
import time

# Slugs (feature ids, feedback categories): the one pattern the bulk validator, the write
# serializers (and so the published schema) and the models check. `^...$` keeps it valid
# in OpenAPI (ECMA regex); Python code matches it with `fullmatch`, so a trailing newline
# does not slip past `$`.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
SLUG_RE = re.compile(SLUG_PATTERN)
SLUG_MESSAGE = "A slug: lowercase letters, digits, _ and -, at most 64."


def new_public_id(prefix: str) -> str:
    millis = int(time.time() * 1000)
    return f"{prefix}_{millis:012x}{secrets.token_hex(6)}"
