"""Domain errors: raised anywhere below the handlers, turned into HTTP answers in one place (hub.http)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


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


class UnsupportedMediaType(HubError):
    status = 415
    code = "unsupported_media_type"


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


class LimitExceeded(HubError):
    """A valid request would break a storage limit (e.g. too many contacts on one number): retrying
    it as is cannot succeed, unlike a Conflict."""

    status = 422
    code = "limit_exceeded"


class PreconditionFailed(HubError):
    """An If-Match header named a version that is no longer current."""

    status = 412
    code = "precondition_failed"


class Unavailable(HubError):
    """DynamoDB throttled us: the caller may retry."""

    status = 503
    code = "unavailable"


def validation_details(exc: ValidationError) -> list[dict[str, str]]:
    """Where and why each field failed, without echoing the input (it may be huge, or a secret)."""
    return [
        {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
        for error in exc.errors(include_input=False, include_url=False)
    ]


def validation_summary(exc: ValidationError, limit: int | None = None) -> str:
    """`field: message` for the first `limit` problems (all by default), joined by `; `."""
    details = validation_details(exc)[:limit]
    return "; ".join(f"{d['field']}: {d['message']}" if d["field"] else d["message"] for d in details)
