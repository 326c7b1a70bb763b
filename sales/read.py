"""Sales' public read API: what higher apps (marketing) read from `sales`. Typed and set-based:
customer primary keys in, `{pk: frozen dataclass}` out, in a fixed number of queries."""

__all__: list[str] = []
