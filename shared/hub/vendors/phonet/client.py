"""The hub as a client of Phonet's REST API (spec/phonet.md §B; the contact book §B2 comes later).

A cookie session: `authorize` trades the tenant's domain and API key for a JSESSIONID, which every
other call carries. Sessions are kept in memory and in an injected `SessionCache` (the port in
hub.ports.vendors, so warm and cold invocations can share one) until their expiry. An expired
session answers 403 (the seed), 401 or a redirect to a login page (what integrations saw): the
client then authorizes again, once, and sends the request again; refused twice, it raises
`VendorAuthExpired`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import quote

import requests
from aws_lambda_powertools import Logger

from hub.errors import BadRequest, VendorAuthExpired, VendorRejected
from hub.ports.vendors import SessionCache
from hub.secrets import sha256_hex
from hub.vendors.http import (
    Call,
    HttpPolicy,
    Rows,
    checked,
    json_body,
    parse_one,
    parse_rows,
    send,
    vendor_session,
    web_base_url,
)
from hub.vendors.phonet.models import UUID_PATTERN
from hub.vendors.phonet.rest import (
    ActiveCall,
    CallStarted,
    FinishedCall,
    PbxUser,
    PbxUserStatus,
    UserStatusAnswer,
)

logger = Logger()

VENDOR = "phonet"
SESSION_COOKIE = "JSESSIONID"
MAX_PAGE = 50  # seed: `limit` "cannot exceed 50 calls"
DEFAULT_SESSION_TTL = 20 * 60.0  # the seed names none; a stale one costs one re-authorization
# How many pages one history read may take (50 000 rows): a PBX that ignored `offset` would otherwise
# serve the same full page forever.
MAX_PAGES = 1000
UUID_RE = re.compile(UUID_PATTERN)  # the shape the PBX's events give a call's uuid
EXPIRED_STATUSES = frozenset({301, 302, 303, 307, 308, 401, 403})


class MemorySessionCache:
    """A `SessionCache` in this process's memory: for tests and the local runner, or as the warm layer."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._sessions: dict[str, tuple[str, float]] = {}

    def load(self, key: str) -> str | None:
        saved = self._sessions.get(key)
        if saved is None or saved[1] <= self._clock():
            return None
        return saved[0]

    def save(self, key: str, session_id: str, ttl_seconds: float) -> None:
        self._sessions[key] = (session_id, self._clock() + ttl_seconds)

    def forget(self, key: str, session_id: str) -> None:
        if self._sessions.get(key, ("", 0.0))[0] == session_id:
            del self._sessions[key]


@dataclass(frozen=True)
class HistoryPage(Rows[FinishedCall]):
    """One page of a call history read: its rows (`invalid` ones count toward the page's size: the PBX
    sent them) and `offset`, where it starts."""

    offset: int = 0


