"""A fake Phonet cloud PBX: the REST API of spec §B (with the §B2 contact book, ``phonet_contacts``),
plus call scenarios played at the hub's webhooks (§A).

The hub is both Phonet's client (REST, cookie session) and its server (webhooks), so this fake does both:
it answers ``/rest/...`` with the documented status codes and plain-text errors, and ``play()`` POSTs the
lookup / call events / UTM bodies a real PBX would send, then records the call in its history so that
``company.api`` and ``missed.api`` return it -- the reconciliation path the hub relies on when webhooks
were lost.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from typing import Any, ClassVar

import requests
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from .base import FakeServer, Fault, json_response, text_response, tiny_wav
from .phonet_contacts import CONTACTS_MAX_LIMIT, DEFAULT_LIMIT, ContactBook, as_long, contact_body
from .phonet_scenarios import (
    HANGUP,
    INBOUND,
    OUTBOUND,
    Delivery,
    Leg,
    PlayParams,
    PlayResult,
    build_plan,
    finished_row,
    new_uuid,
    other_legs_from_lookup,
    recording_url,
    utm_rows,
)

DEFAULT_EMPLOYEES: list[dict[str, Any]] = [
    {"id": 36, "displayName": "Иван Иванов", "ext": "001", "email": "ivan@example.com"},
    {"id": 37, "displayName": "Анна Петренко", "ext": "002", "email": "anna@example.com"},
    {"id": 38, "displayName": "Олег Сидоренко", "ext": "003", "email": "oleg@example.com"},
]
MAX_LIMIT = 50
CALL_DIRECTIONS = frozenset({1, 2, 4})
USER_DIRECTIONS = frozenset({1, 2, 4, 32, 64})  # users.api may be asked for 32/64; absent means 1, 2, 4
ACTIVE_DROPPED = ("event", "accountDomain", "serverTime")  # event-only fields the active list lacks
PUBLIC_PATHS = ("/rest/security/authorize", "/rest/public/")
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")
EXPIRED_STATUSES = (403, 401, 302)  # the seed's 403; integrations also met 401 and a 302 to a login page
LOGIN_PAGE = "/login.jsp"  # with the fake's port: its own address, an alias of domain
INT_RE = re.compile(r"[-+]?\d{1,19}")


class PhonetFake(FakeServer):
    """Phonet PBX on loopback.

    ``limit_policy``: "reject" (default) answers 400 to ``limit`` > 50 -- the spec lists ``limit (<=50)``
    with "400 bad params"; "clamp" serves 50 rows instead. ``session_ttl`` (seconds) ages sessions out
    by themselves; ``expire_sessions()`` or an ``expire_session`` fault do it on demand.
    ``expired_status`` is what a request without a valid session gets: 403 as the seed says (default),
    or 401, or a 302 to the web login page, as public integrations report some PBXs answering.
    ``hook_base_url`` is the default target of ``play``; with ``on_make_call`` set to a scenario name,
    each ``makeCall`` also plays that scenario (in a background thread) with the new uuid, as the PBX
    would report the call it placed. ``recording_base`` defaults to ``https://{domain}``.

    ``authorize`` is refused (401) unless it was sent to the host named by the body's ``domain`` (seed
    §B): the Host header must name ``domain`` (any port) or be the fake's own ``host:port``, which
    stands for ``domain`` the way DNS resolves the real one; a body naming another domain, or a Host
    naming another server, gets no session.
    """

    name = "phonet"
    extra_fault_kinds = ("expire_session",)
    rules: ClassVar[list[Rule]] = [
        Rule("/rest/security/authorize", endpoint="authorize", methods=["POST"]),
        Rule("/rest/user/makeCall", endpoint="make_call", methods=["POST"]),
        Rule("/rest/calls/active/v3", endpoint="active", methods=["GET"]),
        Rule("/rest/calls/active/<uuid>/hangup", endpoint="hangup", methods=["GET"]),
        Rule("/rest/calls/company.api", endpoint="company_calls", methods=["GET"]),
        Rule("/rest/calls/users.api", endpoint="users_calls", methods=["GET"]),
        Rule("/rest/calls/missed.api", endpoint="missed_calls", methods=["GET"]),
        Rule("/rest/users", endpoint="users", methods=["GET"]),
        Rule("/rest/user/status", endpoint="user_status", methods=["GET"]),
        Rule("/rest/public/calls/<rec>/audio", endpoint="audio", methods=["GET"]),
        # the PBX's contact book (spec §B2); werkzeug tries the static paths before ``<cid>``
        Rule("/rest/crm/contacts/v2/", endpoint="contacts_list", methods=["GET"]),
        Rule("/rest/crm/contacts/v2/", endpoint="contact_update", methods=["POST"]),
        Rule("/rest/crm/contacts/v2/searchByOLNum", endpoint="contacts_by_num", methods=["GET"]),
        Rule("/rest/crm/contacts/v2/batch", endpoint="contacts_batch", methods=["POST"]),
        Rule("/rest/crm/contacts/v2/<cid>", endpoint="contact_get", methods=["GET"]),
        Rule("/rest/crm/contacts/v2/<cid>", endpoint="contact_delete", methods=["DELETE"]),
        Rule("/rest/crm/contacts/v2/<cid>/notes", endpoint="notes_list", methods=["GET"]),
        Rule("/rest/crm/contacts/v2/<cid>/notes", endpoint="note_add", methods=["POST"]),
        Rule("/rest/crm/contacts/v2/<cid>/notes", endpoint="note_update", methods=["PUT"]),
        Rule("/rest/crm/contacts/v2/<cid>/notes/<nid>", endpoint="note_delete", methods=["DELETE"]),
        Rule("/_fake/play", endpoint="ctl_play", methods=["POST"]),
        Rule("/_fake/expire_sessions", endpoint="ctl_expire", methods=["POST"]),
        Rule("/_fake/finished_calls", endpoint="ctl_finished_add", methods=["POST"]),
        Rule("/_fake/finished_calls", endpoint="ctl_finished_list", methods=["GET"]),
        Rule("/_fake/contacts", endpoint="ctl_contacts_add", methods=["POST"]),
    ]

    def __init__(
        self,
        port: int = 0,
        *,
        domain: str = "demo.phonet.com.ua",
        api_key: str = "demo-phonet-key",
        employees: list[dict[str, Any]] | None = None,
        trunk_num: str = "+380442246500",
        trunk_name: str = "www.phonet.com.ua",
        limit_policy: str = "reject",
        session_ttl: float | None = None,
        hook_base_url: str | None = None,
        on_make_call: str | None = None,
        recording_base: str | None = None,
        contacts: list[dict[str, Any]] | None = None,
        expired_status: int = 403,
        host: str = "127.0.0.1",
    ) -> None:
        if limit_policy not in ("reject", "clamp"):
            raise ValueError("limit_policy must be 'reject' or 'clamp'")
        if expired_status not in EXPIRED_STATUSES:
            raise ValueError(f"expired_status must be one of {EXPIRED_STATUSES}")
        self.expired_status = expired_status
        self.domain = domain
        self.api_key = api_key
        self.employees = [dict(e) for e in (employees if employees is not None else DEFAULT_EMPLOYEES)]
        self.trunk_num = trunk_num
        self.trunk_name = trunk_name
        self.limit_policy = limit_policy
        self.session_ttl = session_ttl
        self.hook_base_url = hook_base_url
        self.on_make_call = on_make_call
        self.recording_base = recording_base or f"https://{domain}"
        self._seed_contacts = [dict(c) for c in contacts or []]
        super().__init__(port, host)

    def _reset_state(self) -> None:
        self.sessions: dict[str, float] = {}
        self.active: dict[str, dict[str, Any]] = {}
        self.finished: list[dict[str, Any]] = []
        self.recordings: set[str] = set()
        self.plays: list[PlayResult] = []
        self.user_status = 0
        self._ended: set[str] = set()
        self.book = ContactBook()
        for c in self._seed_contacts:
            self.book.create(c, user_id=self._api_user())

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "sessions": len(self.sessions),
                "active": list(self.active.values()),
                "finished": list(self.finished),
                "plays": len(self.plays),
                "contacts": [self.book.get(cid) for cid in sorted(self.book.contacts)],
            }

    # ---- Python API ------------------------------------------------------------------------------
    def staff(self, ext: str) -> dict[str, Any]:
        """The employee with ``ext`` as an event's ``leg`` ({id, ext, displayName})."""
        for e in self.employees:
            if e.get("ext") == ext:
                return {"id": e.get("id"), "ext": e.get("ext"), "displayName": e.get("displayName")}
        raise ValueError(f"no employee with ext {ext!r}")

    def add_contact(self, body: dict[str, Any] | None = None, **plain: Any) -> dict[str, Any]:
        """Seed the contact book: a contact in the seed's shape, or ``contact_body`` keywords
        (first_name, last_name, company, phones, emails, category, responsible_user_id)."""
        with self._lock:
            body = body if body is not None else contact_body(**plain)
            return self.book.create(body, user_id=self._api_user())

    def _api_user(self) -> int | None:
        """The user an API session acts as (``createUserId`` of what it creates): the first employee."""
        return self.employees[0].get("id") if self.employees else None

    def expire_sessions(self) -> None:
        """Invalidate every JSESSIONID: the next REST call gets 403 until it re-authorizes."""
        with self._lock:
            self.sessions.clear()

    def add_finished_call(
        self,
        *,
        uuid: str | None = None,
        parent_uuid: str | None = None,
        end_at: int | None = None,
        direction: int = INBOUND,
        other_leg_num: str = "+380442246595",
        other_leg_name: str | None = None,
        ext: str = "001",
        bill_secs: int = 30,
        duration: int | None = None,
        disposition: int | None = None,
        trunk_num: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Seed the call history; ``end_at`` in ms (default now); camelCase ``overrides`` win."""
        end = (end_at if end_at is not None else int(time.time() * 1000)) / 1000
        total = duration if duration is not None else bill_secs + 5
        leg = Leg(
            uuid=uuid or new_uuid(),
            direction=direction,
            employee=self.staff(ext),
            dial_at=end - total,
            end_at=end,
            bridge_at=end - bill_secs if bill_secs else None,
            parent_uuid=parent_uuid,
            other_num=other_leg_num,
            trunk_num=trunk_num or self.trunk_num,
            trunk_name=self.trunk_name,
        )
        row = finished_row(
            leg,
            disposition if disposition is not None else (0 if bill_secs else 1),
            recording_base=self.recording_base,
            other_name=other_leg_name,
        )
        row.update(overrides)
        self._add_rows([row], split=False)
        return row

    def play(self, scenario: str, hook_base_url: str | None = None, **params: Any) -> PlayResult:
        """POST the scenario's lookup / events (/ UTM) to ``{hook_base_url}/lookup|events|utm``.

        Deliveries are synchronous and never raise on hub errors: the result records each status,
        reply or connection error. Afterwards the call is in the history (company/users/missed.api).
        """
        base = (hook_base_url or self.hook_base_url or "").rstrip("/")
        if not base:
            raise ValueError("play needs hook_base_url (argument or constructor)")
        p = PlayParams(**params)
        plan = build_plan(scenario, p, self.staff)
        result = PlayResult(scenario=scenario, uuid=plan.main.uuid, parent_uuid=plan.main.parent_uuid)
        other_legs = other_legs_from_lookup(None, p.caller)
        if plan.lookup is not None:
            reply = self._deliver(result, "lookup", f"{base}/lookup", plan.lookup, p).response
            other_legs = other_legs_from_lookup(reply, p.caller)
        for name, leg in plan.steps:
            body = leg.event(
                name, domain=self.domain, other_legs=other_legs, unit=p.time_unit, seed_shape=p.seed_shape
            )
            self._track(body)
            self._deliver(result, "event", f"{base}/events", body, p)
        name = other_legs[0]["name"]
        rows = [
            finished_row(leg, d, recording_base=self.recording_base, other_name=name)
            for leg, d in plan.finished
        ]
        self._add_rows(rows, split=p.split_recording)
        result.rows = rows
        result.recording_urls = self._recording_urls(rows, p.split_recording)
        if p.utm:
            self._deliver(result, "utm", f"{base}/utm", utm_rows(plan, p), p)
        with self._lock:
            self.plays.append(result)
        return result

    # ---- internals -------------------------------------------------------------------------------
    def _deliver(self, result: PlayResult, kind: str, url: str, body: Any, p: PlayParams) -> Delivery:
        if p.send_delay and result.deliveries:
            time.sleep(p.send_delay)
        d = Delivery(kind=kind, url=url, body=body)
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            r = requests.post(url, data=data, headers={"Content-Type": "application/json"}, timeout=p.timeout)
        except requests.RequestException as e:
            d.error = repr(e)
        else:
            d.status = r.status_code
            try:
                d.response = r.json()
            except ValueError:
                d.response = r.text
        result.deliveries.append(d)
        return d

    def _track(self, body: dict[str, Any]) -> None:
        """Keep ``/rest/calls/active/v3`` in step with the events sent (late events of a hung-up call
        don't resurrect it)."""
        if body["lgDirection"] not in CALL_DIRECTIONS:
            return
        uuid = body["uuid"]
        with self._lock:
            if body["event"] == HANGUP:
                self._ended.add(uuid)
                self.active.pop(uuid, None)
            elif uuid not in self._ended:
                call = {k: v for k, v in body.items() if k not in ACTIVE_DROPPED}
                self.active[uuid] = {**call, "lastEvent": body["event"]}

    def _add_rows(self, rows: list[dict[str, Any]], *, split: bool) -> None:
        with self._lock:
            self.finished.extend(rows)
            for row in rows:
                if row.get("audioRecUrl"):
                    suffixes = ("", "-rx", "-tx") if split else ("",)
                    self.recordings.update(row["uuid"] + s for s in suffixes)

    def _recording_urls(self, rows: list[dict[str, Any]], split: bool) -> list[str]:
        suffixes = ("", "-rx", "-tx") if split else ("",)
        return [
            recording_url(self.recording_base, r["uuid"], s)
            for r in rows
            if r["audioRecUrl"]
            for s in suffixes
        ]

    def _account(self, name: str) -> str:
        """The account domain a host name stands for: the fake's own address (its host or a loopback
        name, with its port) is an alias of ``domain``, as DNS resolves the real domain to the PBX; a
        port after the domain is ignored; DNS names compare case-insensitively."""
        name = name.strip().lower().rstrip(".")
        bare, _, port = name.rpartition(":") if name.count(":") == 1 or "]:" in name else (name, "", "")
        if port == str(self.port) and (bare in (self.host, *LOOPBACK) or self.host in ("0.0.0.0", "::")):
            return self.domain.lower()
        return self.domain.lower() if bare == self.domain.lower() else name

    def _session_ok(self, sid: str | None) -> bool:
        with self._lock:
            born = self.sessions.get(sid or "")
            if born is None:
                return False
            if self.session_ttl is not None and time.time() - born > self.session_ttl:
                del self.sessions[sid or ""]
                return False
            return True

    def _before(self, request: Request) -> Response | None:
        path = request.path
        if not path.startswith("/rest/") or path.startswith(PUBLIC_PATHS):
            return None
        if not self._session_ok(request.cookies.get("JSESSIONID")):
            return self._session_refused()
        if request.method in ("POST", "PUT") and not request.is_json:
            return text_response("Content-Type must be application/json", 415)
        return None

    def _session_refused(self) -> Response:
        if self.expired_status == 302:
            return Response("", 302, {"Location": f"https://{self.domain}{LOGIN_PAGE}"})
        if self.expired_status == 401:
            return text_response("Unauthorized: session expired", 401)
        return text_response("Forbidden: no valid session, authorize first", 403)

    def _custom_fault(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "expire_session":  # the session dies just before this request is handled
            with self._lock:
                self.sessions.pop(request.cookies.get("JSESSIONID", ""), None)
        return None

    # ---- REST handlers ---------------------------------------------------------------------------
    def _h_authorize(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return text_response("Body must be JSON {domain, apiKey}", 400)
        domain = body.get("domain")
        sent_to = self._account(request.host)
        if not isinstance(domain, str) or self._account(domain) != sent_to:
            # seed: "the request must be sent to the host equal to the value of the domain field"
            return text_response(f"Authorization for {domain} must be sent to https://{domain}", 401)
        if sent_to != self.domain.lower() or body.get("apiKey") != self.api_key:
            return text_response("Invalid domain or api key", 401)
        sid = secrets.token_hex(16).upper()
        with self._lock:
            self.sessions[sid] = time.time()
        response = Response("", 200)
        response.set_cookie("JSESSIONID", sid, path="/", httponly=True)
        return response

    def _h_make_call(self, request: Request) -> Response:
        body = _json_object(request)
        # the seed documents legExt as a String, yet its own curl sends "legExt":202
        ext, number = _id_text(body.get("legExt")), body.get("otherLegNum")
        if not isinstance(number, str) or not number.strip():
            return text_response("otherLegNum is required", 400)
        try:
            employee = self.staff(ext or "")
        except ValueError:
            return text_response(f"Unknown legExt: {ext}", 400)
        uuid = new_uuid()
        now = int(time.time() * 1000)
        other = other_legs_from_lookup(None, number)
        call = {
            "uuid": uuid,
            "parentUuid": None,
            "dialAt": now,
            "bridgeAt": None,
            "lgDirection": OUTBOUND,
            "leg": employee,
            "leg2": None,
            "otherLegs": other,
            "trunkNum": self.trunk_num,
            "trunkName": self.trunk_name,
            "lastEvent": "call.dial",
        }
        with self._lock:
            self.active[uuid] = call
        if self.on_make_call and self.hook_base_url:
            kw = {"uuid": uuid, "ext": ext, "caller": number}
            threading.Thread(target=self.play, args=(self.on_make_call,), kwargs=kw, daemon=True).start()
        return json_response({"uuid": uuid})

    def _h_active(self, request: Request) -> Any:
        with self._lock:
            return list(self.active.values())

    def _h_hangup(self, request: Request, uuid: str) -> Response:
        with self._lock:
            call = self.active.pop(uuid, None)
            if call is None:
                return text_response(f"No active call {uuid}", 404)
            self._ended.add(uuid)
        self._add_rows([self._row_from_active(call)], split=False)
        return Response("", 200)

    def _row_from_active(self, call: dict[str, Any]) -> dict[str, Any]:
        """A hung-up live call becomes a history row (answered iff it was bridged)."""

        def secs(v: int | None) -> float | None:
            return None if v is None else (v / 1000 if v >= 10**11 else float(v))

        other = (call.get("otherLegs") or [{}])[0]
        leg = Leg(
            uuid=call["uuid"],
            direction=call["lgDirection"],
            employee=call["leg"],
            employee2=call.get("leg2"),
            dial_at=secs(call["dialAt"]) or time.time(),
            bridge_at=secs(call.get("bridgeAt")),
            end_at=time.time(),
            parent_uuid=call.get("parentUuid"),
            other_num=other.get("num"),
            trunk_num=call.get("trunkNum"),
            trunk_name=call.get("trunkName"),
        )
        disposition = 0 if leg.bridge_at is not None else 1
        return finished_row(
            leg, disposition, recording_base=self.recording_base, other_name=other.get("name")
        )

    def _h_company_calls(self, request: Request) -> Any:
        return self._history(request, CALL_DIRECTIONS, lambda r: r["lgDirection"] in CALL_DIRECTIONS)

    def _h_users_calls(self, request: Request) -> Any:
        return self._history(request, USER_DIRECTIONS, lambda r: True, default=CALL_DIRECTIONS)

    def _h_missed_calls(self, request: Request) -> Any:
        # missed.api documents no ``directions``: like any unknown query parameter, it is ignored
        return self._history(request, CALL_DIRECTIONS, self._still_missed, directions=False)

    def _still_missed(self, row: dict[str, Any]) -> bool:
        """An unanswered inbound call nobody has since talked to (the list of calls to return)."""
        if row["lgDirection"] != INBOUND or row["disposition"] == 0:
            return False
        return not any(
            r["disposition"] == 0 and r["otherLegNum"] == row["otherLegNum"] and r["endAt"] > row["endAt"]
            for r in self.finished
        )

    def _history(
        self,
        request: Request,
        allowed: frozenset[int],
        keep: Any,
        *,
        default: frozenset[int] | None = None,
        directions: bool = True,
    ) -> list[dict[str, Any]]:
        """One history page; ``default`` = the directions served when the request names none."""
        t_from, t_to = _int_arg(request, "timeFrom"), _int_arg(request, "timeTo")
        if t_from > t_to:
            raise BadRequest("timeFrom must not be after timeTo")
        limit = _int_arg(request, "limit", default=MAX_LIMIT, low=1)
        if limit > MAX_LIMIT:
            if self.limit_policy == "reject":
                raise BadRequest(f"limit must be <= {MAX_LIMIT}")
            limit = MAX_LIMIT
        offset = _int_arg(request, "offset", default=0)
        wanted = _directions(request, allowed) if directions else frozenset()
        wanted = wanted or default or allowed
        with self._lock:
            rows = [
                r
                for r in self.finished
                if t_from <= r["endAt"] <= t_to and r["lgDirection"] in wanted and keep(r)
            ]
        rows.sort(key=lambda r: r["endAt"])
        return rows[offset : offset + limit]

    def _h_users(self, request: Request) -> Any:
        return [dict(e) for e in self.employees]

    def _h_user_status(self, request: Request) -> Any:
        return {"status": self.user_status}

    def _h_audio(self, request: Request, rec: str) -> Response:
        with self._lock:
            known = rec in self.recordings
        if not known:
            return text_response(f"No recording {rec}", 404)
        return Response(tiny_wav(), 200, content_type="audio/wav")

    # ---- contact book (spec §B2) -----------------------------------------------------------------
    def _page_args(self, request: Request) -> dict[str, int]:
        """``offset`` (default 0, >= 0) and ``limit`` (default 30, 0..60) of the contact lists."""
        offset = _int_arg(request, "offset", default=0)
        limit = _int_arg(request, "limit", default=DEFAULT_LIMIT)
        if limit > CONTACTS_MAX_LIMIT:
            if self.limit_policy == "reject":
                raise BadRequest(f"limit must be <= {CONTACTS_MAX_LIMIT}")
            limit = CONTACTS_MAX_LIMIT
        return {"offset": offset, "limit": limit}

    def _h_contacts_list(self, request: Request) -> Any:
        a = request.args
        filter_by = _opt_int(request, "filterBy")
        page = self._page_args(request)
        window = {"t_from": _opt_int(request, "from"), "t_to": _opt_int(request, "to")}
        with self._lock:
            return self.book.page(
                **page,
                search_text=a.get("searchText"),
                search_note_text=a.get("searchNoteText"),
                fields=a.getlist("field"),
                filter_by=filter_by,
                **(window if filter_by is not None else {}),
            )

    def _h_contacts_by_num(self, request: Request) -> Any:
        number = request.args.get("otherLegNum")
        if not number or not number.strip():
            raise BadRequest("otherLegNum is required")
        page = self._page_args(request)
        with self._lock:
            return self.book.search_by_num(number, **page)

    def _h_contact_get(self, request: Request, cid: str) -> Any:
        with self._lock:
            return self.book.get(_path_long(cid, "id"))

    def _h_contact_update(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        with self._lock:
            self.book.update(body)
        return json_response(1)

    def _h_contact_delete(self, request: Request, cid: str) -> Response:
        with self._lock:
            self.book.delete(_path_long(cid, "id"))
        return json_response(1)

    def _h_contacts_batch(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        with self._lock:
            return json_response(self.book.batch(body, user_id=self._api_user()), 201)

    def _h_notes_list(self, request: Request, cid: str) -> Any:
        with self._lock:
            return self.book.list_notes(_path_long(cid, "id"))

    def _h_note_add(self, request: Request, cid: str) -> Any:
        contact_id = _path_long(cid, "id")
        with self._lock:
            return self.book.add_note(contact_id, request.get_json(silent=True))

    def _h_note_update(self, request: Request, cid: str) -> Response:
        contact_id = _path_long(cid, "id")
        with self._lock:
            self.book.update_note(contact_id, request.get_json(silent=True))
        return json_response(1)

    def _h_note_delete(self, request: Request, cid: str, nid: str) -> Response:
        contact_id, note_id = _path_long(cid, "cntId"), _path_long(nid, "noteId")
        with self._lock:
            self.book.delete_note(contact_id, note_id)
        return json_response(1)

    # ---- control handlers ------------------------------------------------------------------------
    def _h_ctl_play(self, request: Request) -> Response:
        spec = request.get_json(silent=True)
        if not isinstance(spec, dict) or "scenario" not in spec:
            return text_response('body must be JSON {"scenario": ..., "hook_base_url": ..., params}', 400)
        try:
            result = self.play(spec.pop("scenario"), spec.pop("hook_base_url", None), **spec)
        except (TypeError, ValueError) as e:
            return text_response(f"bad play request: {e}", 400)
        return json_response(result.to_dict())

    def _h_ctl_expire(self, request: Request) -> Any:
        self.expire_sessions()
        return {"ok": True}

    def _h_ctl_finished_add(self, request: Request) -> Response:
        spec = request.get_json(silent=True)
        try:
            row = self.add_finished_call(**(spec if isinstance(spec, dict) else {}))
        except (TypeError, ValueError) as e:
            return text_response(f"bad finished call: {e}", 400)
        return json_response(row, 201)

    def _h_ctl_contacts_add(self, request: Request) -> Response:
        """Seed the contact book from another process: a contact in the seed's shape, or a list."""
        spec = request.get_json(silent=True)
        specs = spec if isinstance(spec, list) else [spec]
        try:
            made = [self.add_contact(s) for s in specs]
        except HTTPException as e:
            return text_response(f"bad contact: {e.description}", 400)
        return json_response(made, 201)

    def _h_ctl_finished_list(self, request: Request) -> Any:
        with self._lock:
            return list(self.finished)


def _id_text(value: Any) -> str | None:
    """An id the seed shows both as a string and as a number (``"001"`` / ``202``), as text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) else None


def _json_object(request: Request) -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _path_long(raw: str, name: str) -> int:
    """A ``{id}`` path segment, a Java Long (400 when it is not one)."""
    return as_long(raw, name, required=True) or 0


def _opt_int(request: Request, name: str) -> int | None:
    return _int_arg(request, name, default=-1, low=0) if request.args.get(name, "").strip() else None


def _int_arg(request: Request, name: str, default: int | None = None, low: int = 0) -> int:
    """An integer query parameter; surrounding blanks are trimmed, as the PBX's number binder does."""
    raw = request.args.get(name, "").strip()
    if raw == "":
        if default is None:
            raise BadRequest(f"{name} is required")
        return default
    if not INT_RE.fullmatch(raw):
        raise BadRequest(f"{name} must be an integer")
    value = int(raw)
    if value < low:
        raise BadRequest(f"{name} must be >= {low}")
    return value


def _directions(request: Request, allowed: frozenset[int]) -> frozenset[int]:
    """``directions`` as ``1,2`` or repeated ``directions=1&directions=2``; empty when absent."""
    try:
        wanted = frozenset(int(x) for raw in request.args.getlist("directions") for x in raw.split(",") if x)
    except ValueError:
        raise BadRequest("directions must be integers") from None
    if wanted - allowed:
        raise BadRequest(f"directions must be among {sorted(allowed)}")
    return wanted


__all__ = ["PhonetFake", "PlayParams", "PlayResult"]
