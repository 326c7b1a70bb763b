"""Cockpit admin screens; each module registers or extends its own (imported here)."""
