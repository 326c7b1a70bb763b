from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = "Finance (contracts and invoices)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers import facts
        from customers.health.measures import register_measure

        from . import measures, selectors
        from .renewals.due import due_window

        register_measure("financial", measures.financial, measures.FINANCIAL_DOC)
        facts.register_arr(selectors.customer_arr)
        facts.register_renewal_outcomes(selectors.renewal_outcomes)
        facts.register_next_renewal(selectors.next_renewal_date, due_window)
