"""Sales: the sales-to-CS handoff and expansion readiness (README, "Sales")."""

from django.db import models  # noqa: F401 - the models land with the handoff and expansion work
