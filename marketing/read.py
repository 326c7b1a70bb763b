"""Marketing's public read API: what the cockpit and the webhooks catalogue read from
`marketing`. Typed and set-based: customer primary keys in, `{pk: frozen dataclass}` out."""

__all__: list[str] = []
