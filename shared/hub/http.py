"""HTTP plumbing shared by the JSON endpoints: error mapping in one place, request facts.

Every JSON endpoint answers errors as `{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import ValidationError

from hub.errors import BadRequest, HubError, PayloadTooLarge, validation_details


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    body = error_body(code, message, details)
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=headers
    )


def json_resolver(logger: Logger, enable_validation: bool = False) -> APIGatewayHttpResolver:
    """An HTTP API resolver answering compact UTF-8 JSON (names stay readable, not \\u-escaped), with
    the hub's error mapping registered. `enable_validation`: Powertools checks requests and answers
    against the routes' type hints and can generate the OpenAPI document."""
    app = APIGatewayHttpResolver(
        serializer=partial(json.dumps, ensure_ascii=False, separators=(",", ":")),
        enable_validation=enable_validation,
    )
    register_error_handlers(app, logger)
    return app


def register_error_handlers(app: APIGatewayHttpResolver, logger: Logger) -> None:
    """Map domain and validation errors to 4xx/5xx JSON; anything unexpected is logged and a 500."""

    @app.exception_handler(HubError)
    def _hub_error(exc: HubError) -> Response:
        if exc.status >= 500:
            logger.warning("request failed", extra={"code": exc.code})
        return error_response(exc.status, exc.code, exc.message, exc.details)

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


def proxy_error(exc: HubError) -> dict[str, Any]:
    """An error answered before the resolver runs (API key, body size), in API Gateway's v2 shape."""
    return {
        "statusCode": exc.status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": json.dumps(
            error_body(exc.code, exc.message, exc.details), ensure_ascii=False, separators=(",", ":")
        ),
        "isBase64Encoded": False,
    }


def source_ip(app: APIGatewayHttpResolver) -> str | None:
    """The peer address as API Gateway saw it; X-Forwarded-For is the client's to forge and is ignored."""
    return app.current_event.request_context.http.source_ip


def public_base_url(app: APIGatewayHttpResolver, configured: str) -> str:
    """The configured base URL of the hub's pages, else the one this request came in on."""
    if configured:
        return configured.rstrip("/")
    headers = app.current_event.headers or {}
    host = app.current_event.request_context.domain_name or headers.get("host", "localhost")
    scheme = headers.get("x-forwarded-proto", "https")
    return f"{scheme}://{host}"


MAX_WEBHOOK_BYTES = 256 * 1024


def webhook_body(app: APIGatewayHttpResolver, limit: int = MAX_WEBHOOK_BYTES) -> str:
    """The request body as text; an oversized one is refused before anything parses or stores it."""
    body = app.current_event.decoded_body or ""
    if len(body) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit} bytes")
    return body


def json_payload(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise BadRequest("the body is not valid JSON") from exc
