"""Cockpit admin screens; each module registers or extends its own (imported here)."""

from . import customers, team  # noqa: F401
