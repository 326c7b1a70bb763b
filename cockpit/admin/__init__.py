"""Cockpit admin screens; each module registers or extends its own (imported here)."""

from . import customers, own_work, team  # noqa: F401
