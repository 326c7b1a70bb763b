from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from . import idarray
        from .history import name_api_client

        pre_create_historical_record.connect(name_api_client, dispatch_uid="history_api_client")
        idarray.register()
