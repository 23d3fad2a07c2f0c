"""HTTP plumbing shared by the JSON endpoints: error mapping in one place, request facts.

Every JSON endpoint answers errors as `{"error": {"code", "message", "details"}}`, and every webhook's
answer is counted here, by vendor (hub.observability), once its status is final.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from functools import partial
from itertools import accumulate
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import ValidationError

from hub.errors import (
    BadRequest,
    Conflict,
    CredentialsMissing,
    Forbidden,
    HubError,
    LimitExceeded,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    TooManyAttempts,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
    VendorAuthExpired,
    VendorRejected,
    VendorUnavailable,
    validation_details,
)
from hub.models.tenant import Vendor
from hub.observability import webhook_answered

# The HTTP status each kind of domain error stands for: the one table every HTTP edge (JSON here,
# TelefUM's XML, the HTML pages) reads. A subclass takes its nearest listed ancestor's status.
STATUS: dict[type[HubError], int] = {
    HubError: 500,
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    CredentialsMissing: 409,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    LimitExceeded: 422,
    TooManyAttempts: 429,
    VendorRejected: 502,
    VendorAuthExpired: 502,
    VendorUnavailable: 503,
    Unavailable: 503,
}


def http_status(error: HubError | type[HubError]) -> int:
    """The status an error (or a kind of error) stands for: its class's, else its nearest ancestor's."""
    kind = error if isinstance(error, type) else type(error)
    return next(STATUS[cls] for cls in kind.__mro__ if cls in STATUS)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(
    status: int, code: str, message: str, details: Any = None, *, retryable: bool = False
) -> Response:
    """`retryable`: the client hears Retry-After, so a retry waits a second instead of hammering."""
    body = error_body(code, message, details)
    headers = {"Retry-After": "1"} if retryable else None
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


class JsonResolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, counting each webhook's answer (`/hooks/{vendor}/...`) where it
    is final: after the routes and the error handlers, whichever answered."""

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = super().resolve(event, context)
        vendor = webhook_vendor(event.get("rawPath") or "")
        if vendor:
            webhook_answered(vendor, response["statusCode"], answered_error_code(response))
        return response


def webhook_vendor(path: str) -> str | None:
    """The vendor a webhook path names, if it is one the hub knows (a metric dimension must not take
    whatever a URL says); never the token that follows it."""
    parts = path.split("/", 3)
    if len(parts) > 2 and parts[1] == "hooks" and parts[2] in _VENDORS:
        return parts[2]
    return None


_VENDORS = frozenset(vendor.value for vendor in Vendor)


def answered_error_code(response: dict[str, Any]) -> str | None:
    """The `error.code` of an error answer made by `error_response` (None for any other answer)."""
    if response.get("statusCode", 200) < 400:
        return None
    try:
        code = json.loads(response.get("body") or "")["error"]["code"]
    except (ValueError, TypeError, KeyError):
        return None
    return code if isinstance(code, str) else None


def json_resolver(logger: Logger, enable_validation: bool = False) -> APIGatewayHttpResolver:
    """An HTTP API resolver answering compact UTF-8 JSON (names stay readable, not \\u-escaped), with
    the hub's error mapping registered. `enable_validation`: Powertools checks requests and answers
    against the routes' type hints and can generate the OpenAPI document."""
    app = JsonResolver(
        serializer=partial(json.dumps, ensure_ascii=False, separators=(",", ":")),
        enable_validation=enable_validation,
        json_body_deserializer=json_payload,  # Powertools' body validation parses as the webhooks do
    )
    register_error_handlers(app, logger)
    return app


def register_error_handlers(app: APIGatewayHttpResolver, logger: Logger) -> None:
    """Map domain and validation errors to 4xx/5xx JSON; anything unexpected is logged and a 500."""

    @app.exception_handler(HubError)
    def _hub_error(exc: HubError) -> Response:
        return hub_error_response(exc, logger)

    @app.exception_handler(ValidationError)
    def _invalid(exc: ValidationError) -> Response:
        return error_response(
            400, BadRequest.code, "the request body is not valid", validation_details(exc)[:20]
        )

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        details = [
            {
                "field": ".".join(str(part) for part in error["loc"]),
                "message": error.get("msg", error["type"]),
            }
            for error in exc.errors()
        ]
        return error_response(400, BadRequest.code, "the request is not valid", details[:20])

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_type(_exc: RequestUnsupportedContentType) -> Response:
        return error_response(415, "unsupported_media_type", "send the body as application/json")

    @app.not_found
    def _not_found(_exc: Exception) -> Response:
        return error_response(404, "not_found", "not found")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unexpected error")
        return error_response(500, "internal_error", "internal error")


