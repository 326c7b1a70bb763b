"""Schema components for the error statuses the platform adds (409, 413, 422)."""

from django.db import models
from rest_framework import serializers


class _ClientErrorType(models.TextChoices):
    CLIENT_ERROR = "client_error"


class _ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable, machine-readable error code.")
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


def _response(name: str, doc: str) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "__doc__": doc,
            "type": serializers.ChoiceField(choices=_ClientErrorType.choices),
            "errors": _ErrorSerializer(many=True),
        },
    )


ErrorResponse409Serializer = _response(
    "ErrorResponse409",
    "State conflict (for example an illegal transition, a duplicate, or an Idempotency-Key "
    "whose first request is still running: then Retry-After says when to try again).",
)
ErrorResponse413Serializer = _response("ErrorResponse413", "The request body is too large.")
ErrorResponse422Serializer = _response(
    "ErrorResponse422",
    "Unprocessable: for example an Idempotency-Key reused with another body.",
)
