"""Domain errors: what services and selectors raise when they refuse, free of any API type.

Each error has a stable `code`, a human `message` and, for an error about one input field, its
`attr`. The kind (the subclass) says what went wrong; each caller maps it to its own surface:
the API to a status and the documented error shape (integrations.formatting), the admin to a
message (integrations.admin_support), Celery tasks to the failure they record.
"""

from typing import Any, ClassVar


class DomainError(Exception):
    default_message: ClassVar[str] = "The request was refused."
    default_code: ClassVar[str] = "error"

    def __init__(
        self, message: str | None = None, *, code: str | None = None, attr: str | None = None
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.attr = attr
        super().__init__(self.message)

    def extra(self) -> dict[str, Any]:
        """Top-level members the error body carries besides `errors` (none by default)."""
        return {}

    def text(self) -> str:
        """One line for people (admin messages, task failure records)."""
        return f"{self.attr}: {self.message}" if self.attr else self.message


class NotFound(DomainError):
    default_message = "Not found."
    default_code = "not_found"


class Conflict(DomainError):
    """The current state of the resource does not allow the change."""

    default_message = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class Invalid(DomainError):
    """An input the domain refuses (a field's value, or a combination of fields)."""

    default_message = "Invalid input."
    default_code = "invalid"


class Unprocessable(DomainError):
    """Well-formed, but the domain's preconditions do not hold."""

    default_message = "The request cannot be processed."
    default_code = "unprocessable"
