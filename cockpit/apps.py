from django.apps import AppConfig


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = "Cockpit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The cockpit's admin screens replace or extend the domains' own (imported last, so
        # every domain admin is registered before the cockpit re-registers one).
        from . import admin  # noqa: F401
