from django.apps import AppConfig


class ProductConfig(AppConfig):
    name = "product"
    verbose_name = "Product (features and usage)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers.health.measures import register_measure

        from . import measures

        register_measure(
            "product_usage", measures.product_usage, measures.PRODUCT_USAGE_DOC, from_usage=True
        )
        register_measure(
            "feature_adoption",
            measures.feature_adoption,
            measures.FEATURE_ADOPTION_DOC,
            from_usage=True,
        )
