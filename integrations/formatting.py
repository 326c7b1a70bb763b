"""The one error shape: drf-standardized-errors, plus `index` and `field` on bulk items."""

from typing import Any

from drf_standardized_errors.formatter import ExceptionFormatter

from .bulk import BulkValidationError


class ErrorFormatter(ExceptionFormatter):
    def run(self) -> Any:
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
