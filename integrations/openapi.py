"""Schema generation: the standardized error shapes, plus the platform's own error statuses
documented only where they can occur."""

from typing import Any

from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiParameter
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from rest_framework.negotiation import DefaultContentNegotiation

from .api.bulk_docs import BulkRequest, body_schema, item_schema
from .idempotency import HEADER as IDEMPOTENCY_HEADER


class AutoSchema(StandardizedErrorsAutoSchema):
    def _should_add_error_response(self, responses: dict, status_code: str) -> bool:
        if status_code in ("409", "422"):
            # Every POST can meet an Idempotency-Key conflict (409) or reuse (422).
            declared = status_code in responses
            return not declared and self.method == "POST"
        if status_code in ("408", "413"):
            return self.method in ("POST", "PUT", "PATCH") and status_code not in responses
        return bool(super()._should_add_error_response(responses, status_code))

    def _get_request_for_media_type(self, serializer: Any, direction: str = "request") -> Any:
        if isinstance(serializer, BulkRequest):  # a bulk body: an array of the schema's items
            component = ResolvedComponent(
                name=serializer.name,
                type=ResolvedComponent.SCHEMA,
                object=serializer.name,
                schema=item_schema(serializer.schema),
            )
            self.registry.register_on_missing(component)
            return body_schema(component.ref), True
        return super()._get_request_for_media_type(serializer, direction)

    def get_filter_backends(self) -> list[Any]:
        # drf-spectacular documents filters on list views only; a GET that takes the list's
        # filters (a summary) must document them too: unknown parameters are refused.
        if self.method == "GET" and getattr(self.view, "filterset_class", None) is not None:
            return list(getattr(self.view, "filter_backends", []))
        return list(super().get_filter_backends())

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        if self.method == "POST":
            params.append(
                OpenApiParameter(
                    name=IDEMPOTENCY_HEADER,
                    type={
                        "type": "string",
                        "minLength": 1,
                        "maxLength": 255,
                        "pattern": "^[ -~]+$",
                    },
                    location=OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "Makes the POST safe to retry: the same key and body within 24 h "
                        "replays the stored response (with `Idempotent-Replayed: true`); "
                        "another body gets 422; while the first is running, 409 with "
                        "Retry-After. 1-255 printable ASCII characters."
                    ),
                )
            )
        return params


def hide_slash_twins(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Every path is routed with and without a trailing slash; document the spec's form only."""
    return [e for e in endpoints if not (e[0].endswith("/") and e[0] != "/")]


class SchemaFormatNegotiation(DefaultContentNegotiation):
    """/api/schema/ keeps drf-spectacular's `?format=json|yaml` switch. API endpoints take no
    `format` parameter (URL_FORMAT_OVERRIDE is None), so there it is refused as unknown."""

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: str | None = None
    ) -> Any:
        chosen = format_suffix or request.query_params.get("format")
        return super().select_renderer(request, renderers, chosen)
