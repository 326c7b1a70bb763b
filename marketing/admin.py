"""Marketing admin: each concept package registers its own screens (imported here)."""

from .journey import admin as journey_admin  # noqa: F401
