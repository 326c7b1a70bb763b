"""Marketing admin: each concept package registers its own screens (imported here)."""
