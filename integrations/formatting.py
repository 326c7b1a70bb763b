"""The one error shape: drf-standardized-errors, plus `index` and `field` on bulk items."""

from typing import Any

from drf_standardized_errors.formatter import ExceptionFormatter

from .bulk import BulkValidationError

# A response lists at most this many errors: a body of a million bad fields must not come
# back as a bigger body. The rest are counted (`error_count`) and flagged (`truncated`).
MAX_ERRORS = 100


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
        if isinstance(self.exc, BulkValidationError):
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
                    for e in self.exc.item_errors
                ],
            }
        body = super().run()
        evaluation = getattr(self.exc, "evaluation", None)
        if evaluation is not None:  # conditions measured before refusing (workflows)
            body["evaluation"] = evaluation
        return body


def _attr(index: int | None, field: str | None) -> str | None:
    parts = [str(p) for p in (index, field) if p is not None]
    return ".".join(parts) or None
