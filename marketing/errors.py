"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

from typing import Any

from integrations.domain_errors import Invalid, NotFound  # noqa: F401

# --- signals and segments (README "Marketing: health read-out, lifecycle and segments") ---


class UnknownSegment(Invalid):
    """A segment name the registry does not know; the body lists the known ones."""

    default_code = "unknown_segment"

    def __init__(self, unknown: list[str], known: tuple[str, ...]) -> None:
        self.unknown, self.known = unknown, known
        super().__init__(
            f"Unknown segment(s): {', '.join(unknown)}. Known segments: {', '.join(known)}.",
            attr="segments",
        )

    def extra(self) -> dict[str, Any]:
        return {"known_segments": list(self.known)}
