"""The hub as a client of Phonet's REST API (spec/phonet.md §B, with the contact book of §B2).

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any, Literal
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
    unexpected_shape,
    vendor_session,
    web_base_url,
)
from hub.vendors.phonet.book import (
    BatchResult,
    ContactBody,
    NoteBody,
    PhonetContact,
    PhonetNote,
    phonet_id,
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
BOOK = "/rest/crm/contacts/v2"  # the contact book (§B2); the list and update live at BOOK + "/"
BOOK_MAX_PAGE = 60  # seed: `limit` "cannot be less than 0 or more than 60" (its default is 30)
BOOK_FILTERS = {"modified": 1, "created": 0}  # seed: filterBy 1 by modification, 0 by creation date


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


@dataclass(frozen=True)
class BookPage(Rows[PhonetContact]):
    """One page of a contact-book list: its rows (unreadable ones count toward its size), the
    `offset` it starts at and the `limit` it was asked with."""

    offset: int = 0
    limit: int = BOOK_MAX_PAGE

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts; None after a short page (the last), as for call history."""
        if self.limit == 0 or len(self) < self.limit:
            return None
        return self.offset + len(self)


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

    # ---- the contact book (§B2) -----------------------------------------------------------------
    def book_contact(self, contact_id: str | int) -> PhonetContact | None:
        """The book's contact `contact_id`; None when the PBX does not know it (404)."""
        call = Call(VENDOR, "contacts.get")
        response = _unless_404(lambda: self._request(call, f"{BOOK}/{_book_id(contact_id)}"))
        return None if response is None else parse_one(PhonetContact, json_body(response, call), call)

    def book_contacts(
        self,
        search_text: str | None = None,
        filter_by: Literal["modified", "created"] | None = None,
        time_from: int | None = None,
        time_to: int | None = None,
        offset: int = 0,
        limit: int = BOOK_MAX_PAGE,
        *,
        search_note_text: str | None = None,
        fields: Sequence[str] = (),
    ) -> BookPage:
        """One page of the book, in the PBX's order. `filter_by` with `time_from`/`time_to` (UTC ms)
        picks contacts modified or created in that window; `search_text` searches the contacts'
        fields (`fields`: only those `enumCode`s), `search_note_text` their notes."""
        params: dict[str, Any] = {**_book_page(offset, limit), **_book_filter(filter_by, time_from, time_to)}
        for name, text in (("searchText", search_text), ("searchNoteText", search_note_text)):
            if text is not None and text.strip():
                params[name] = text.strip()
        if fields:
            params["field"] = list(fields)
        return self._book_page(Call(VENDOR, "contacts.list"), f"{BOOK}/", params)

    def book_contact_pages(
        self,
        search_text: str | None = None,
        filter_by: Literal["modified", "created"] | None = None,
        time_from: int | None = None,
        time_to: int | None = None,
    ) -> Iterator[BookPage]:
        """`book_contacts` page after page of 60, until a short page; each read when asked for, so an
        import can keep its place where the last good page ended."""
        offset = 0
        for _ in range(MAX_PAGES):
            page = self.book_contacts(search_text, filter_by, time_from, time_to, offset=offset)
            yield page
            if page.next_offset is None:
                return
            offset = page.next_offset
        raise VendorRejected(
            f"phonet contacts.list: more than {MAX_PAGES} full pages; the PBX may be ignoring offset",
            details=Call(VENDOR, "contacts.list").details(offset=offset),
        )

    def book_contacts_by_number(self, number: str, offset: int = 0, limit: int = BOOK_MAX_PAGE) -> BookPage:
        """The contacts with phone `number` (`searchByOLNum`); a blank number is refused here, as the
        PBX would refuse it (400)."""
        if not number or not number.strip():
            raise BadRequest("searchByOLNum needs a number")
        params = {"otherLegNum": number.strip(), **_book_page(offset, limit)}
        return self._book_page(Call(VENDOR, "contacts.searchByOLNum"), f"{BOOK}/searchByOLNum", params)

    def update_book_contact(self, contact: ContactBody | PhonetContact) -> None:
        """Replace the contact named by `contact.id` with what `contact` sets (its `fields`, when set,
        replace the contact's: send the whole contact, e.g. `book_contact(...).as_body()` changed).
        The PBX answers `1`; an unknown id is `VendorRejected` (404)."""
        body = contact.as_body() if isinstance(contact, PhonetContact) else contact
        if body.id is None:
            raise BadRequest("a contact update needs the contact's id")
        call = Call(VENDOR, "contacts.update", "POST")
        _answered_one(self._request(call, f"{BOOK}/", json=body.wire()), call)

    def delete_book_contact(self, contact_id: str | int) -> bool:
        """Delete a contact: True when the PBX did (`1`), False when it did not know the id (404)."""
        call = Call(VENDOR, "contacts.delete", "DELETE")
        response = _unless_404(lambda: self._request(call, f"{BOOK}/{_book_id(contact_id)}"))
        if response is None:
            return False
        _answered_one(response, call)
        return True

    def merge_book_contacts(self, contacts: Sequence[ContactBody], merge: bool = True) -> BatchResult:
        """Load `contacts` in one batch: with `merge` the PBX joins each to the contact it matches,
        without it saves each as given (a batch sent again then makes duplicates). The answer counts
        the saved and the refused; which ones were refused it does not say. Never resent by itself
        (a lost answer leaves `maybe_done` true)."""
        if not contacts:
            return BatchResult(succeeded=0, failed=0)
        call = Call(VENDOR, "contacts.batch", "POST")
        body = {"merge": 1 if merge else 0, "contacts": [c.wire() for c in contacts]}
        return parse_one(BatchResult, json_body(self._request(call, f"{BOOK}/batch", json=body), call), call)

    def book_notes(self, contact_id: str | int) -> Rows[PhonetNote] | None:
        """The notes on a contact; None when the PBX does not know the contact (404)."""
        call = Call(VENDOR, "notes.list")
        response = _unless_404(lambda: self._request(call, f"{BOOK}/{_book_id(contact_id)}/notes"))
        return None if response is None else parse_rows(PhonetNote, json_body(response, call), call)

    def add_book_note(self, contact_id: str | int, note: NoteBody) -> PhonetNote:
        """Add a note to a contact; the note as saved, with its new id. An unknown contact or a note
        the PBX refuses is `VendorRejected`."""
        call = Call(VENDOR, "notes.add", "POST")
        path = f"{BOOK}/{_book_id(contact_id)}/notes"
        return parse_one(PhonetNote, json_body(self._request(call, path, json=note.wire()), call), call)

    def update_book_note(self, contact_id: str | int, note: NoteBody) -> None:
        """Replace the note `note.id` of a contact with `note` (whole: see `PhonetNote.as_body`)."""
        if not note.id:
            raise BadRequest("a note update needs the note's id")
        call = Call(VENDOR, "notes.update", "PUT")
        path = f"{BOOK}/{_book_id(contact_id)}/notes"
        _answered_one(self._request(call, path, json=note.wire()), call)

    def delete_book_note(self, contact_id: str | int, note_id: str | int) -> bool:
        """Delete a note: True when the PBX did, False when it knew no such contact or note (404). The
        200's body is not read: the seed shows none."""
        call = Call(VENDOR, "notes.delete", "DELETE")
        path = f"{BOOK}/{_book_id(contact_id)}/notes/{_book_id(note_id)}"
        return _unless_404(lambda: self._request(call, path)) is not None

    def _book_page(self, call: Call, path: str, params: dict[str, Any]) -> BookPage:
        rows = parse_rows(PhonetContact, json_body(self._request(call, path, params=params), call), call)
        return BookPage(rows=rows.rows, invalid=rows.invalid, offset=params["offset"], limit=params["limit"])


