"""Test settings: SQLite unless DATABASE_URL is set (CI runs the suite on both)."""

from .base import *  # noqa: F403
from .base import DATABASES, REST_FRAMEWORK, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WEBHOOKS_ALLOW_PRIVATE = True
# Throttling is exercised by its own tests with a tight per-key rate.
CS_HUB_API_KEY_DEFAULT_RATE = env("CS_HUB_API_KEY_DEFAULT_RATE", default="100000/min")
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": ["integrations.api.renderers.JSONRenderer"],
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # A commit need not wait for its WAL to reach the disk: a server crash could lose the last
    # commits of a test database, which nothing keeps. What each connection sees is unchanged.
    DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Test-only workflow steps, visible to a real worker started by the durability tests.
# The demo company seeds the schema-response and admin tests (local and test settings only).
INSTALLED_APPS = [
    *INSTALLED_APPS,  # noqa: F405
    "demo.apps.DemoConfig",
    "tests.support.apps.TestSupportConfig",
]
# Every test sees the renewals tile counted live (its summary's own tests set a max age).
COCKPIT_RENEWALS_MAX_AGE_SECONDS = 0
# The suite sends many bad keys from one address; the lock-out tests set their own limits.
CS_HUB_AUTH_FAILURE_LIMIT = 1_000_000
# Two aliases, as a deployment with a read replica has (README "Read replica"): in tests the
# replica mirrors the test database (same rows, its own connection). The router stays off, as
# without DATABASE_REPLICA_URL; tests/integrations/test_replica_routing.py switches it on.
DATABASES = {**DATABASES, "replica": {**DATABASES["default"], "TEST": {"MIRROR": "default"}}}
DATABASE_ROUTERS = []
