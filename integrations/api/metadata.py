"""OPTIONS answers: what the endpoint is and accepts, pointing at the OpenAPI schema for the
bodies. DRF's default would describe the view's response serializer as the POST input, which
is wrong wherever the request body has its own serializer (most writes here)."""

from typing import Any

from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request

SCHEMA_PATH = "/api/schema/"


class SchemaMetadata(SimpleMetadata):
    def determine_metadata(self, request: Request, view: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().determine_metadata(request, view)
        data.pop("actions", None)
        data["allowed_methods"] = [m for m in view.allowed_methods if m not in ("OPTIONS", "HEAD")]
        data["schema"] = SCHEMA_PATH
        return data

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        return {}  # request and response bodies: see the schema
