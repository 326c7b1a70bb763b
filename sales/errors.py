"""Sales' domain errors (integrations.domain_errors kinds, stable codes)."""
