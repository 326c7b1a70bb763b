from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from integrations.api import probes
from integrations.api.errors_views import (
    api_bad_request,
    api_not_found,
    api_permission_denied,
    api_server_error,
)
from integrations.openapi import SchemaFormatNegotiation

urlpatterns = [
    # Before the admin: its catch-all would answer these paths otherwise.
    path("admin/cockpit/", include("cockpit.urls")),
    path("admin/", admin.site.urls),
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(content_negotiation_class=SchemaFormatNegotiation),
        name="schema",
    ),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(
        "api/redoc/",
        # ReDoc runs its search in a Web Worker it creates from a blob: URL.
        csp_update({"worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema")
        ),
        name="redoc",
    ),
    path("", include("integrations.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("product.api.urls")),
    path("", include("operations.api.urls")),
    path("", include("finance.api.urls")),
    path("", include("sales.api.urls")),
    path("", include("marketing.api.urls")),
    path("", include("webhooks.api.urls")),
    # Last: any other /api/ path is a JSON 404 even under DEBUG, where Django would answer
    # its HTML debug page instead of calling handler404.
    # (csrf_exempt: a POST there is a 404, not a CSRF 403; the view has no effects.)
    re_path(r"^api/", csrf_exempt(api_not_found), kwargs={"exception": None}),
]

# Under DEBUG off, Django's own errors (a Host not in ALLOWED_HOSTS is a 400 raised before any
# view) are answered by these: JSON in the API's error shape on /api/ paths.
handler400 = api_bad_request
handler403 = api_permission_denied
handler404 = api_not_found
handler500 = api_server_error
