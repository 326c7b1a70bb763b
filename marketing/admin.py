"""Marketing admin: each concept package registers its own screens (imported here)."""

from .campaigns import admin as campaigns_admin  # noqa: F401
from .journey import admin as journey_admin  # noqa: F401
