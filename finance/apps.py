from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = "Finance (contracts and invoices)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers import demo, facts
        from customers.health.measures import register_measure

        from . import measures, selectors
        from .demo import seed_finance

        register_measure("financial", measures.financial, measures.FINANCIAL_DOC)
        demo.register_seed_step("finance history", seed_finance)
        facts.register_arr(selectors.customer_arr)
        facts.register_renewal_outcomes(selectors.renewal_outcomes)
