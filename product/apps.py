from django.apps import AppConfig


class ProductConfig(AppConfig):
    name = "product"
    verbose_name = "Product (features and usage)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers import demo
        from customers.health.measures import register_measure

        from . import measures
        from .demo import seed_usage
        from .demo_feedback import seed_feedback

        register_measure(
            "product_usage", measures.product_usage, measures.PRODUCT_USAGE_DOC, from_usage=True
        )
        register_measure(
            "feature_adoption",
            measures.feature_adoption,
            measures.FEATURE_ADOPTION_DOC,
            from_usage=True,
        )
        demo.register_seed_step("product usage", seed_usage)
        # after health history (100): priorities use the seeded health and ARR
        demo.register_seed_step("customer feedback", seed_feedback, order=110)