class PhonetClient:
    """One tenant's Phonet account. `base_url` defaults to `https://{domain}` (the seed: authorize must
    be sent to the host named by `domain`); the local fakes and tests stand in with their own."""

    def __init__(
        self,
        domain: str,
        api_key: str,
        *,
        base_url: str | None = None,
        session: requests.Session | None = None,
        session_cache: SessionCache | None = None,
        policy: HttpPolicy | None = None,
        session_ttl: float = DEFAULT_SESSION_TTL,
    ) -> None:
        if not domain.strip() or not api_key:
            raise ValueError("Phonet needs a domain and an API key")
        self.domain = domain.strip()
        self._api_key = api_key
        self.base_url = web_base_url(base_url or f"https://{self.domain}", "Phonet base_url")
        self.policy = policy or HttpPolicy()
        self._http = vendor_session(self.policy, session)
        self._cache = session_cache
        self._ttl = session_ttl
        # the key's fingerprint is part of the name: a changed key never reuses the old key's session
        self._cache_key = f"phonet:{self.domain.lower()}:{sha256_hex(api_key)[:16]}"
        self._session_id: str | None = None
        self._session_expires = 0.0

    # ---- the session ---------------------------------------------------------------------------
    def authorize(self) -> str:
        """A new session for the tenant's domain and key, saved for later calls.

        Refused (4xx): `VendorRejected` with code `vendor_auth_refused` (the key or domain is wrong;
        retrying cannot help). A 200 without a JSESSIONID cookie is a failed authorization,
        `VendorAuthExpired`, never an empty session."""
        call = Call(VENDOR, "authorize", "POST")
        body = {"domain": self.domain, "apiKey": self._api_key}
        response = send(self._http, call, f"{self.base_url}/rest/security/authorize", self.policy, json=body)
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise VendorRejected(
                f"phonet authorize: the domain or API key was refused ({response.status_code})",
                code="vendor_auth_refused",
                details=call.details(status=response.status_code, maybe_done=False),
            )
        checked(response, call)
        session_id, max_age = _session_cookie(response)
        if not session_id:
            raise VendorAuthExpired(
                f"phonet authorize: answered {response.status_code} without a {SESSION_COOKIE} cookie",
                details=call.details(status=response.status_code),
            )
        ttl = min(self._ttl, max_age) if max_age and max_age > 0 else self._ttl
        self._session_id, self._session_expires = session_id, time.time() + ttl
        if self._cache is not None:
            self._cache.save(self._cache_key, session_id, ttl)
        return session_id

    def _current_session(self) -> str:
        if self._session_id and time.time() < self._session_expires:
            return self._session_id
        cached = self._cache.load(self._cache_key) if self._cache is not None else None
        if cached:
            self._session_id, self._session_expires = cached, time.time() + self._ttl
            return cached
        return self.authorize()

    def _forget_session(self, session_id: str) -> None:
        self._session_id = None
        if self._cache is not None:
            self._cache.forget(self._cache_key, session_id)

    def _request(self, call: Call, path: str, **kwargs: Any) -> requests.Response:
        """Send with the session; on an expired one (401/403/redirect) authorize once and resend, which
        is safe even for makeCall: a refused request was not carried out."""
        session_id = self._current_session()
        response = self._send(call, path, session_id, **kwargs)
        if response.status_code in EXPIRED_STATUSES:
            self._forget_session(session_id)
            logger.info(
                "Phonet session refused, authorizing again",
                extra={"operation": call.operation, "status": response.status_code},
            )
            session_id = self.authorize()
            response = self._send(call, path, session_id, **kwargs)
            if response.status_code in EXPIRED_STATUSES:
                self._forget_session(session_id)
                raise VendorAuthExpired(
                    f"phonet {call.operation}: refused ({response.status_code}) right after a new "
                    "authorization",
                    details=call.details(status=response.status_code, maybe_done=False),
                )
        return checked(response, call)

    def _send(self, call: Call, path: str, session_id: str, **kwargs: Any) -> requests.Response:
        cookie = {"Cookie": f"{SESSION_COOKIE}={session_id}"}
        return send(self._http, call, f"{self.base_url}{path}", self.policy, headers=cookie, **kwargs)

    # ---- calls ---------------------------------------------------------------------------------
    def make_call(self, ext: str, number: str) -> str:
        """Ring the employee at extension `ext`, then dial `number` from the PBX; the new call's uuid.
        `legExt` goes as a string (the seed's type; its curl's number would lose leading zeros)."""
        ext, number = ext.strip(), number.strip()
        if not ext or not number:
            raise BadRequest("makeCall needs an extension and a number")
        call = Call(VENDOR, "makeCall", "POST")
        response = self._request(call, "/rest/user/makeCall", json={"legExt": ext, "otherLegNum": number})
        return parse_one(CallStarted, json_body(response, call), call).uuid

    def active_calls(self) -> Rows[ActiveCall]:
        """Calls ringing or talking now."""
        call = Call(VENDOR, "calls.active")
        return parse_rows(ActiveCall, json_body(self._request(call, "/rest/calls/active/v3"), call), call)

    def hangup(self, uuid: str) -> None:
        """End an active call. The 200's body is empty and not read; an unknown uuid is
        `VendorRejected` (4xx)."""
        if not UUID_RE.fullmatch(uuid):
            raise BadRequest("not a Phonet call uuid")
        self._request(Call(VENDOR, "calls.hangup"), f"/rest/calls/active/{quote(uuid, safe='')}/hangup")

    # ---- history -------------------------------------------------------------------------------
    def company_calls(self, time_from: int, time_to: int) -> Iterator[HistoryPage]:
        """The company's finished calls that ended in [time_from, time_to] (UTC ms), page by page."""
        return self._history("/rest/calls/company.api", "calls.company", time_from, time_to)

    def missed_calls(self, time_from: int, time_to: int) -> Iterator[HistoryPage]:
        """Inbound calls nobody has called back yet, ended in [time_from, time_to] (UTC ms)."""
        return self._history("/rest/calls/missed.api", "calls.missed", time_from, time_to)

    def employee_calls(self, time_from: int, time_to: int) -> Iterator[HistoryPage]:
        """Per-employee call legs (users.api), ended in [time_from, time_to] (UTC ms)."""
        return self._history("/rest/calls/users.api", "calls.users", time_from, time_to)

    def _history(self, path: str, operation: str, time_from: int, time_to: int) -> Iterator[HistoryPage]:
        """Pages of `MAX_PAGE` rows: the next asks from `offset` + rows read, until a shorter page (an
        empty one after an exactly full one). `directions` is never sent: public clients disagree on
        how the PBX wants it encoded, so callers filter on `lg_direction`. Each page is read when the
        caller asks for it, so a sync can keep its cursor where the last good page ended."""
        if not 0 <= time_from <= time_to:
            raise BadRequest("a history window needs 0 <= time_from <= time_to (UTC ms)")
        call = Call(VENDOR, operation)
        offset = 0
        for _ in range(MAX_PAGES):
            params = {"timeFrom": time_from, "timeTo": time_to, "limit": MAX_PAGE, "offset": offset}
            rows = parse_rows(FinishedCall, json_body(self._request(call, path, params=params), call), call)
            page = HistoryPage(rows=rows.rows, invalid=rows.invalid, offset=offset)
            yield page
            if len(page) < MAX_PAGE:
                return
            offset += len(page)
        raise VendorRejected(
            f"phonet {operation}: more than {MAX_PAGES} full pages; the PBX may be ignoring offset",
            details=call.details(offset=offset),
        )

    # ---- users ---------------------------------------------------------------------------------
    def users(self) -> Rows[PbxUser]:
        """The PBX's employees (id, name, extension, email)."""
        call = Call(VENDOR, "users")
        return parse_rows(PbxUser, json_body(self._request(call, "/rest/users"), call), call)

    def user_status(self) -> PbxUserStatus:
        """Whether the user the session acts as is online."""
        call = Call(VENDOR, "user.status")
        return parse_one(
            UserStatusAnswer, json_body(self._request(call, "/rest/user/status"), call), call
        ).status


def _session_cookie(response: requests.Response) -> tuple[str | None, float | None]:
    """JSESSIONID and its Max-Age from the answer's Set-Cookie lines, each parsed as a cookie (several
    lines come, load balancers add their own; ids carry `.` and `-`). A line that does not parse is
    skipped, not allowed to hide the session in another one."""
    headers = getattr(response.raw, "headers", None)
    lines = headers.getlist("Set-Cookie") if hasattr(headers, "getlist") else []
    for line in lines:
        jar = SimpleCookie()
        try:
            jar.load(line)
        except CookieError:
            continue
        morsel = jar.get(SESSION_COOKIE)
        if morsel is not None and morsel.value:
            max_age = morsel["max-age"]
            return morsel.value, float(max_age) if str(max_age).lstrip("-").isdigit() else None
    return None, None
