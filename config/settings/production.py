"""Production: every secret from the environment, secure transport, fail fast when unset."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CS_HUB_TRUSTED_PROXY, MIDDLEWARE, env

SECRET_KEY = env("DJANGO_SECRET_KEY")  # no default: a missing key stops the process
DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if any("*" in host for host in ALLOWED_HOSTS):
    # A wildcard lets any Host header through: password-reset links and absolute URLs could
    # point at an attacker's host. Name the hosts.
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS may not contain '*' in production.")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The app serves its own collected static files (admin, Swagger UI, ReDoc): compressed,
# with content-hashed names cached for a year. `manage.py collectstatic` fills STATIC_ROOT.
_after = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE = [
    *MIDDLEWARE[:_after],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[_after:],
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Only a proxy we run may say the request came over HTTPS (X-Forwarded-Proto); trusting the
# header without one lets any client claim it.
if CS_HUB_TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Probes come over plain HTTP from the orchestrator.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
