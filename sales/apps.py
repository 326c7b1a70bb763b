from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "sales"
    verbose_name = "Sales (handoff and expansion)"
    default_auto_field = "django.db.models.BigAutoField"
