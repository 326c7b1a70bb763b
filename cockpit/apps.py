from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = "Cockpit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The cockpit's admin screens replace or extend the domains' own (imported last, so
        # every domain admin is registered before the cockpit re-registers one).
        from . import admin  # noqa: F401


class CockpitAdminConfig(AdminConfig):
    """django.contrib.admin with the cockpit's site (the dashboard index) as `admin.site`."""

    default_site = "cockpit.site.CockpitAdminSite"
