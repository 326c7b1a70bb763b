"""Public identifiers for server-made records (`evt_...`, `camp_...`).

The first 12 hex digits are milliseconds since the epoch, so ids sort by creation time; the
rest is random, so they cannot be guessed. Database primary keys never leave the server.
"""

import secrets
import time


def new_public_id(prefix: str) -> str:
    millis = int(time.time() * 1000)
    return f"{prefix}_{millis:012x}{secrets.token_hex(6)}"
