"""Marketing's domain errors (integrations.domain_errors kinds, stable codes)."""

from integrations.domain_errors import NotFound  # noqa: F401
