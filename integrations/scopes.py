"""API key scopes: `<domain>:read` or `<domain>:write` (write implies nothing about read)."""

DOMAINS = ("customers", "marketing", "sales", "product", "finance", "operations", "webhooks")
ACTIONS = ("read", "write")
ALL_SCOPES = tuple(f"{d}:{a}" for d in DOMAINS for a in ACTIONS)


class InvalidScope(ValueError):
    pass


def parse_scopes(text: str) -> list[str]:
    """Parse `a:read,b:write` (or `*` for every scope); raise InvalidScope on unknown ones."""
    text = text.strip()
    if text == "*":
        return list(ALL_SCOPES)
    scopes = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise InvalidScope(
            f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(ALL_SCOPES)}."
        )
    if not scopes:
        raise InvalidScope("At least one scope is required.")
    return sorted(set(scopes), key=ALL_SCOPES.index)
