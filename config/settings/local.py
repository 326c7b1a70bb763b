"""The embedded default for a developer machine: `make run`."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=True)
# The demo company (`seed_demo`, `demo_access`): local and test settings only.
INSTALLED_APPS = [*INSTALLED_APPS, "demo.apps.DemoConfig"]  # noqa: F405
