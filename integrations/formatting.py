"""The one error shape: drf-standardized-errors, plus `index` and `field` on bulk items.

Domain errors (integrations.domain_errors) carry no HTTP; the API maps each kind to its status
here, so services stay free of DRF and every API error still has the documented shape.
"""

from typing import Any

from django.core.exceptions import SuspiciousOperation
from drf_standardized_errors.formatter import ExceptionFormatter
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status

from . import domain_errors
from .bulk import BulkValidationError

# A response lists at most this many errors: a body of a million bad fields must not come
# back as a bigger body. The rest are counted (`error_count`) and flagged (`truncated`).
MAX_ERRORS = 100

# The status of each domain error kind (the most specific class wins).
STATUS_BY_KIND: dict[type[domain_errors.DomainError], int] = {
    domain_errors.NotFound: status.HTTP_404_NOT_FOUND,
    domain_errors.Conflict: status.HTTP_409_CONFLICT,
    domain_errors.Invalid: status.HTTP_400_BAD_REQUEST,
    domain_errors.Unprocessable: status.HTTP_422_UNPROCESSABLE_ENTITY,
}


def status_of(exc: domain_errors.DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS_BY_KIND:
            return STATUS_BY_KIND[kind]
    return status.HTTP_400_BAD_REQUEST


def api_exception(exc: domain_errors.DomainError) -> exceptions.APIException:
    """The DRF exception the error shape is built from; it keeps the domain error as
    `domain_error` (bulk item errors and extra body members are read from it)."""
    detail = exceptions.ErrorDetail(exc.message, code=exc.code)
    converted: exceptions.APIException
    if isinstance(exc, domain_errors.Invalid):
        converted = exceptions.ValidationError({exc.attr: [detail]} if exc.attr else [detail])
    else:
        converted = exceptions.APIException(detail, exc.code)
        converted.status_code = status_of(exc)
    converted.domain_error = exc  # type: ignore[attr-defined]
    return converted


class ErrorHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if isinstance(exc, domain_errors.DomainError):
            return api_exception(exc)
        if isinstance(exc, SuspiciousOperation):
            # Django refusing the request itself (e.g. more than DATA_UPLOAD_MAX_NUMBER_FIELDS
            # query parameters, TooManyFieldsSent, raised when DRF first reads them): a 400,
            # as Django's own handler answers outside the API.
            return exceptions.ParseError(str(exc) or "The request was refused as malformed.")
        return super().convert_known_exceptions(exc)


class ErrorFormatter(ExceptionFormatter):
    def run(self) -> Any:
        body = self._body()
        errors = body.get("errors")
        if isinstance(errors, list) and len(errors) > MAX_ERRORS:
            body["errors"] = errors[:MAX_ERRORS]
            body["truncated"] = True
            body["error_count"] = len(errors)
        return body

    def _body(self) -> Any:
        domain = getattr(self.exc, "domain_error", None)
        if isinstance(domain, BulkValidationError):
            return {
                "type": "validation_error",
                "errors": [
                    {
                        "code": e["code"],
                        "detail": e["detail"],
                        "attr": _attr(e["index"], e["field"]),
                        "index": e["index"],
                        "field": e["field"],
                    }
                    for e in domain.item_errors
                ],
            }
        body = super().run()
        if domain is not None:
            body.update(domain.extra())  # e.g. the conditions measured before refusing
        return body


def _attr(index: int | None, field: str | None) -> str | None:
    parts = [str(p) for p in (index, field) if p is not None]
    return ".".join(parts) or None
