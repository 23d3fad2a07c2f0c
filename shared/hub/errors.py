"""Domain errors: raised anywhere below the handlers, they say what happened and whether a retry can
help, nothing about any protocol. Each edge maps them in its one place: hub.http (JSON; its status
table also serves the TelefUM XML and the HTML pages), hub.queue (the SQS workers)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError


class HubError(Exception):
    """A failure the caller should hear about, with a stable machine-readable code. `retryable`: the
    same request, sent again later and unchanged, may succeed (a worker's message goes back to its queue,
    a JSON client hears Retry-After)."""

    code = "internal_error"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class BadRequest(HubError):
    """The input is invalid: sent again as is, it is refused again."""

    code = "bad_request"


class InvalidPhone(BadRequest):
    code = "invalid_phone"


class PayloadTooLarge(HubError):
    code = "payload_too_large"


class UnsupportedMediaType(HubError):
    code = "unsupported_media_type"


class Unauthorized(HubError):
    code = "unauthorized"


class TooManyAttempts(HubError):
    """Too many wrong passwords for one login: it is locked for a while. Not retryable: the lock lasts
    minutes, far longer than any automatic retry waits."""

    code = "locked_out"


class Forbidden(HubError):
    code = "forbidden"


class NotFound(HubError):
    code = "not_found"


class Conflict(HubError):
    """A write lost a race or broke a uniqueness rule (version mismatch, external code taken): the
    caller must read again or change the request, so it is not retryable as is."""

    code = "conflict"


class LimitExceeded(HubError):
    """A valid request would break a storage limit (e.g. too many contacts on one number): retrying
    it as is cannot succeed, unlike a Conflict."""

    code = "limit_exceeded"


class PreconditionFailed(HubError):
    """An If-Match header named a version that is no longer current."""

    code = "precondition_failed"


class Unavailable(HubError):
    """Storage is busy (DynamoDB throttled us, or a record kept changing under us): retry shortly."""

    code = "unavailable"
    retryable = True


class CredentialsMissing(Conflict):
    """The tenant has stored no credentials for the vendor this needs (PUT /settings/credentials)."""

    code = "credentials_missing"


class VendorUnavailable(HubError):
    """A vendor's API did not answer, timed out or said it is busy (5xx, 429): retry later."""

    code = "vendor_unavailable"
    retryable = True


class VendorRejected(HubError):
    """A vendor's API refused the request itself (a 4xx other than auth): sending it again cannot help."""

    code = "vendor_rejected"


class VendorAuthExpired(HubError):
    """A vendor's API no longer accepts the hub's token: retryable once the hub has signed in again."""

    code = "vendor_auth_expired"
    retryable = True


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
