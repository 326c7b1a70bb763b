"""API key scopes: `<domain>:read` or `<domain>:write` (write implies nothing about read)."""

from collections.abc import Iterable

DOMAINS = ("customers", "marketing", "sales", "product", "finance", "operations", "webhooks")
ACTIONS = ("read", "write")
ALL_SCOPES = tuple(f"{d}:{a}" for d in DOMAINS for a in ACTIONS)


class InvalidScope(ValueError):
    pass


def validate_scopes(scopes: Iterable[str]) -> list[str]:
    """Known scopes only, at least one; returned de-duplicated in ALL_SCOPES order."""
    wanted = list(scopes)
    unknown = sorted({str(s) for s in wanted} - set(ALL_SCOPES))
    if unknown:
        raise InvalidScope(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(ALL_SCOPES)}."
        )
    if not wanted:
        raise InvalidScope("At least one scope is required.")
    return sorted(set(wanted), key=ALL_SCOPES.index)


def parse_scopes(text: str) -> list[str]:
    """Parse `a:read,b:write` (or `*` for every scope); raise InvalidScope on unknown ones."""
    text = text.strip()
    if text == "*":
        return list(ALL_SCOPES)
    return validate_scopes(part.strip() for part in text.split(",") if part.strip())
