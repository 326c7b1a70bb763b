from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo company (`seed_demo`, `demo_access`). Installed by the local and test settings
    only: production never loads it, and no domain app imports it."""

    name = "demo"
    verbose_name = "Demo data"