def hub_error_response(exc: HubError, logger: Logger) -> Response:
    """A domain error as the JSON edge answers it: its status, its code, Retry-After if retryable."""
    status = http_status(exc)
    if status >= 500:
        logger.warning("request failed", extra={"code": exc.code})
    return error_response(status, exc.code, exc.message, exc.details, retryable=exc.retryable)


def proxy_error(exc: HubError) -> dict[str, Any]:
    """An error answered before the resolver runs (API key, body size), in API Gateway's v2 shape."""
    return {
        "statusCode": http_status(exc),
        "headers": {"Content-Type": content_types.APPLICATION_JSON}
        | ({"Retry-After": "1"} if exc.retryable else {}),
        "body": json.dumps(
            error_body(exc.code, exc.message, exc.details), ensure_ascii=False, separators=(",", ":")
        ),
        "isBase64Encoded": False,
    }


def source_ip(app: APIGatewayHttpResolver) -> str | None:
    """The peer address as API Gateway saw it; X-Forwarded-For is the client's to forge and is ignored."""
    return app.current_event.request_context.http.source_ip


def public_base_url(app: APIGatewayHttpResolver, configured: str) -> str:
    """The configured base URL of the hub's pages, else the one this request came in on. The
    forwarded scheme is the client's to set: anything but http/https is ignored, so a generated link
    never starts `javascript:`; a Host header that is not a host name is not echoed either."""
    if configured:
        return configured.rstrip("/")
    headers = app.current_event.headers or {}
    host = app.current_event.request_context.domain_name or headers.get("host", "")
    if not _HOST.fullmatch(host or ""):
        host = "localhost"
    scheme = headers.get("x-forwarded-proto", "https").split(",")[0].strip().lower()
    return f"{scheme if scheme in ('http', 'https') else 'https'}://{host}"


_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")
MAX_WEBHOOK_BYTES = 256 * 1024
# Deeper than any payload a vendor or integrator sends; a bound checked before parsing, so a
# 10,000-deep body is a 400, not a RecursionError in the parser, pydantic or boto3's serializer.
MAX_JSON_DEPTH = 32
_JSON_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def request_body(app: APIGatewayHttpResolver, limit: int = MAX_WEBHOOK_BYTES) -> str:
    """The request body as text, for every route that reads one: bytes that are not UTF-8 (API
    Gateway sends them base64-encoded) are a 400, an oversized body a 413, before anything parses
    or stores it."""
    event = app.current_event
    body = event.body or ""
    if event.is_base64_encoded and body:
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise BadRequest("the body is not valid UTF-8 text") from exc
    if len(body) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    return body


class _Unrepresentable(ValueError):
    """A number JSON's grammar allows (1e400) or Python's parser tolerates (NaN, Infinity) but no
    field can hold."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Unrepresentable(f"the number {text[:20]} is out of range")
    return value


def _not_json(name: str) -> Any:
    raise _Unrepresentable(f"{name} is not a JSON number")


def nesting_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text opens more than `limit` arrays/objects inside one another (strings skipped)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKETS.sub("", _JSON_STRINGS.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > limit


def json_payload(body: str) -> Any:
    """The one JSON parser of every endpoint: strict RFC 8259 (no NaN/Infinity, no number too big for
    a float, no lone surrogate that could never be stored) and at most MAX_JSON_DEPTH levels deep."""
    if nesting_exceeds(body):
        raise BadRequest(f"the body is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        payload = json.loads(body, parse_float=_finite_float, parse_constant=_not_json)
        if _SURROGATE_ESCAPE.search(body):
            json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except RecursionError as exc:
        raise BadRequest("the body is nested too deeply") from exc
    except UnicodeEncodeError as exc:
        raise BadRequest("the body has text that is not valid Unicode") from exc
    except _Unrepresentable as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from exc
    except ValueError as exc:
        raise BadRequest("the body is not valid JSON") from exc
    return payload
