"""Platform errors. Each has a stable `code`; the drf-standardized-errors handler shapes them."""

from rest_framework import status
from rest_framework.exceptions import APIException


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class IdempotencyKeyInUse(Conflict):
    default_detail = (
        "A request with this Idempotency-Key is still being processed; retry after the "
        "number of seconds in Retry-After."
    )
    default_code = "idempotency_key_in_use"

    def __init__(self, wait: int = 1) -> None:
        super().__init__()
        self.wait = wait


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was already used with a different request body or endpoint."
    )
    default_code = "idempotency_key_reused"


class InvalidIdempotencyKey(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Idempotency-Key must be 1 to 255 printable ASCII characters."
    default_code = "invalid_idempotency_key"


class RequestTimeout(APIException):
    status_code = status.HTTP_408_REQUEST_TIMEOUT
    default_detail = "The request body did not arrive in time; send it again."
    default_code = "request_timeout"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than the limit."
    default_code = "payload_too_large"
