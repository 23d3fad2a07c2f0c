"""Domain errors: raised anywhere below the handlers, turned into HTTP answers in one place (hub.http)."""

from __future__ import annotations

from typing import Any


class HubError(Exception):
    """A failure the caller should hear about, with a stable machine-readable code."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class BadRequest(HubError):
    status = 400
    code = "bad_request"


class InvalidPhone(BadRequest):
    code = "invalid_phone"


class PayloadTooLarge(HubError):
    status = 413
    code = "payload_too_large"


class Unauthorized(HubError):
    status = 401
    code = "unauthorized"


class TooManyAttempts(HubError):
    """Too many wrong passwords for one login: it is locked for a while."""

    status = 429
    code = "locked_out"


class Forbidden(HubError):
    status = 403
    code = "forbidden"


class NotFound(HubError):
    status = 404
    code = "not_found"


class Conflict(HubError):
    """A write lost a race or broke a uniqueness rule (version mismatch, external code taken)."""

    status = 409
    code = "conflict"


class Unavailable(HubError):
    """DynamoDB throttled us: the caller may retry."""

    status = 503
    code = "unavailable"
