from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = "Customers (CS core)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import demo
        from .health.demo import seed_health_history

        demo.register_seed_step("health history", seed_health_history, order=100)
