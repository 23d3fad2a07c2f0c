"""A fake Avtodialer robot dialer: ``make`` / ``newcall`` / ``cdr`` (spec §1-3) and its result webhook (§4).

The costly failure with a robot dialer is calling a person twice, so this fake counts every record it
queued per phone and per UUID (``dial_counts()``) and, unlike the real service, does not deduplicate
by default: a hub that resends a chunk shows up as a count of 2. Job ids are consecutive integers
above 2^53, so a client that turns them into floats maps two jobs onto one id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import requests
from werkzeug.exceptions import BadRequest
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import FakeServer, counted, json_response, parse_body, tiny_wav

FIRST_JOB_ID = 40133707428585176  # the spec's example id; > 2**53
PHONE_RE = re.compile(r"\+?\d{10,15}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DEFAULT_WEBHOOK_FIELDS: dict[str, str | None] = {
    "phone": "phone",
    "duration": "duration",
    "recording": "record",
    "answer": "answer",
    "uuid": "UUID",
    "code": "code",
    "query_id": "query_id",
}
# make's window (seed footnote **): a record without one inherits the previous record's; defaults 10:00, 19:00
DEFAULT_WINDOW = ("10:00", "19:00")
# errorcode of the make report (the spec shows one example, "2" with ok 3 / inserted 2; the rest is ours)
ERR_NONE, ERR_INVALID, ERR_NOT_INSERTED, ERR_TOO_MANY = "0", "1", "2", "4"


@dataclass
class QueuedCall:
    """One record accepted for dialing."""

    query_id: str
    source: str  # make | newcall
    phone: str
    uuid: str
    record: dict[str, Any]
    window: tuple[str | None, str | None] | None  # None: newcall without one, dialed at once (seed ***)
    day: str | None = None  # make: the day dialing is allowed (seed: default "the current date")
    status: str = "queued"  # queued | done

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AvtodialerFake(FakeServer):
    """Avtodialer on loopback; the API key is the first path segment. As in the seed, only ``make``'s
    body carries an ``access_token`` (checked there); ``newcall`` and ``cdr`` show none and need none.

    ``webhook_url`` receives a POST per completed call (``webhook_format`` "json" or "form"), with
    logical fields renamed by ``webhook_fields`` (keys: phone, duration, recording, answer, uuid, code,
    query_id; map one to None to omit it); ``webhook_codes`` limits firing to those CODEs.
    ``dedupe_uuid`` makes ``make`` skip records whose UUID is already queued (the real service's
    ``inserted`` < ``ok``), off by default so double sends stay visible.
    """

    name = "avtodialer"
    rules: ClassVar[list[Rule]] = [
        Rule("/<apikey>/make", endpoint="make", methods=["POST"]),
        Rule("/<apikey>/newcall", endpoint="newcall", methods=["POST"]),
        Rule("/<apikey>/cdr", endpoint="cdr", methods=["POST"]),
        Rule("/records/<name>.wav", endpoint="record", methods=["GET"]),
        Rule("/_fake/complete", endpoint="ctl_complete", methods=["POST"]),
        Rule("/_fake/dial_counts", endpoint="ctl_dial_counts", methods=["GET"]),
    ]

    def __init__(
        self,
        port: int = 0,
        *,
        api_key: str = "demo-avtodialer-key",
        access_token: str = "demo-access-token",
        webhook_url: str | None = None,
        webhook_format: str = "json",
        webhook_fields: dict[str, str | None] | None = None,
        webhook_codes: set[str] | None = None,
        max_records: int = 1000,
        dedupe_uuid: bool = False,
        utc_offset_hours: int = 3,
        host: str = "127.0.0.1",
    ) -> None:
        if webhook_format not in ("json", "form"):
            raise ValueError("webhook_format must be 'json' or 'form'")
        self.api_key = api_key
        self.access_token = access_token
        self.webhook_url = webhook_url
        self.webhook_format = webhook_format
        self.webhook_fields = {**DEFAULT_WEBHOOK_FIELDS, **(webhook_fields or {})}
        self.webhook_codes = webhook_codes
        self.max_records = max_records
        self.dedupe_uuid = dedupe_uuid
        self.tz = dt.timezone(dt.timedelta(hours=utc_offset_hours))
        super().__init__(port, host)

    def _reset_state(self) -> None:
        self.calls: list[QueuedCall] = []
        self.cdr_rows: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []  # {"record", "reason"}
        self.webhooks: list[dict[str, Any]] = []  # {"url", "payload", "status", "error"}
        self.recordings: set[str] = set()
        self._next_id = FIRST_JOB_ID

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": [c.to_dict() for c in self.calls],
                "cdr": list(self.cdr_rows),
                "rejected": list(self.rejected),
                "webhooks": list(self.webhooks),
                "dial_counts": self.dial_counts(),
            }

    # ---- Python API ------------------------------------------------------------------------------
    def dial_counts(self) -> dict[str, dict[str, int]]:
        """How many times each phone / UUID was queued: ``{"phone": {...}, "uuid": {...}}``."""
        with self._lock:
            return {
                "phone": counted(c.phone for c in self.calls),
                "uuid": counted(c.uuid for c in self.calls),
            }

    def dialed_twice(self) -> list[str]:
        """UUIDs queued more than once (should always be empty)."""
        return [u for u, n in self.dial_counts()["uuid"].items() if n > 1]

    def queued(self) -> list[QueuedCall]:
        with self._lock:
            return [c for c in self.calls if c.status == "queued"]

    def complete(
        self,
        uuid: str | None = None,
        *,
        phone: str | None = None,
        code: str = "ANSWERED",
        sec: int = 42,
        answer: str = "да",
        when: dt.datetime | None = None,
        fire_webhook: bool = True,
    ) -> list[dict[str, Any]]:
        """Finish queued calls (all, or those matching ``uuid`` / ``phone``): add a cdr row for each and
        fire the result webhook. Returns ``[{"call", "cdr", "webhook"}]``."""
        stamp = (when or dt.datetime.now(self.tz)).astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S %z")
        done = []
        with self._lock:
            for call in self.calls:
                if call.status != "queued" or (uuid and call.uuid != uuid) or (phone and call.phone != phone):
                    continue
                call.status = "done"
                row = {
                    "QUERY_ID": int(call.query_id),
                    "DST": call.phone,
                    "TIME": stamp,
                    "CODE": code,
                    "SEC": sec,
                }
                self.cdr_rows.append(row)
                done.append((call, row))
        out = []
        for call, row in done:
            hook = None
            if (
                fire_webhook
                and self.webhook_url
                and (self.webhook_codes is None or code in self.webhook_codes)
            ):
                hook = self._fire(call, row, answer)
            out.append({"call": call.to_dict(), "cdr": row, "webhook": hook})
        return out

    # ---- internals -------------------------------------------------------------------------------
    def _fire(self, call: QueuedCall, row: dict[str, Any], answer: str) -> dict[str, Any]:
        rec = ""
        if row["SEC"] > 0:
            name = f"{call.query_id}-{call.uuid}"
            with self._lock:
                self.recordings.add(name)
            rec = f"{self.url}/records/{name}.wav"
        values: dict[str, Any] = {
            "phone": call.phone,
            "duration": row["SEC"],
            "recording": rec,
            "answer": answer,
            "uuid": call.uuid,
            "code": row["CODE"],
            "query_id": call.query_id,
        }
        payload = {self.webhook_fields[k]: v for k, v in values.items() if self.webhook_fields.get(k)}
        hook: dict[str, Any] = {"url": self.webhook_url, "payload": payload, "status": None, "error": None}
        try:
            if self.webhook_format == "form":
                r = requests.post(
                    self.webhook_url or "", data={k: str(v) for k, v in payload.items()}, timeout=5
                )
            else:
                r = requests.post(self.webhook_url or "", json=payload, timeout=5)
            hook["status"] = r.status_code
        except requests.RequestException as e:
            hook["error"] = repr(e)
        with self._lock:
            self.webhooks.append(hook)
        return hook

    def _new_job(self) -> str:
        with self._lock:
            self._next_id += 1
            return str(self._next_id - 1)

    def _auth(self, apikey: str, params: dict[str, Any] | None = None) -> Response | None:
        """The path's API key; with ``params``, also the body's ``access_token`` (``make`` only)."""
        if apikey != self.api_key:
            return json_response({"error": "invalid api key"}, 401)
        if params is not None and params.get("access_token") != self.access_token:
            return json_response({"error": "invalid access_token"}, 403)
        return None

    def _error(self, status: int, message: str) -> Response:
        return json_response({"error": message}, status)

    def _queue(
        self, job: str, source: str, record: dict[str, Any], window: Any, day: str | None = None
    ) -> bool:
        """Queue one valid record; False when ``dedupe_uuid`` skips it."""
        with self._lock:
            if self.dedupe_uuid and any(
                c.uuid == record["UUID"] and c.status == "queued" for c in self.calls
            ):
                return False
            phone, uuid = str(record["phone"]), str(record["UUID"])
            self.calls.append(QueuedCall(job, source, phone, uuid, dict(record), window, day))
            return True

    def _reject(self, record: Any, reason: str) -> None:
        with self._lock:
            self.rejected.append({"record": record, "reason": reason})

    # ---- handlers --------------------------------------------------------------------------------
    def _h_make(self, request: Request, apikey: str) -> Response:
        q = _query(request)
        if (denied := self._auth(apikey, q)) is not None:
            return denied
        data = q.get("data")
        if not isinstance(data, list):
            return json_response({"error": "query.data must be a list of records"}, 400)
        if len(data) > self.max_records:
            report = _report(len(data), 0, 0, ERR_TOO_MANY, "")
            return json_response(report, 400)
        job = self._new_job()
        ok = inserted = 0
        start, stop = DEFAULT_WINDOW
        today = dt.datetime.now(self.tz).date().isoformat()
        for record in data:
            if isinstance(record, dict):  # seed **: inherited from the previous record, else the defaults
                start = record.get("statdialertime") or start
                stop = record.get("stopdialertime") or stop
            problem = _problem(record, ("phone", "UUID"), strict_strings=True)
            if problem:
                self._reject(record, problem)
                continue
            ok += 1
            inserted += self._queue(job, "make", record, (start, stop), today)
        code = ERR_NONE if inserted == len(data) else ERR_INVALID if ok < len(data) else ERR_NOT_INSERTED
        return json_response(_report(len(data), ok, inserted, code, job))

    def _h_newcall(self, request: Request, apikey: str) -> Response:
        q = _query(request)
        if (denied := self._auth(apikey)) is not None:
            return denied
        data = q.get("data")
        records = data if isinstance(data, list) else [{k: v for k, v in q.items() if k != "access_token"}]
        job = self._new_job()
        start = stop = None
        accepted = 0
        for record in records:
            if isinstance(record, dict):  # spec: timestart/timestop are inherited from the previous record
                start, stop = record.get("timestart", start), record.get("timestop", stop)
            problem = _problem(record, ("name", "phone", "UUID", "generationtype"), strict_strings=False)
            if problem:
                self._reject(record, problem)
                continue
            window = (start, stop) if start or stop else None
            accepted += self._queue(job, "newcall", record, window)
        return json_response({"QUERY_ID": int(job), "QUERY_COUNT": accepted})

    def _h_cdr(self, request: Request, apikey: str) -> Response:
        q = _query(request)
        if (denied := self._auth(apikey)) is not None:
            return denied
        first, last = _date(q, "date_from"), _date(q, "date_to")
        to = q.get("to")
        with self._lock:
            rows = [
                r for r in self.cdr_rows if first <= r["TIME"][:10] <= last and (not to or r["DST"] == to)
            ]
        return json_response(rows)

    def _h_record(self, request: Request, name: str) -> Response:
        with self._lock:
            known = name in self.recordings
        if not known:
            return json_response({"error": "no such record"}, 404)
        return Response(tiny_wav(), 200, content_type="audio/wav")

    def _h_ctl_complete(self, request: Request) -> Response:
        spec = request.get_json(silent=True) or {}
        if not isinstance(spec, dict):
            return json_response({"error": "body must be a JSON object"}, 400)
        if isinstance(spec.get("when"), str):
            spec["when"] = dt.datetime.fromisoformat(spec["when"])
        try:
            return json_response(self.complete(**spec))
        except TypeError as e:
            return json_response({"error": str(e)}, 400)

    def _h_ctl_dial_counts(self, request: Request) -> Any:
        return self.dial_counts()


def _query(request: Request) -> dict[str, Any]:
    """Parameters from ``{"query": {...}}``, a flat JSON object, or form fields."""
    body = parse_body(request)
    if isinstance(body, dict) and isinstance(body.get("query"), dict):
        return body["query"]
    return body if isinstance(body, dict) else {}


def _problem(record: Any, required: tuple[str, ...], *, strict_strings: bool) -> str | None:
    """Why a record is invalid, or None. ``make`` takes strings only (spec: "All values are strings")."""
    if not isinstance(record, dict):
        return "record is not an object"
    types = (str,) if strict_strings else (str, int)
    if bad := sorted(k for k, v in record.items() if not isinstance(v, types) or isinstance(v, bool)):
        return f"values must be strings: {', '.join(bad)}"
    if missing := [k for k in required if record.get(k) in (None, "")]:
        return f"required: {', '.join(missing)}"
    if not PHONE_RE.fullmatch(str(record["phone"])):
        return "phone must be 10-15 digits"
    return None


def _report(lines: int, ok: int, inserted: int, errorcode: str, job: str) -> dict[str, Any]:
    return {
        "report": {
            "lines": str(lines),
            "ok": str(ok),
            "inserted": str(inserted),
            "errorcode": errorcode,
            "id": job,
        }
    }


def _date(q: dict[str, Any], name: str) -> str:
    raw = q.get(name)
    if not raw:
        raise BadRequest(f"{name} is required")
    if not isinstance(raw, str) or not DATE_RE.fullmatch(raw):
        raise BadRequest(f"{name} must be YYYY-MM-DD")
    try:
        dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} is not a real date") from None
    return raw


__all__ = ["AvtodialerFake", "QueuedCall"]
