from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Webhooks (signed deliveries of domain events)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The relay hands every event to the fan-out (integrations never imports webhooks).
        from integrations import events

        from .services import fanout

        events.register_prefetch(fanout.prefetch_matches)
        events.register_handler("*", fanout.fan_out)
