"""`Idempotency-Key` on POST: a retried request gets the first answer and changes nothing again.

Built on Powertools idempotency (records in DynamoDB, expiring after a day). The record's key is the
tenant, the client's key and the route; the body's hash is checked, so the same key sent with a
different body is refused rather than answered with another request's result. A request that failed
leaves no record (Powertools deletes it), so retrying a failure runs it again.

An answer carrying a secret shown once (a new API key) is never kept: the route names, with
`replay_instead`, what a retry gets in its place, and only that is stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from hub.errors import BadRequest, Conflict, HubError
from hub.http import error_body, http_status

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer

Middleware = Callable[[APIGatewayHttpResolver, NextMiddleware], Response]

HEADER = "idempotency-key"
RETENTION_SECONDS = 24 * 3600
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, no spaces
_KEY_SHAPE = re.compile(IDEMPOTENCY_KEY_PATTERN)
_REPLAY = "idempotent_replay"
# Routes that keep their own record of the key (an import is a job named by it): this middleware's
# in-progress record would refuse the retry of a request that timed out, which must find its job.
SELF_IDEMPOTENT_PATHS = frozenset({"/api/v1/contacts/import"})

_CONFIG = IdempotencyConfig(
    event_key_jmespath="[tenant, key, route]",
    payload_validation_jmespath="body_sha256",
    expires_after_seconds=RETENTION_SECONDS,
    raise_on_no_idempotency_key=True,
)


class _NotKept(Exception):  # noqa: N818 - a signal to Powertools, not an error
    """Raised through Powertools for an error answer, so its record is deleted like a raised one's."""


def idempotent_posts(persistence: Callable[[], BasePersistenceLayer]) -> Middleware:
    """The middleware by which a POST with an Idempotency-Key runs once per tenant, key and route.
    `persistence` gives the records' store when the first such POST comes (the handler's wiring), so
    requests without a key never build it."""

    def middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        return _once(app, next_middleware, persistence)

    return middleware


def _once(
    app: APIGatewayHttpResolver,
    next_middleware: NextMiddleware,
    persistence: Callable[[], BasePersistenceLayer],
) -> Response:
    event = app.current_event
    key = (event.headers or {}).get(HEADER)
    if event.http_method != "POST" or key is None or event.path in SELF_IDEMPOTENT_PATHS:
        return next_middleware(app)
    request = _request(app, key)

    answered: list[Response] = []
    refused: list[HubError] = []

    def run(request: dict[str, Any]) -> dict[str, Any]:
        try:
            response = next_middleware(app)
        except HubError as exc:
            kept = app.context.get(_REPLAY)
            if kept is None:
                raise  # not stored: a retry with the key runs again
            refused.append(exc)
            return kept
        answered.append(response)
        if response.status_code >= 400:  # an error answered, not raised (a path no route serves)
            raise _NotKept
        replay = app.context.get(_REPLAY)
        if replay is not None:
            return replay
        return {"status": response.status_code, "body": response.body, "headers": dict(response.headers)}

    _CONFIG.register_lambda_context(app.lambda_context)
    guarded = idempotent_function(
        run,
        data_keyword_argument="request",
        persistence_store=persistence(),
        config=_CONFIG,
        key_prefix="api",
    )
    stored: dict[str, Any] = {}
    try:
        stored = guarded(request=request)
    except _NotKept:
        pass  # Powertools deleted the record, as for an error raised: a retry runs again
    except IdempotencyValidationError as exc:
        raise Conflict(
            "this Idempotency-Key was used with a different request", code="idempotency_key_reused"
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict(
            "a request with this Idempotency-Key is still running; retry shortly", code="request_in_progress"
        ) from exc
    return _answer(key, stored, answered, refused)


def _answer(key: str, stored: dict[str, Any], answered: list[Response], refused: list[HubError]) -> Response:
    if refused:  # ran now and refused, as every retry with this key will be told
        raise refused[0]
    if answered:  # ran now: the answer itself, which may hold what only its replay leaves out
        answered[0].headers["Idempotency-Key"] = key
        return answered[0]
    headers = {**stored.get("headers", {}), "Idempotency-Key": key}
    return Response(status_code=stored["status"], body=stored["body"], headers=headers)


def _request(app: APIGatewayHttpResolver, key: str) -> dict[str, Any]:
    """What the key's record is kept for: the tenant's key on this route, with this body's digest."""
    if not _KEY_SHAPE.match(key):
        raise BadRequest(
            "Idempotency-Key must be 1-255 printable ASCII characters", code="invalid_idempotency_key"
        )
    event = app.current_event
    return {
        "tenant": app.context["tenant"].slug,
        "key": key,
        "route": f"{event.http_method} {event.path}",
        "body_sha256": hashlib.sha256((event.decoded_body or "").encode()).hexdigest(),
    }


def replay_instead(app: BaseRouter, error: HubError) -> None:
    """Called by a route whose answer must not be stored (a secret shown once): a retry with the same
    Idempotency-Key gets this error instead, and the table never holds the answer. Called before the
    route raises `error`, it keeps that error as the key's answer (an error is otherwise not kept,
    so a retry runs again): for an outcome a retry must not try to change. `app` is the
    resolver or an included Router (both write the resolver's context)."""
    body = json.dumps(error_body(error.code, error.message, error.details), separators=(",", ":"))
    replay = {"status": http_status(error), "body": body, "headers": {"Content-Type": "application/json"}}
    app.append_context(**{_REPLAY: replay})
