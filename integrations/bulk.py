"""Fast, all-or-nothing validation of bulk ingestion bodies (DESIGN.md section 3).

DRF serializers cost tens of microseconds per field; ingestion endpoints take 10,000 items per
request and must sustain tens of thousands of rows per second, so bulk bodies are checked by
these plain field specs instead. Every item is checked, every error is reported with its index,
field and code, and nothing is written unless the whole batch is clean.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_date

from .domain_errors import Invalid
from .ids import KEY_MESSAGE, fullmatch, is_key
from .validation import (
    DATE_BOUND_DETAIL,
    INVALID_CHARACTERS,
    INVALID_CHARACTERS_DETAIL,
    DateTimeTextError,
    date_in_bounds,
    has_invalid_characters,
    is_plain_date_text,
    is_plain_number,
    parse_datetime_text,
)

_MISSING: Any = object()
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class BulkValidationError(Invalid):
    """A refused batch: its errors carry `index`, `field` and `code` for each bad item."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(" ".join(str(e["detail"]) for e in errors) or "Invalid batch.")
        self.item_errors = errors


def batch_error(code: str, detail: str) -> BulkValidationError:
    return BulkValidationError([{"index": None, "field": None, "code": code, "detail": detail}])


class CheckFailed(ValueError):
    """A Spec check's refusal with its own error code (a plain ValueError is `invalid`)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class _Invalid(Exception):
    def __init__(self, code: str, detail: str) -> None:
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Spec:
    """One field of a bulk item. `kind` picks the parser; the rest are constraints."""

    name: str
    # str | int | float | bool | date | datetime | decimal | money | email | key | str_list
    kind: str = "str"
    required: bool = True
    # Optional for an existing row (left out keeps its value), but a new row needs it: the
    # writing service knows which rows are new (`BulkSchema.missing_for_new`).
    required_for_new: bool = False
    nullable: bool = False
    default: Any = _MISSING
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    min_value: Any = None
    max_value: Any = None
    check: Callable[[Any], None] | None = None  # raise ValueError(detail) (CheckFailed: a code)
    lower: bool = False
    pattern: str | None = None  # a str must fullmatch it (`^...$`, also published)
    pattern_message: str = "Invalid format."
    doc: str = ""  # the field's description in the published item schema
    labels: tuple[str, ...] | None = None  # of the choices, for the published schema
    trim: bool = True  # False for key-like text (slugs): whitespace is refused, not trimmed

    @property
    def must_be_sent(self) -> bool:
        """Required, with no default to fall back on."""
        return self.required and self.default is _MISSING

    @property
    def not_blank(self) -> bool:
        """A value that must be there (now or for a new row) must not be blank either."""
        return self.must_be_sent or self.required_for_new

    def parse(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise _Invalid("null", "This field may not be null.")
        value = _PARSERS[self.kind](self, value)
        if self.choices is not None and value not in self.choices:
            raise _Invalid("invalid_choice", f"{value!r} is not one of: {', '.join(self.choices)}.")
        if self.min_value is not None and value < self.min_value:
            raise _Invalid("min_value", f"Must be at least {self.min_value}.")
        if self.max_value is not None and value > self.max_value:
            raise _Invalid("max_value", f"Must be at most {self.max_value}.")
        if self.check is not None:
            try:
                self.check(value)
            except ValueError as exc:
                code = exc.code if isinstance(exc, CheckFailed) else "invalid"
                raise _Invalid(code, str(exc)) from None
        return value


def choices_of(choices: Any) -> dict[str, Any]:
    """A Django Choices class as Spec arguments: its values, and its labels for the docs."""
    return {"choices": tuple(choices.values), "labels": tuple(choices.labels)}


def _text(value: Any) -> str:
    """Every string field: a JSON string holding no NUL and no lone surrogate."""
    if not isinstance(value, str):
        raise _Invalid("invalid", "Must be a string.")
    if has_invalid_characters(value):
        raise _Invalid(INVALID_CHARACTERS, INVALID_CHARACTERS_DETAIL)
    return value


def _str(spec: Spec, value: Any) -> str:
    value = _text(value)
    if not spec.trim and value != value.strip():
        raise _Invalid("invalid", "Must not start or end with whitespace.")
    value = value.strip()
    if not value and spec.not_blank:
        raise _Invalid("blank", "This field may not be blank.")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _Invalid("max_length", f"At most {spec.max_length} characters.")
    if spec.pattern is not None and not fullmatch(spec.pattern, value):
        raise _Invalid("invalid", spec.pattern_message)
    return value.lower() if spec.lower else value


def _key(spec: Spec, value: Any) -> str:
    if not is_key(_text(value)):
        raise _Invalid("invalid", f"Must be {KEY_MESSAGE}")
    return value


def _email(spec: Spec, value: Any) -> str:
    # An email is a key: never trimmed, so " a@b.co" or "a@b.co\n" is refused, not stored.
    if len(_text(value)) > 254 or not fullmatch(EMAIL_RE, value):
        raise _Invalid("invalid", "Enter a valid email address (no surrounding whitespace).")
    return value.lower()


def _int(spec: Spec, value: Any) -> int:
    # A JSON integer. 12.0 (a float) and "12" (a string) are a wrong shape: no silent coercion.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("invalid", "A whole number is required (a JSON integer).")
    return value


def _money(spec: Spec, value: Any) -> Decimal:
    # Whole currency units as a JSON integer: 12.5 would be rounded, "1e3" and "12" coerced.
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid("invalid", "A whole number of currency units is required (a JSON integer).")
    if abs(value) >= 10**14:  # before Decimal(): a huge int converts slowly
        raise _Invalid("max_value", "The amount is too large.")
    return Decimal(value)


def _float(spec: Spec, value: Any) -> float:
    # A JSON number (a rate, a probability): "0.5" (a string) and true are a wrong shape.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Invalid("invalid", "A number is required (a JSON number).")
    if isinstance(value, int) and abs(value) >= 10**14:  # float() of a huge int overflows
        raise _Invalid("max_value", "The number is too large.")
    if not math.isfinite(value):
        raise _Invalid("invalid", "A finite number is required.")
    return float(value)


def _bool(spec: Spec, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid("invalid", "Must be true or false.")
    return value


def _decimal(spec: Spec, value: Any) -> Decimal:
    # A JSON number, or a string written as one ("1234.50"): never "1_000", " 12 " or
    # "NaN", which Decimal() would accept.
    if isinstance(value, str) and not is_plain_number(value, integer=False):
        raise _Invalid("invalid", "A number written as in JSON is required, e.g. 1234.50.")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _Invalid("invalid", "A number is required.")
    if isinstance(value, int) and abs(value) >= 10**14:  # before str(): huge ints are slow
        raise _Invalid("max_value", "The amount is too large.")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _Invalid("invalid", "A number is required.") from None
    if not number.is_finite():
        raise _Invalid("invalid", "A finite number is required.")
    if number.adjusted() >= 14:  # abs(number) >= 10**14 without arithmetic: abs(1e1000000)
        raise _Invalid("max_value", "The amount is too large.")  # overflows the context
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _date(spec: Spec, value: Any) -> date:
    try:  # parse_date raises on well-formed impossible dates such as 2026-13-01
        parsed = parse_date(value) if is_plain_date_text(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise _Invalid("invalid", "Use an ISO 8601 date: YYYY-MM-DD.")
    return _in_bounds(parsed)


def _datetime(spec: Spec, value: Any) -> datetime:
    # The API's one date-time rule (RFC 3339 with an offset, in bounds), returned in UTC.
    try:
        return parse_datetime_text(value)
    except DateTimeTextError as exc:
        raise _Invalid(exc.code, exc.detail) from None


def _in_bounds(value: Any) -> Any:
    if not date_in_bounds(value):
        raise _Invalid("invalid", DATE_BOUND_DETAIL)
    return value


def _str_list(spec: Spec, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid("invalid", "Must be a list of strings.")
    for item in value:
        _text(item)
    return [v.strip() for v in value if v.strip()]


_PARSERS: dict[str, Callable[[Spec, Any], Any]] = {
    "str": _str,
    "key": _key,
    "email": _email,
    "int": _int,
    "float": _float,
    "bool": _bool,
    "decimal": _decimal,
    "money": _money,
    "date": _date,
    "datetime": _datetime,
    "str_list": _str_list,
}


KINDS = tuple(_PARSERS)

ItemCheck = Callable[[dict[str, Any]], Iterable[tuple[str, str, str]]]


@dataclass(frozen=True)
class Reference:
    """A field of a bulk item that names another record (an unknown one is an item error).

    `lookup` maps the batch's distinct values to primary keys in one query. `in_batch` names
    a field of the same batch whose values also count as known (a contract renewing one sent
    alongside it): those resolve to None and are linked by the service once written.
    """

    field: str
    lookup: Callable[[set[Any]], Mapping[Any, Any]]
    code: str
    detail: str  # "{value}" is replaced by the unknown value
    in_batch: str | None = None

    def resolve(self, items: Sequence[dict[str, Any]]) -> tuple[list[Any], list[dict[str, Any]]]:
        """One primary key (or None) per item, and an error per unknown value. Items without
        the field (left out, null, or invalid in a batch being rejected) are skipped."""
        values = {item[self.field] for item in items if item.get(self.field) is not None}
        found = self.lookup(values) if values else {}
        batch = {item.get(self.in_batch) for item in items} if self.in_batch else set()
        pks: list[Any] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            value = item.get(self.field)
            pks.append(found.get(value) if value is not None else None)
            if value is not None and value not in found and value not in batch:
                errors.append(_err(index, self.field, self.code, self.detail.format(value=value)))
        return pks, errors


def _in_item_order(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(errors, key=lambda e: -1 if e["index"] is None else e["index"])


def refuse(errors: list[dict[str, Any]]) -> None:
    """Raise BulkValidationError listing `errors` in item order, if there are any."""
    if errors:
        raise BulkValidationError(_in_item_order(errors))


@dataclass
class BulkSchema:
    """The fields of one bulk item, its natural key, cross-field checks and references.

    `item_checks` return (field, code, detail) for rules that span fields (end after start).
    `references` are resolved by the service that writes the batch (`resolve`), and also by
    `validate` when the batch has field errors, so one response lists every problem.
    """

    specs: Sequence[Spec]
    natural_key: tuple[str, ...]
    item_checks: Sequence[ItemCheck] = field(default_factory=tuple)
    references: Sequence[Reference] = field(default_factory=tuple)
    noun: str = "item"  # what an item creates, for messages ("customer")

    def __post_init__(self) -> None:
        self._by_name = {s.name: s for s in self.specs}
        # Bounded integer fields with no other rule: a JSON integer within the bounds is
        # taken as is in `_validate_item` (10,000-item batches carry tens of thousands).
        self._plain_ints = frozenset(
            s.name
            for s in self.specs
            if s.kind == "int"
            and s.min_value is not None
            and s.max_value is not None
            and s.choices is None
            and s.check is None
        )

    def validate(self, body: Any) -> list[dict[str, Any]]:
        """Return the cleaned items, or raise BulkValidationError listing every problem."""
        limit = settings.CS_HUB_BULK_MAX_ITEMS
        if not isinstance(body, list):
            raise batch_error("not_a_list", "The body must be a JSON array of items.")
        if not body:
            raise batch_error("empty", "The batch is empty.")
        if len(body) > limit:
            raise batch_error(
                "too_many_items", f"A batch holds at most {limit} items; got {len(body)}."
            )
        errors: list[dict[str, Any]] = []
        cleaned: list[dict[str, Any]] = []
        valid_fields: list[dict[str, Any]] = []  # per item, its fields that parsed
        seen: dict[tuple[Any, ...], int] = {}
        # Batches repeat values (one date, a few feature ids across 10,000 rows): parse each
        # distinct string once per batch. Parsers are pure, so this changes only the speed.
        memo: dict[tuple[str, str], Any] = {}
        for index, item in enumerate(body):
            clean, ok = self._validate_item(index, item, errors, memo)
            valid_fields.append(clean)
            if not ok:
                continue
            key = tuple(map(clean.get, self.natural_key))
            first = seen.setdefault(key, index)
            if first != index:
                errors.append(
                    _err(
                        index,
                        self.natural_key[-1],
                        "duplicate_key",
                        f"Duplicate of item {first} in this batch.",
                    )
                )
                continue
            cleaned.append(clean)
        if errors:
            # The batch is refused anyway: check the references that are valid fields too,
            # so the client learns of unknown customers now, not on its next attempt.
            for reference in self.references:
                errors += reference.resolve(valid_fields)[1]
            raise BulkValidationError(_in_item_order(errors))
        return cleaned

    def resolve(self, items: Sequence[dict[str, Any]]) -> dict[str, list[Any]]:
        """Each reference field's primary keys, one per item (one query per reference), or
        BulkValidationError listing every unknown value of every reference."""
        resolved, errors = self.resolve_collecting(items)
        refuse(errors)
        return resolved

    def resolve_collecting(
        self, items: Sequence[dict[str, Any]]
    ) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
        """`resolve`, returning the unknown values as errors, for a service that has more
        item errors to report in the same response (`missing_for_new`)."""
        resolved: dict[str, list[Any]] = {}
        errors: list[dict[str, Any]] = []
        for reference in self.references:
            resolved[reference.field], unknown = reference.resolve(items)
            errors += unknown
        return resolved, errors

    def missing_for_new(self, index: int, item: dict[str, Any]) -> list[dict[str, Any]]:
        """The `required` errors of item `index` when it creates a row."""
        return [
            _err(index, spec.name, "required", f"This field is required for a new {self.noun}.")
            for spec in self.specs
            if spec.required_for_new and spec.name not in item
        ]

    def _validate_item(
        self,
        index: int,
        item: Any,
        errors: list[dict[str, Any]],
        memo: dict[tuple[str, str], Any],
    ) -> tuple[dict[str, Any], bool]:
        """The item's fields that parsed, and whether the whole item is valid."""
        if not isinstance(item, dict):
            errors.append(_err(index, None, "not_an_object", "Each item must be a JSON object."))
            return {}, False
        before = len(errors)
        if not self._by_name.keys() >= item.keys():  # no set built for a clean item
            for name in item.keys() - self._by_name.keys():
                errors.append(_err(index, str(name), "unknown_field", "Unknown field."))
        clean: dict[str, Any] = {}
        for spec in self.specs:
            if spec.name not in item:
                if spec.default is not _MISSING:
                    clean[spec.name] = spec.default
                elif spec.required:
                    errors.append(_err(index, spec.name, "required", "This field is required."))
                continue
            value = item[spec.name]
            if (
                type(value) is int
                and spec.name in self._plain_ints
                and spec.min_value <= value <= spec.max_value
            ):
                clean[spec.name] = value  # what spec.parse returns; no call for it
                continue
            try:
                if isinstance(value, str):
                    memo_key = (spec.name, value)
                    parsed = memo.get(memo_key, _MISSING)
                    if parsed is _MISSING:
                        parsed = memo[memo_key] = spec.parse(value)
                    clean[spec.name] = parsed
                else:
                    clean[spec.name] = spec.parse(value)
            except _Invalid as bad:
                errors.append(_err(index, spec.name, bad.code, bad.detail))
        if self.item_checks:
            # Every cross-field check whose fields are valid runs, even when others are not,
            # so one response lists every problem (value -1 and end_date before start_date).
            fields = _ValidFields(clean, {e["field"] for e in errors[before:]})
            for check in self.item_checks:
                try:
                    found = list(check(fields))
                except (KeyError, _NeedsInvalidField):
                    continue  # a field it needs is missing or invalid: reported already
                errors += [_err(index, name, code, detail) for name, code, detail in found]
        return clean, len(errors) == before


class _NeedsInvalidField(Exception):
    pass


class _ValidFields(dict[str, Any]):
    """An item's parsed fields as a cross-field check sees them: reading one that failed its
    own parse stops the check (instead of reading it as absent)."""

    def __init__(self, clean: dict[str, Any], invalid: set[str]) -> None:
        super().__init__(clean)
        self.invalid = invalid

    def __getitem__(self, key: str) -> Any:
        if key in self.invalid:
            raise _NeedsInvalidField(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.invalid:
            raise _NeedsInvalidField(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        if key in self.invalid:
            raise _NeedsInvalidField(key)
        return super().__contains__(key)


def _err(index: int | None, field_name: str | None, code: str, detail: str) -> dict[str, Any]:
    return {"index": index, "field": field_name, "code": code, "detail": detail}


def not_after_tomorrow(value: date | datetime) -> None:
    """Reject dates beyond tomorrow (clock skew of a day is tolerated)."""
    today = timezone.now().date()
    day = value.date() if isinstance(value, datetime) else value
    if (day - today).days > 1:
        raise ValueError("Must not be later than tomorrow.")
