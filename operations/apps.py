from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations (tickets, surveys, tasks, workflows)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from customers.health.measures import register_measure

        from . import measures

        register_measure("support", measures.support, measures.SUPPORT_DOC)
        register_measure("sentiment", measures.sentiment, measures.SENTIMENT_DOC)
        register_measure("engagement", measures.engagement, measures.ENGAGEMENT_DOC)

        from integrations.events import register_handler

        from . import handlers
        from .workflows.engine import STEP_READY, on_step_ready
        from .workflows.steps import register_builtin_steps

        register_builtin_steps()
        register_handler(STEP_READY, on_step_ready)
        register_handler("feedback.delivered", handlers.feedback_delivered_task)
        register_handler("*", handlers.run_automation_rules)