def _book_id(value: str | int) -> int:
    """A contact or note id for a path; anything but a whole number is refused before sending."""
    try:
        return phonet_id(value)
    except ValueError:
        raise BadRequest("not a Phonet contact-book id") from None


def _book_page(offset: int, limit: int) -> dict[str, int]:
    """`offset` and `limit` as the seed allows them (offset >= 0, limit 0..60), checked before sending:
    a limit the PBX would refuse (or, some say, cut to 60) must not reach it."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise BadRequest("offset must be a whole number >= 0")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= BOOK_MAX_PAGE:
        raise BadRequest(f"limit must be 0..{BOOK_MAX_PAGE}")
    return {"offset": offset, "limit": limit}


def _book_filter(filter_by: str | None, time_from: int | None, time_to: int | None) -> dict[str, int]:
    """`filterBy` (1 modified, 0 created) with its `from`/`to` window in UTC ms; a window without a
    filter is refused: the PBX would not apply it, and "all contacts" is not what was asked."""
    if filter_by is None:
        if time_from is not None or time_to is not None:
            raise BadRequest("time_from/time_to need filter_by ('modified' or 'created')")
        return {}
    if filter_by not in BOOK_FILTERS:
        raise BadRequest("filter_by must be 'modified' or 'created'")
    params = {"filterBy": BOOK_FILTERS[filter_by]}
    for name, value in (("from", time_from), ("to", time_to)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise BadRequest(f"{name} must be UTC ms >= 0")
            params[name] = value
    if time_from is not None and time_to is not None and time_from > time_to:
        raise BadRequest("a window needs time_from <= time_to")
    return params


def _unless_404(send_it: Callable[[], requests.Response]) -> requests.Response | None:
    """The answer, or None when it was a 404 (the book's "no such contact"); other errors raise."""
    try:
        return send_it()
    except VendorRejected as exc:
        if isinstance(exc.details, dict) and exc.details.get("status") == 404:
            return None
        raise


def _answered_one(response: requests.Response, call: Call) -> None:
    """The book's update and delete answer `1` (as JSON or as text): anything else is not the answer
    the seed promises, so the change is not taken as made."""
    if response.text.strip() not in ("1", '"1"'):
        raise unexpected_shape(call, "1")


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
