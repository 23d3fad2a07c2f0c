"""Avtodialer's robot call outcomes in the hub's terms: the call-result webhook (spec/avtodialer.md §4,
JSON or form, field names as the tenant's cabinet names them) as a `RobotCallResult`, and a cdr row
(§2) as a `DialResult`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from pydantic import TypeAdapter, ValidationError

from hub.domain.calls import RobotCallResult, job_call_uuid
from hub.errors import BadRequest
from hub.http import json_payload
from hub.ids import now_ms
from hub.models.common import Seconds, WebUrl
from hub.models.tenant import AvtodialerFields
from hub.phones import e164_or_none
from hub.ports.vendors import DialResult

if TYPE_CHECKING:  # the webhook's function needs no HTTP client
    from hub.vendors.avtodialer.client import CdrRow

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
    phone = e164_or_none(raw_phone, country, fallbacks)
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
    """The call a result webhook is about. When it names its job (`query_id`), the job and the number:
    the dialer's cdr row of that call has both, so the two merge into one record whichever comes
    first. Without a job id nothing ties it to a cdr row, and the number alone would fold every call
    to that number into one: the id is then a hash of everything the webhook says, so the same webhook
    delivered twice still names the same call."""
    if result.query_id:
        return job_call_uuid(result.query_id, result.phone or result.phone_raw)
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


def dial_result(row: CdrRow, country: str, fallbacks: Sequence[str] = ()) -> DialResult:
    """A cdr row in the hub's terms: its number read as the webhook reads it (domestic `8...` with the
    tenant's country, then Avtodialer's home country), so both name the same call; a number that
    reads in no country is kept as given. The time is the row's own (it carries its zone)."""
    raw = row.number.strip()
    phone = e164_or_none(raw, country, fallbacks) or raw
    return DialResult(
        job_id=row.job_id,
        phone=phone,
        at=int(row.time.timestamp() * 1000),
        phone_raw=raw,
        code=row.code,
        seconds=row.seconds,
    )
