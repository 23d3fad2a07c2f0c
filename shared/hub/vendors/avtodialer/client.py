"""The hub as a client of Avtodialer's API (spec/avtodialer.md §1-3): `make` (a batch of robot calls),
`newcall` (one call) and `cdr` (call outcomes).

URLs are `{base_url}/{api_key}/{operation}`; JSON bodies are `{"query": {...}}` carrying the
`access_token`, as `make`'s documented example does (the scan shows `newcall`'s and `cdr`'s fields
without a wrapper; the service reads both). Calling a person twice is worse than not calling: nothing
here is ever resent after it may have reached the dialer, and a refused `VendorUnavailable` says in
`details["maybe_done"]` whether the batch may have been queued anyway (a read timeout, a 5xx other than
an empty 503), for the caller to mark it uncertain instead of sending it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import requests
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from hub.errors import BadRequest
from hub.models.common import LooseStr, OptionalLooseStr
from hub.vendors.http import (
    Call,
    HttpPolicy,
    Rows,
    checked,
    json_body,
    parse_one,
    parse_rows,
    send,
    unexpected_shape,
    vendor_session,
    web_base_url,
)

VENDOR = "avtodialer"
MAX_RECORDS = 1000  # seed: "the maximum number of records in one array is 1000"
MAX_VARIABLES = 3
CDR_TIME_FORMAT = "%Y-%m-%d %H:%M:%S %z"


@dataclass(frozen=True)
class RobotCall:
    """One person for the robot to call: `client_id` is the hub's id for them (the vendor's `UUID`),
    `scenario` the cabinet's scenario id (`generationtype`), `variables` fill its phrases (`var1..3`).
    The window is required: a `newcall` record without one is dialed at once, whatever the hour."""

    phone: str
    client_id: str
    scenario: str
    window_start: dt.time
    window_stop: dt.time
    name: str = ""
    variables: tuple[str, ...] = ()
    max_attempts: int = 1

    def fields(self) -> dict[str, str]:
        """The record's common fields, every value a string (the seed's examples send only strings)."""
        if not self.phone.strip() or not self.client_id.strip() or not self.scenario.strip():
            raise BadRequest("a robot call needs a phone, a client id and a scenario")
        if len(self.variables) > MAX_VARIABLES:
            raise BadRequest(f"a robot call takes at most {MAX_VARIABLES} variables")
        if self.max_attempts < 1:
            raise BadRequest("a robot call needs at least one dial attempt")
        variables = {f"var{i}": value for i, value in enumerate(self.variables, start=1)}
        return {
            "name": self.name,
            "phone": self.phone.strip(),
            "UUID": self.client_id.strip(),
            **variables,
            "maxcount": str(self.max_attempts),
            "generationtype": self.scenario.strip(),
        }


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class MakeReport(_Answer):
    """`make`'s report: records received, valid, queued; the vendor's error code and job id (above
    2^53, so a string, never a float)."""

    lines: int
    ok: int
    inserted: int
    errorcode: OptionalLooseStr = None
    job_id: OptionalLooseStr = Field(default=None, alias="id")


class NewCallResult(_Answer):
    job_id: LooseStr = Field(alias="QUERY_ID")
    count: int = Field(alias="QUERY_COUNT")


def _cdr_time(value: Any) -> Any:
    return dt.datetime.strptime(value.strip(), CDR_TIME_FORMAT) if isinstance(value, str) else value


class CdrRow(_Answer):
    """A robot call's outcome: the job, the number called, when the last attempt was (aware), the
    completion code and the talk seconds."""

    job_id: LooseStr = Field(alias="QUERY_ID")
    number: LooseStr = Field(alias="DST")
    time: Annotated[dt.datetime, BeforeValidator(_cdr_time)] = Field(alias="TIME")
    code: OptionalLooseStr = Field(default=None, alias="CODE")
    seconds: int = Field(default=0, alias="SEC", ge=0)


class AvtodialerClient:
    """One tenant's Avtodialer account: `base_url` is its site (`https://{site}`), `api_key` the path
    segment, `access_token` the body's token."""

    MAX_RECORDS = MAX_RECORDS  # as hub.ports.vendors.DialerClient reads it

    def __init__(
        self,
        base_url: str,
        api_key: str,
        access_token: str,
        *,
        session: requests.Session | None = None,
        policy: HttpPolicy | None = None,
    ) -> None:
        if not api_key or not access_token:
            raise ValueError("Avtodialer needs an API key and an access token")
        self.base_url = web_base_url(base_url, "Avtodialer base_url")
        self._api_key = api_key
        self._access_token = access_token
        self.policy = policy or HttpPolicy()
        self._http = vendor_session(self.policy, session)

    def make(self, calls: Sequence[RobotCall]) -> MakeReport:
        """Queue a batch of at most `MAX_RECORDS` robot calls, each with its window and no person twice
        (the service's own dropping of repeats is not relied on). Checked before anything is sent."""
        if not 1 <= len(calls) <= MAX_RECORDS:
            raise BadRequest(f"make takes 1 to {MAX_RECORDS} records, not {len(calls)}")
        records = []
        for number, robot_call in enumerate(calls, start=1):
            fields = robot_call.fields()
            records.append(
                {
                    "id": str(number),
                    **fields,
                    "statdialertime": robot_call.window_start.strftime("%H:%M:%S"),
                    "stopdialertime": robot_call.window_stop.strftime("%H:%M:%S"),
                }
            )
        for key in ("phone", "UUID"):
            if len({r[key] for r in records}) < len(records):
                raise BadRequest(f"make would send a {key} twice: one record per person")
        call = Call(VENDOR, "make", "POST")
        body = self._post(call, {"data": records})
        report = body.get("report") if isinstance(body, dict) else None
        if not isinstance(report, dict):
            raise unexpected_shape(call, 'an object with a "report"')
        return parse_one(MakeReport, report, call)

    def newcall(self, robot_call: RobotCall) -> NewCallResult:
        """Queue one robot call (`id` is always "0"; the name is required here)."""
        fields = robot_call.fields()
        if not robot_call.name.strip():
            raise BadRequest("newcall needs the person's name")
        record = {
            "id": "0",
            **fields,
            "timestart": robot_call.window_start.strftime("%H:%M"),
            "timestop": robot_call.window_stop.strftime("%H:%M"),
        }
        call = Call(VENDOR, "newcall", "POST")
        return parse_one(NewCallResult, self._post(call, record), call)

    def cdr(self, date_from: dt.date, date_to: dt.date, number: str | None = None) -> Rows[CdrRow]:
        """Outcomes of robot calls whose last attempt was between the two days (inclusive), for one
        number if given. A POST, so the transport does not resend it; it only reads, so a sync's
        queue may (`VendorUnavailable` is retryable)."""
        if date_from > date_to:
            raise BadRequest("cdr needs date_from <= date_to")
        fields = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        if number:
            fields["to"] = number
        call = Call(VENDOR, "cdr", "POST", read_only=True)
        return parse_rows(CdrRow, self._post(call, fields), call)

    def _post(self, call: Call, fields: dict[str, Any]) -> Any:
        url = f"{self.base_url}/{quote(self._api_key, safe='')}/{call.operation}"
        body = {"query": {"access_token": self._access_token, **fields}}
        return json_body(checked(send(self._http, call, url, self.policy, json=body), call), call)
