"""Settings shared by every environment. Values come from the environment (django-environ).

Embedded default: with no DATABASE_URL the app uses SQLite, with no REDIS_URL an in-process
cache, and with no CELERY_BROKER_URL Celery runs tasks eagerly in-process.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from config.brokers import broker_options
from product.lookback import (
    LONGEST_LOOKBACK_DAYS,
    MAX_MONTHS_AHEAD,
    MAX_RETENTION_MONTHS,
    MIN_MONTHS_AHEAD,
    MIN_RETENTION_MONTHS,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()


def _env_int_in(name: str, default: int, low: int, high: int, why: str = "") -> int:
    """An integer setting from the environment, refused at load (not at first use) when it is
    not a whole number in low..high."""
    raw = env.str(name, default=str(default))
    text = raw.strip()
    value = int(text) if re.fullmatch(r"-?[0-9]{1,6}", text) else None
    if value is None or not low <= value <= high:
        reason = f" ({why})" if why else ""
        raise ImproperlyConfigured(
            f"{name}={raw!r}: must be a whole number from {low} to {high}{reason}."
        )
    return value


SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "testserver"])

INSTALLED_APPS = [
    # django.contrib.admin with the CS Hub site (header, dashboard index) as admin.site.
    "cockpit.apps.CockpitAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "simple_history",
    "integrations.apps.IntegrationsConfig",
    "customers.apps.CustomersConfig",
    "product.apps.ProductConfig",
    "operations.apps.OperationsConfig",
    "finance.apps.FinanceConfig",
    "sales.apps.SalesConfig",
    "marketing.apps.MarketingConfig",
    "webhooks.apps.WebhooksConfig",
    "cockpit.apps.CockpitConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "integrations.middleware.HostileInputMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Exposes the request to history rows: who (user or API client) made a change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a locked-out admin login into the lock-out page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
# The spec's paths have no trailing slash; both forms are routed explicitly, never redirected
# (a redirect would turn a POST into a GET in many HTTP clients).
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# integrations.prepared: the single-customer read-outs' statements bound and prepared on the
# server (PostgreSQL plans each once per connection). Off for a pooler that cannot keep a
# session's prepared statements (PgBouncer in transaction mode before max_prepared_statements).
CS_HUB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)


# work_mem for the whole-population jobs' statements (integrations.job_memory); "" keeps the
# server's own.
def _env_memory(name: str, default: str) -> str:
    """A PostgreSQL memory size (64MB; kB, MB or GB) from the environment, or "" (none),
    refused at load rather than by the server at the first job."""
    raw = env.str(name, default=default)
    value = raw.strip()
    if value and not re.fullmatch(r"[1-9][0-9]{0,6}(kB|MB|GB)", value):
        raise ImproperlyConfigured(f"{name}={raw!r}: must be a size such as 64MB, or empty.")
    return value


CS_HUB_JOB_WORK_MEM = _env_memory("DB_JOB_WORK_MEM", "64MB")


def _database(url: str) -> dict[str, Any]:
    """One alias's settings: the primary and the read replica get the same engine options."""
    db: dict[str, Any] = env.db_url_config(url)
    db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    db["CONN_HEALTH_CHECKS"] = True
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the dev server read while a seed or a worker writes.
        db["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
        db["CONN_MAX_AGE"] = 0
    elif "postgresql" in db["ENGINE"]:
        # JIT compiles plans above a cost threshold that our analytics queries cross; on these
        # 10-150 ms queries compiling cost ~30 ms and gained nothing (see bench/REPORT.md).
        db.setdefault("OPTIONS", {})["options"] = env("DB_PG_OPTIONS", default="-c jit=off")
        if CS_HUB_PREPARED_STATEMENTS:
            # psycopg prepares a statement only when asked (integrations.prepared asks), never
            # by count: Django's default (None) would refuse even when asked.
            db["OPTIONS"]["prepare_threshold"] = 2**31 - 1
    return db


DATABASES = {
    "default": _database(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")),
}
# A streaming replica of the primary (README "Read replica"): unset, every query goes to the
# primary as before; set, the read-only scopes read from it (integrations.replica).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    DATABASE_ROUTERS = ["integrations.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    # The cache holds only throttle counters: with Redis down the API keeps serving
    # (throttling fails open, logged) instead of answering 500.
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Behind a reverse proxy that sets X-Forwarded-For/-Proto (and strips what clients send), the
# client address is the last X-Forwarded-For entry; otherwise the header is ignored, so a client
# cannot pick the address its failed logins are counted against.
CS_HUB_TRUSTED_PROXY = env.bool("DJANGO_TRUSTED_PROXY", default=False)

# Failed API-key authentications per client address: after LIMIT failures within WINDOW the
# address gets 429 (Retry-After) for every API-key request until the window ends.
CS_HUB_AUTH_FAILURE_LIMIT = env.int("CS_HUB_AUTH_FAILURE_LIMIT", default=20)
CS_HUB_AUTH_FAILURE_WINDOW_SECONDS = env.int("CS_HUB_AUTH_FAILURE_WINDOW_SECONDS", default=300)

# Failed admin logins per client address (django-axes): LIMIT failures lock the address out
# for the cool-off; each further try during the lock-out starts the cool-off again.
AUTHENTICATION_BACKENDS = [
    "integrations.auth.LoginLockoutBackend",  # first: refuses a locked-out address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("CS_HUB_ADMIN_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CS_HUB_ADMIN_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "integrations.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "integrations.auth.admin_lockout_response"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")

# One policy for every page: the admin, the API and the docs load scripts only from here
# (inline ones need the per-response nonce), styles from here or inline (Swagger UI and
# ReDoc style elements inline), images from here or data: URIs (their icons). ReDoc's search
# worker (blob:) is allowed on /api/redoc/ alone (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Under gunicorn each read of a request body waits at most this long for the client's next
# bytes (config/wsgi.py); a client that stops sending gets 408 instead of holding a thread.
CS_HUB_BODY_READ_TIMEOUT_SECONDS = env.float("CS_HUB_BODY_READ_TIMEOUT_SECONDS", default=10.0)
# Bulk bodies of 10,000 items fit comfortably; anything larger is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("CS_HUB_MAX_BODY_BYTES", default=8 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

CS_HUB_CURRENCY = env("CS_HUB_CURRENCY", default="USD")
# The nightly move of customers to their determined lifecycle stage (marketing).
CS_HUB_AUTO_LIFECYCLE = env.bool("CS_HUB_AUTO_LIFECYCLE", default=True)
# How old the dashboard's renewals tile may be (finance's renewal-risk summary, refreshed by
# beat every 5 minutes); 0 counts it live on every view.
COCKPIT_RENEWALS_MAX_AGE_SECONDS = env.int("COCKPIT_RENEWALS_MAX_AGE_SECONDS", default=300)
CS_HUB_BULK_MAX_ITEMS = 10_000
CS_HUB_IDEMPOTENCY_TTL = timedelta(hours=24)
# An in-flight idempotent request older than this is presumed dead and may be retried.
CS_HUB_IDEMPOTENCY_LOCK_TIMEOUT = timedelta(minutes=5)
CS_HUB_API_KEY_DEFAULT_RATE = env("CS_HUB_API_KEY_DEFAULT_RATE", default="6000/min")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "integrations.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.auth.HasDomainScope"],
    "DEFAULT_THROTTLE_CLASSES": ["integrations.throttling.ApiKeyRateThrottle"],
    "DEFAULT_PARSER_CLASSES": ["integrations.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "integrations.api.renderers.JSONRenderer",
        "integrations.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "integrations.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "integrations.openapi.AutoSchema",
    # OPTIONS points at the schema instead of guessing request bodies (integrations.api.metadata).
    "DEFAULT_METADATA_CLASS": "integrations.api.metadata.SchemaMetadata",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "PAGE_SIZE": 100,
    # No `?format=`: it is not a documented parameter (the schema would list it on every
    # operation) and is refused like any other; a browser gets HTML through its Accept header.
    "URL_FORMAT_OVERRIDE": None,
}

DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "integrations.formatting.ErrorHandler",
    "EXCEPTION_FORMATTER_CLASS": "integrations.formatting.ErrorFormatter",
    "ALLOWED_ERROR_STATUS_CODES": [
        "400",
        "401",
        "403",
        "404",
        "405",
        "406",
        "408",
        "409",
        "413",
        "415",
        "422",
        "429",
        "500",
    ],
    "ERROR_SCHEMAS": {
        "400": "integrations.openapi_errors.ErrorResponse400Serializer",
        "404": "integrations.openapi_errors.ErrorResponse404Serializer",
        "409": "integrations.openapi_errors.ErrorResponse409Serializer",
        "408": "integrations.openapi_errors.ErrorResponse408Serializer",
        "413": "integrations.openapi_errors.ErrorResponse413Serializer",
        "422": "integrations.openapi_errors.ErrorResponse422Serializer",
        "429": "integrations.openapi_errors.ErrorResponse429Serializer",
    },
}

_ENUMS = "drf_standardized_errors.openapi_serializers"
SPECTACULAR_SETTINGS = {
    "TITLE": "CS Hub API",
    "DESCRIPTION": (
        "The Customer Success platform's integration API. Systems authenticate with "
        "`Authorization: Api-Key <prefix.secret>`; each key carries `<domain>:read|write` "
        "scopes. Every POST accepts an `Idempotency-Key` header. Errors share one shape: "
        "`{type, errors: [{code, detail, attr}]}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc assets are served by us, not a CDN: docs work offline and behind
    # strict content-security policies.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No "validator" badge: it would send the schema URL to an outside service.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": f"{_ENUMS}.ValidationErrorEnum.choices",
        "ClientErrorEnum": f"{_ENUMS}.ClientErrorEnum.choices",
        "ServerErrorEnum": f"{_ENUMS}.ServerErrorEnum.choices",
        "ErrorCode401Enum": f"{_ENUMS}.ErrorCode401Enum.choices",
        "ErrorCode403Enum": f"{_ENUMS}.ErrorCode403Enum.choices",
        "ErrorCode404Enum": f"{_ENUMS}.ErrorCode404Enum.choices",
        "ErrorCode405Enum": f"{_ENUMS}.ErrorCode405Enum.choices",
        "ErrorCode406Enum": f"{_ENUMS}.ErrorCode406Enum.choices",
        "ErrorCode415Enum": f"{_ENUMS}.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "integrations.openapi_errors.ThrottledCode.choices",
        "ErrorCode500Enum": f"{_ENUMS}.ErrorCode500Enum.choices",
        "FeedbackStatusEnum": "product.choices.FeedbackStatus.choices",
        "RunStatusEnum": "operations.choices.RunStatus.choices",
        "StepStatusEnum": "operations.choices.StepStatus.choices",
        "AlertStatusEnum": "operations.choices.AlertStatus.choices",
        "EscalationStatusEnum": "operations.choices.EscalationStatus.choices",
        "FeedbackPriorityEnum": "product.choices.FeedbackPriority.choices",
        "CustomerStatusEnum": "customers.choices.CustomerStatus.choices",
        "LifecycleStageEnum": "customers.choices.LifecycleStage.choices",
        "HealthTrendBasisEnum": ["change_30d", "slope"],
        "MilestoneStatusEnum": "customers.choices.MilestoneStatus.choices",
        "SuccessPlanStatusEnum": "customers.choices.SuccessPlanStatus.choices",
        "ContractStatusEnum": "finance.choices.ContractStatus.choices",
        "TicketStatusEnum": "operations.choices.TicketStatus.choices",
        "TicketPriorityEnum": "operations.choices.TicketPriority.choices",
        "SurveyKindEnum": "operations.choices.SurveyKind.choices",
        "TaskKindEnum": "operations.choices.TaskKind.choices",
        "OpportunityStatusEnum": "finance.choices.OpportunityStatus.choices",
        "OpportunityTypeEnum": "finance.choices.OpportunityType.choices",
        "RenewalModelKindEnum": "finance.choices.RenewalModelKind.choices",
        "DeliveryStatusEnum": "webhooks.choices.DeliveryStatus.choices",
        "DisabledReasonEnum": "webhooks.choices.DisabledReason.choices",
        # any/all: a campaign audience's and a workflow's conditions' match (same values).
        "AnyAllMatchEnum": "marketing.choices.AudienceMatch.choices",
        "CampaignStatusEnum": "marketing.choices.CampaignStatus.choices",
        "SourceEnum": "finance.choices.OpportunitySource.choices",
        "JourneySourceEnum": "marketing.choices.JourneySource.choices",
    },
    "PREPROCESSING_HOOKS": ["integrations.openapi.hide_slash_twins"],
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "ApiKeyAuth": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Api-Key <prefix.secret>`",
            }
        }
    },
}

# Webhooks (README "Webhooks"): the per-attempt HTTP timeout, and the base of the links a
# too-large payload carries instead of its data.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=15.0)
# At most this many attempts of one endpoint in flight at once: a slow or dead receiver holds
# at most that many worker slots of the `webhooks` queue (webhooks/services/claims.py).
WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = env.int("WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT", default=2)
# ...and at most this many of one API client's endpoints together: one key's hanging receivers
# cannot take the whole pool (run the `webhooks` pool with more slots than this).
WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT = env.int("WEBHOOKS_MAX_IN_FLIGHT_PER_CLIENT", default=4)
CS_HUB_PUBLIC_URL = env("CS_HUB_PUBLIC_URL", default="http://localhost:8000")

# Usage partitions on PostgreSQL (README "Usage partitions"): months created ahead of today's,
# and whole months kept. A month is dropped once every day of it is older than
# USAGE_RETENTION_MONTHS months, and ingestion refuses such days on every database. Checked here,
# when the settings load: retention below the longest look-back (retention correlation: 365 + 90
# + 365 days before `as_of`, 28 whole months) would drop rows a read needs; a bad value would
# otherwise surface only in the nightly maintenance.
USAGE_PARTITION_MONTHS_AHEAD = _env_int_in(
    "USAGE_PARTITION_MONTHS_AHEAD", 3, MIN_MONTHS_AHEAD, MAX_MONTHS_AHEAD
)
USAGE_RETENTION_MONTHS = _env_int_in(
    "USAGE_RETENTION_MONTHS",
    36,
    MIN_RETENTION_MONTHS,
    MAX_RETENTION_MONTHS,
    why=f"at least the {LONGEST_LOOKBACK_DAYS} days the adoption analytics read back",
)

# Celery (DESIGN.md section 4). Broker-specific options: config/brokers.py.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Durable queues (kombu's default) and messages written to disk: a RabbitMQ restart keeps what
# it had queued (Redis keeps them as its own persistence settings allow).
CELERY_TASK_DEFAULT_DELIVERY_MODE = "persistent"
_BROKER = broker_options(CELERY_BROKER_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = _BROKER.transport_options
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = _BROKER.cancel_on_connection_loss
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# One queue per kind of work (README "Celery queues and brokers"), so a deployment gives each
# its own pool: webhook sends that wait on receivers, the nightly analytics that hold a process
# for half an hour, and the relay and workflow steps that should start within seconds never
# wait for one another. Every task is routed by name (tests/test_task_queues.py fails on a task
# without a route); the default queue only catches one that slipped through. A worker started
# without -Q consumes every queue listed here, so one worker still does everything
# (embedded/dev, CI, small installs).
CS_HUB_TASKS_BY_QUEUE: dict[str, list[str]] = {
    # The ingest path's own upkeep; the ingest endpoints write in the request.
    "ingest": [
        "integrations.purge_idempotency_keys",
        "product.prune_usage_changes",
        "product.maintain_usage_partitions",
    ],
    # The outbox relay: every event's handlers and webhook fan-out start here.
    "events": ["integrations.relay_events"],
    "workflows": [
        "operations.run_workflow_step",
        "operations.sweep_workflow_steps",
        "marketing.send_due_touchpoints",
    ],
    # I/O bound: most of a send is waiting on the receiver.
    "webhooks": ["webhooks.deliver", "webhooks.dispatch_due"],
    # CPU and database bound passes over every customer, minutes to an hour each.
    "analytics": [
        "customers.recompute_health",
        "customers.rescore_everyone",
        "sales.score_expansion",
        "finance.fit_renewal_model",
        "finance.refresh_renewal_risk_summary",
        "marketing.finalize_campaigns",
        "marketing.apply_lifecycle_stages",
    ],
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES: dict[str, dict[str, str]] = {
    name: {} for name in [CELERY_TASK_DEFAULT_QUEUE, *CS_HUB_TASKS_BY_QUEUE]
}
CELERY_TASK_ROUTES = {
    task: {"queue": queue} for queue, tasks in CS_HUB_TASKS_BY_QUEUE.items() for task in tasks
}
CELERY_BEAT_SCHEDULE = {
    "relay-events": {"task": "integrations.relay_events", "schedule": 5.0},
    "recompute-health-nightly": {
        "task": "customers.recompute_health",
        "schedule": crontab(hour=2, minute=0),
    },
    # Pending workflow steps whose lease or backoff ran out (lost messages, retries).
    "sweep-workflow-steps": {"task": "operations.sweep_workflow_steps", "schedule": 10.0},
    # Due webhook deliveries (retries are next_attempt_at rows, never Celery ETAs).
    "dispatch-webhooks": {"task": "webhooks.dispatch_due", "schedule": 5.0},
    "purge-idempotency-keys": {
        "task": "integrations.purge_idempotency_keys",
        "schedule": crontab(minute=17),
    },
    # Usage changes too old to touch any window a read can ask for (product.tasks).
    "prune-usage-changes": {
        "task": "product.prune_usage_changes",
        "schedule": crontab(hour=4, minute=40),
    },
    # Usage's monthly partitions on PostgreSQL: the months ahead, DEFAULT's rows into their
    # month, the months past retention dropped (README "Usage partitions"; SQLite: a no-op).
    "maintain-usage-partitions": {
        "task": "product.maintain_usage_partitions",
        "schedule": crontab(hour=4, minute=50),
    },
    # A renewal-model version on the renewals resolved so far (README "Finance: renewal model").
    "fit-renewal-model-monthly": {
        "task": "finance.fit_renewal_model",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
    },
    # After the health run (02:00, time limit 30 min): readiness reads the new snapshots.
    "score-expansion-nightly": {
        "task": "sales.score_expansion",
        "schedule": crontab(hour=2, minute=30),
    },
    # Campaigns whose measurement window ended: freeze their impact (README "Marketing:
    # campaigns"), after the nightly health run their health change reads.
    "finalize-campaigns-daily": {
        "task": "marketing.finalize_campaigns",
        "schedule": crontab(hour=3, minute=15),
    },
    # Customers to their determined lifecycle stage (README "Marketing: journeys"), after the
    # expansion scoring (02:30) whose readiness the rules read; CS_HUB_AUTO_LIFECYCLE=false off.
    "apply-lifecycle-stages-nightly": {
        "task": "marketing.apply_lifecycle_stages",
        "schedule": crontab(hour=3, minute=0),
    },
    # Journey touchpoints whose time has come (README "Marketing: journeys").
    "send-due-touchpoints": {"task": "marketing.send_due_touchpoints", "schedule": 60.0},
    # The dashboard's renewals tile reads this summary while younger than
    # COCKPIT_RENEWALS_MAX_AGE_SECONDS (README "The admin: the CS dashboard").
    "refresh-renewal-risk-summary": {
        "task": "finance.refresh_renewal_risk_summary",
        "schedule": 300.0,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task run: with eager tasks (no broker) every relay nudge would print
        # one; failures are still logged at ERROR.
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
    },
}

# Workflow automation (operations/workflows/engine.py).
CS_HUB_WORKFLOW_MAX_ATTEMPTS = env.int("CS_HUB_WORKFLOW_MAX_ATTEMPTS", default=3)
CS_HUB_WORKFLOW_RETRY_BASE_SECONDS = env.int("CS_HUB_WORKFLOW_RETRY_BASE_SECONDS", default=30)
# How long a handed-over step may wait before the sweep assumes its message was lost.
CS_HUB_WORKFLOW_STEP_LEASE_SECONDS = env.int("CS_HUB_WORKFLOW_STEP_LEASE_SECONDS", default=60)
CS_HUB_OPS_MANAGER_EMAIL = env("CS_HUB_OPS_MANAGER_EMAIL", default="cs-ops-manager@example.com")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="cs-hub@example.com")
# Completed CSM tasks per CSM-week that count as 100 % productivity.
CS_HUB_TASKS_PER_CSM_WEEK_TARGET = env.float("CS_HUB_TASKS_PER_CSM_WEEK_TARGET", default=8.0)

# The covering INCLUDE index on usage is for PostgreSQL; SQLite builds it without the included
# columns, which is all the embedded default needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
