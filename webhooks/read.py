"""Webhooks' public read API: nothing is read from `webhooks` by other apps (only `demo`,
above it, may). Kept for the one layout every domain app follows."""

__all__: list[str] = []
