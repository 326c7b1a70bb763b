"""One way to assert the documented error shape (README: errors)."""

from typing import Any


def assert_error(
    response: Any, status: int, code: str, attr: str | None = None, *, position: int = 0
) -> dict[str, Any]:
    """The response has `status`, and its error at `position` has `code` (and `attr`, when
    given). Returns that error, for further checks on its detail."""
    assert response.status_code == status, response.content
    errors = response.json()["errors"]
    assert len(errors) > position, errors
    error: dict[str, Any] = errors[position]
    assert error["code"] == code, errors
    if attr is not None:
        assert error["attr"] == attr, errors
    return error


def item_errors(response: Any) -> list[tuple[int | None, str | None, str]]:
    """A bulk response's errors as (index, field, code), in order."""
    return [(e["index"], e["field"], e["code"]) for e in response.json()["errors"]]
