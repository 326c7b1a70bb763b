"""Schema components for error responses.

drf-standardized-errors would generate, per operation, enums of every (attr, code) pair it can
infer from serializer fields. Our domain codes (`unknown_field`, `unknown_team_member`,
`duplicate_key`, `customer_not_found`, ...) and bulk attrs (`3.segment`) are outside what it can
infer, so 400 and 404 are documented with one generic, truthful shape instead; `code` is a
stable string listed in each endpoint's description and the README.
"""

from typing import Any

from django.db import models
from rest_framework import serializers


class _ClientErrorType(models.TextChoices):
    CLIENT_ERROR = "client_error"


class _BadRequestType(models.TextChoices):
    VALIDATION_ERROR = "validation_error"
    CLIENT_ERROR = "client_error"


class ErrorItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable, machine-readable error code.")
    detail = serializers.CharField(help_text="A human-readable explanation.")
    attr = serializers.CharField(
        allow_null=True,
        help_text="The offending field (`field`, `nested.field`, or `index.field` in a bulk "
        "batch), or null when the error is not about one field.",
    )


class BulkErrorItemSerializer(ErrorItemSerializer):
    index = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="Bulk endpoints: the position of the bad item in the array.",
    )
    field = serializers.CharField(
        allow_null=True, required=False, help_text="Bulk endpoints: the bad field of the item."
    )


def _response(
    name: str,
    doc: str,
    item: type[serializers.Serializer] = ErrorItemSerializer,
    kinds: type[models.TextChoices] = _ClientErrorType,
    bounded: bool = False,
) -> type[serializers.Serializer]:
    fields: dict[str, Any] = {
        "__doc__": doc,
        "type": serializers.ChoiceField(choices=kinds.choices),
        "errors": item(many=True),
    }
    if bounded:  # integrations.formatting.MAX_ERRORS
        fields["truncated"] = serializers.BooleanField(
            required=False,
            help_text="Present (true) when there were more than 100 errors; only the first "
            "100 are listed.",
        )
        fields["error_count"] = serializers.IntegerField(
            required=False, help_text="Present with `truncated`: how many errors there were."
        )
    return type(name, (serializers.Serializer,), fields)


ErrorResponse400Serializer = _response(
    "ErrorResponse400",
    "Invalid input. `validation_error` lists every problem found (bulk batches: one per bad "
    "item field, with its `index`); `client_error` covers unreadable bodies (`parse_error`: "
    "not JSON, nested deeper than 32 levels, a number out of range), bad headers "
    "(`invalid_idempotency_key`, `invalid_content_length`) and NUL in the query string or "
    "headers (`invalid_characters`). At most 100 errors are listed (see `truncated`).",
    item=BulkErrorItemSerializer,
    kinds=_BadRequestType,
    bounded=True,
)
ErrorResponse404Serializer = _response(
    "ErrorResponse404",
    "Unknown id (`customer_not_found`, `team_member_not_found`, ...) or path (`not_found`).",
)
ErrorResponse409Serializer = _response(
    "ErrorResponse409",
    "State conflict (for example an illegal transition, a duplicate, or an Idempotency-Key "
    "whose first request is still running: then Retry-After says when to try again).",
)
ErrorResponse408Serializer = _response(
    "ErrorResponse408",
    "The request body did not arrive within `CS_HUB_BODY_READ_TIMEOUT_SECONDS` "
    "(`request_timeout`).",
)
ErrorResponse413Serializer = _response("ErrorResponse413", "The request body is too large.")
ErrorResponse422Serializer = _response(
    "ErrorResponse422",
    "Unprocessable: for example an Idempotency-Key reused with another body.",
)


class ThrottledCode(models.TextChoices):
    THROTTLED = "throttled"
    TOO_MANY_FAILED_AUTHENTICATIONS = "too_many_failed_authentications"


class ThrottledErrorItemSerializer(ErrorItemSerializer):
    code = serializers.ChoiceField(choices=ThrottledCode.choices)  # type: ignore[assignment]


ErrorResponse429Serializer = _response(
    "ErrorResponse429",
    "Too many requests: the key's rate (`throttled`), or too many failed authentications from "
    "this address (`too_many_failed_authentications`). Retry-After says when to try again.",
    item=ThrottledErrorItemSerializer,
)


class ErrorResponse409StageSerializer(ErrorResponse409Serializer):  # type: ignore[valid-type,misc]
    """An illegal lifecycle transition (`illegal_stage_transition`): the body lists the stages
    the customer may move to (customers' PATCH, the marketing journey move)."""

    current_stage = serializers.CharField(
        required=False, help_text="`illegal_stage_transition`: the customer's stage."
    )
    allowed_next_stages = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="`illegal_stage_transition`: the stages it may move to from there.",
    )
