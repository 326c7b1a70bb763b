from django.apps import AppConfig


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = "Marketing (health read-out, campaigns, journeys)"
    default_auto_field = "django.db.models.BigAutoField"
