"""Sales admin screens (saves call the services)."""
