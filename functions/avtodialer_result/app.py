"""Avtodialer's call-result webhook (spec/avtodialer.md §4): JSON or form, field names per tenant."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter, ValidationError

from hub import wiring
from hub.domain.calls import RobotCallResult
from hub.errors import BadRequest, InvalidPhone
from hub.http import json_payload, json_resolver, request_body
from hub.ids import now_ms
from hub.models.common import Seconds, WebUrl
from hub.models.tenant import AvtodialerFields, Vendor
from hub.phones import normalize_phone
from hub.webhooks import webhook_tenant

logger = Logger()
metrics = Metrics()
app = json_resolver(logger)
_SECONDS = TypeAdapter(Seconds | None)
_RECORDING = TypeAdapter(WebUrl | None)


def webhook_fields(body: str, content_type: str) -> dict[str, str]:
    """A flat field map from a JSON object or a form-encoded body, whichever the cabinet sends."""
    text = body.strip()
    if "json" in content_type or text.startswith("{"):
        payload = json_payload(text)
        if not isinstance(payload, dict):
            raise BadRequest("expected a JSON object")
        return {
            str(k): "" if v is None else str(v) for k, v in payload.items() if not isinstance(v, dict | list)
        }
    return dict(parse_qsl(text, keep_blank_values=True))


def robot_call(
    fields: dict[str, str], names: AvtodialerFields, country: str, fallbacks: Sequence[str] = ()
) -> RobotCallResult:
    """The call in our terms. A number no country makes sense of is kept raw: the call still happened."""

    def field(name: str) -> str | None:
        values = ((fields.get(key) or "").strip() for key in getattr(names, name))
        return next((value for value in values if value), None)

    raw_phone = field("phone")
    if raw_phone is None:
        expected = " or ".join(repr(name) for name in names.phone)
        raise BadRequest(f"the field {expected} (the number called) is missing", code="missing_phone")
    try:
        seconds = _SECONDS.validate_python(field("duration"))
    except ValidationError as exc:
        raise BadRequest(f"the field {names.duration!r} is not a number of seconds up to a day") from exc
    try:
        recording = _RECORDING.validate_python(field("record"))
    except ValidationError as exc:
        raise BadRequest(f"the field {names.record!r} is not an http(s) link", code="invalid_url") from exc
    phone = None
    with contextlib.suppress(InvalidPhone):
        phone = normalize_phone(raw_phone, country, fallbacks)
    return RobotCallResult(
        phone=phone,
        phone_raw=raw_phone,
        received_at=now_ms(),
        duration_seconds=seconds,
        recording=recording,
        answer=field("answer"),
        code=field("code"),
        our_uuid=field("uuid"),
        query_id=field("query_id"),
    )


def robot_call_uuid(result: RobotCallResult) -> str:
    """The same webhook delivered twice names the same call."""
    key = "|".join(
        str(v)
        for v in (
            result.query_id,
            result.our_uuid,
            result.phone or result.phone_raw,
            result.duration_seconds,
            result.recording,
            result.code,
            result.answer,
        )
    )
    return "avt-" + hashlib.sha256(key.encode()).hexdigest()[:32]


@app.post("/hooks/avtodialer/<token>/result")
def result(token: str) -> dict[str, Any]:
    context = webhook_tenant(app, token, Vendor.AVTODIALER, logger)
    body = request_body(app)
    fields = webhook_fields(body, app.current_event.headers.get("content-type", ""))
    tenant = context.tenant
    outcome = robot_call(
        fields,
        tenant.settings.avtodialer_fields,
        tenant.default_country,
        tenant.phone_fallbacks(Vendor.AVTODIALER),
    )
    uuid = robot_call_uuid(outcome)
    wiring.webhook_log().put(context.slug, "avtodialer", uuid, body)
    call = wiring.call_service().record_robot_call(context, uuid, outcome)
    return {"result": "ok", "call": call.uuid}


@logger.inject_lambda_context(clear_state=True, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
