"""The domain's ports: what it asks of storage, queues and vendors, named once, in the hub's own terms.

The domain (hub.domain) receives these as constructor or call arguments; the adapters implement them
(hub.store for DynamoDB and SQS, hub.vendors for the vendors' APIs), and the unit tests give in-memory
fakes (tests/unit/memory.py). Every Protocol here speaks the hub's records (hub.models), never a
vendor's payload. This module imports no adapter and no domain code, so both may import it; the
models are imported for type checking only, which keeps it free at cold start.

The vendor ports at the end (PBX, dialers, contact book, sync cursors, campaign claims) are declared
ahead of their implementations, for the issues that add them: their docstrings are the contract.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from hub.models.call import Call, Callback, LegEvent, PendingAttribution
    from hub.models.contact import Contact, PhoneEntry
    from hub.models.tenant import ApiKey, Employee, Tenant, Vendor, VendorCredentials

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


# -- shapes the ports share ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """Items of one page and where the next one starts (None: this was the last). The start is the
    adapter's own key; the edges sign it into an opaque cursor (hub.api.paging)."""

    items: list[T]
    next_start: dict[str, str] | None


@dataclass
class CallChanges:
    """What saving a call writes besides the call, all in one transaction: a save is either whole or
    not at all, so a redelivered event never finds half of its consequences applied."""

    new_contact_links: list[str] = field(default_factory=list)
    callback_before: Callback | None = None
    callback_after: Callback | None = None
    closed_callback: Callback | None = None
    pending_attribution: PendingAttribution | None = None  # taken by a new call's first save


# -- contacts ---------------------------------------------------------------------------------


class PhoneIndex(Protocol):
    """Who holds a number: one key read, whatever the tenant's size (the lookup answers while it rings)."""

    def phone_entries(self, tenant: str, e164: str) -> list[PhoneEntry]: ...


class ContactRepository(PhoneIndex, Protocol):
    """Contacts with their phone, external-code, name and unique-key indexes, always written together;
    every write of a changed contact is conditional on the version it was read at (else Conflict)."""

    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None: ...
    def contact_id_by_external_code(self, tenant: str, vendor: str, code: str) -> str | None: ...
    def create(
        self, contact: Contact, unique_key: str | None = None, stale_owner: str | None = None
    ) -> None: ...
    def unique_owner(self, tenant: str, unique_key: str) -> str | None: ...
    def add_event(self, tenant: str, contact_id: str, event: dict[str, Any]) -> None: ...
    def update(self, old: Contact, new: Contact) -> None: ...
    def delete(self, contact: Contact) -> None: ...
    def list_contacts(
        self,
        tenant: str,
        *,
        limit: int,
        start: dict[str, str] | None = None,
        name: str | None = None,
        contact_type: str | None = None,
        updated_since: int | None = None,
    ) -> Page[Contact]: ...
    def by_name(self, tenant: str, name: str, limit: int = 50) -> list[Contact]: ...
    def events(self, tenant: str, contact_id: str) -> list[dict[str, Any]]: ...
    def timeline_call_uuids(self, tenant: str, contact_id: str) -> list[str]: ...


class ContactWriter(Protocol):
    """The two contact operations first-touch attribution needs."""

    def get(self, tenant: str, contact_id: str, consistent: bool = False) -> Contact | None: ...
    def update(self, old: Contact, new: Contact) -> None: ...


class ImportJobRepository(Protocol):
    """Import jobs, their stored rows and chunks, and per-chunk results; a chunk's result is recorded
    once (its counters added once), so a redelivered chunk changes nothing."""

    def create_job(self, job: dict[str, Any]) -> dict[str, Any] | None: ...
    def get_job(self, tenant: str, job_id: str) -> dict[str, Any] | None: ...
    def mark_accepted(self, tenant: str, job_id: str) -> None: ...
    def mark_submitted(self, tenant: str, job_id: str) -> None: ...
    def accept_plan(self, tenant: str, job_id: str, chunks: int, refused: int) -> None: ...
    def put_raw(self, job: dict[str, Any], rows: list[dict[str, Any]]) -> None: ...
    def raw_rows(self, tenant: str, job_id: str) -> list[dict[str, Any]]: ...
    def put_chunks(self, job: dict[str, Any], chunks: list[list[dict[str, Any]]]) -> None: ...
    def chunk_rows(self, tenant: str, job_id: str, number: int) -> list[dict[str, Any]]: ...
    def chunk_done(self, tenant: str, job_id: str, number: int) -> bool: ...
    def put_refused(self, job: dict[str, Any], number: int, results: list[dict[str, Any]]) -> None: ...
    def record_chunk(
        self, job: dict[str, Any], number: int, results: list[dict[str, Any]], counts: dict[str, int]
    ) -> dict[str, Any] | None: ...
    def set_finished(self, tenant: str, job_id: str, at: int) -> None: ...
    def result_page(
        self, tenant: str, job_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]: ...


# -- calls ------------------------------------------------------------------------------------


class PendingAttributions(Protocol):
    """UTM labels that came before their call, kept for its first save (and dropped after a while)."""

    def pending_attribution(self, tenant: str, uuid: str) -> PendingAttribution | None: ...
    def save_pending_attribution(self, old: PendingAttribution | None, new: PendingAttribution) -> None: ...


class CallRepository(Protocol):
    """Call records and what a call's save changes; `save_call` lands only on the version read."""

    def get_call(self, tenant: str, uuid: str) -> Call | None: ...
    def pending_attribution(self, tenant: str, uuid: str) -> PendingAttribution | None: ...
    def save_call(self, old: Call | None, new: Call, changes: CallChanges) -> None: ...
    def get_callback(self, tenant: str, phone: str) -> Callback | None: ...
    def own_numbers(self, tenant: str) -> set[str]: ...
    def close_callback(self, before: Callback, after: Callback, closed: Callback) -> None: ...
    def set_presence(self, tenant: str, ext: str, status: str, at: int) -> bool: ...


class CallLogRepository(Protocol):
    """The call log as it is read: calls by time or by contact, newest first, and callbacks."""

    def get_call(self, tenant: str, uuid: str) -> Call | None: ...
    def get_calls(self, tenant: str, uuids: list[str]) -> list[Call]: ...
    def list_calls(
        self,
        tenant: str,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None = None,
        filters: dict[str, str] | None = None,
    ) -> Page[Call]: ...
    def contact_call_page(
        self,
        tenant: str,
        contact_id: str,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None,
    ) -> Page[Call]: ...
    def get_callback(self, tenant: str, phone: str) -> Callback | None: ...
    def open_callbacks(self, tenant: str, limit: int = 100) -> list[Callback]: ...
    def list_callbacks(
        self, tenant: str, *, closed: bool, limit: int, start: dict[str, str] | None = None
    ) -> Page[Callback]: ...


class WebhookLog(Protocol):
    """Raw webhook bodies kept for a while, for diagnosis; never read on a request's path."""

    def put(self, tenant: str, kind: str, ref: str, body: str) -> None: ...


class MessageQueue(Protocol):
    """Work for a worker. A message is a dataclass or a JSON-able dict; a send that cannot be confirmed
    raises (Unavailable), so the caller's own retry sends again: workers must be idempotent."""

    def send(self, message: Any) -> None: ...
    def send_all(self, messages: list[Any]) -> None: ...


# -- tenants, employees, sign-in --------------------------------------------------------------


class TenantRepository(Protocol):
    """Tenants, their webhook tokens (by hash), employees, API keys (by hash), vendor credentials and
    the presence the PBX reports; a taken login, extension or slug is a Conflict."""

    def create_tenant(self, tenant: Tenant, token_hashes: dict[Vendor, str]) -> None: ...
    def get_tenant(self, slug: str) -> Tenant | None: ...
    def update_tenant(self, old: Tenant, new: Tenant) -> None: ...
    def get_webhook_token(self, token_hash: str) -> dict[str, Any] | None: ...
    def put_employee(self, employee: Employee) -> None: ...
    def replace_employee(self, old: Employee, new: Employee) -> None: ...
    def get_employee(self, slug: str, employee_id: str) -> Employee | None: ...
    def list_employees(self, slug: str) -> list[Employee]: ...
    def employee_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[Employee]: ...
    def presence_by_ext(self, slug: str, exts: list[str]) -> dict[str, dict[str, Any]]: ...
    def create_api_key(self, key: ApiKey, key_hash: str) -> None: ...
    def get_api_key(self, key_hash: str) -> dict[str, Any] | None: ...
    def api_key_page(self, slug: str, limit: int, start: dict[str, str] | None) -> Page[ApiKey]: ...
    def revoke_api_key(self, slug: str, key_id: str, at: int) -> ApiKey | None: ...
    def credentials_set(self, slug: str) -> dict[str, int]: ...
    def put_credentials(self, slug: str, vendor: Vendor, credentials: VendorCredentials, at: int) -> None: ...
    def delete_credentials(self, slug: str, vendor: Vendor) -> None: ...


class CredentialStore(Protocol):
    """What sign-in reads and counts: logins, API keys, and failed attempts (conditional writes)."""

    def employee_by_login(self, slug: str, login: str) -> Employee | None: ...
    def get_api_key(self, key_hash: str) -> dict[str, Any] | None: ...
    def begin_login_attempt(
        self, slug: str, login: str, now: int, limit: int, expires_at: int
    ) -> int | None: ...
    def lock_login(self, slug: str, login: str, until: int) -> None: ...
    def clear_login_failures(self, slug: str, login: str) -> None: ...


class SessionStore(Protocol):
    """Page sessions kept beside their employee, so a change of credentials ends them."""

    def open_session(self, employee: Employee, session_hash: str, expires_at: int, now: int) -> bool: ...
    def session_employee(
        self, slug: str, employee_id: str, session_hash: str, now: int
    ) -> Employee | None: ...
    def close_session(self, slug: str, employee_id: str, session_hash: str) -> None: ...


# -- vendors we call (declared for the next issues) -------------------------------------------


@dataclass(frozen=True)
class OffsetPage(Generic[T_co]):
    """One page of a vendor's list read by offset; `next_offset` is None after the last page (the
    client knows its vendor's rule, e.g. Phonet's "a short page is the last")."""

    items: Sequence[T_co]
    next_offset: int | None


@dataclass(frozen=True)
class VendorUser:
    """A person in a vendor's own user list (Phonet's users, Obzvonilka's users), to map to an employee."""

    vendor_id: str
    name: str | None = None
    ext: str | None = None
    email: str | None = None
    active: bool = True


@dataclass(frozen=True)
class FinishedCall:
    """One finished call of a PBX's history, in the hub's terms: the history sync merges it into the
    same call record the events make (numbers E.164 where they parse, times in ms)."""

    uuid: str
    parent_uuid: str | None
    direction_code: int
    ended_at: int
    answered: bool
    talk_seconds: int
    total_seconds: int
    other_number: str | None = None
    other_number_raw: str | None = None
    employee_ext: str | None = None
    recording: str | None = None


class PbxClient(Protocol):
    """A tenant's cloud PBX (Phonet §B), acting as the tenant. It signs in on first use and keeps the
    session; a refused session is renewed once and the request sent again. Failures are domain errors
    saying whether a retry can help (vendor unavailable, vendor rejected, auth expired)."""

    def authorize(self) -> None:
        """Open a session now (a wrong key is refused here, not at the first real call)."""
        ...

    def make_call(self, employee_ext: str, number: str) -> str:
        """Ring the employee's extension, then dial `number` (E.164); the new call's uuid."""
        ...

    def hangup(self, call_uuid: str) -> None: ...

    def active_calls(self) -> list[LegEvent]:
        """The calls in progress, as leg snapshots like the events give."""
        ...

    def call_history(self, since: int, until: int, offset: int = 0) -> OffsetPage[FinishedCall]:
        """Finished calls in [since, until] ms, one page (Phonet: 50 rows) from `offset`."""
        ...

    def users(self) -> list[VendorUser]: ...


@dataclass(frozen=True)
class DialRecord:
    """One number for a robot to call: our record id (sent as the vendor's UUID, returned with the
    result), the number in the vendor's form, a dialing window on every record, never a default."""

    record_id: str
    phone: str
    window_start: str  # HH:MM
    window_end: str
    name: str | None = None
    variables: tuple[str, ...] = ()  # var1..var3, substituted into the scenario
    max_attempts: int = 1


@dataclass(frozen=True)
class DialJob:
    """What a dialer said of a submission: its job id (a string: it exceeds 2^53) and the counts."""

    job_id: str
    received: int
    accepted: int


@dataclass(frozen=True)
class DialResult:
    """One attempt of a robot call as the dialer's history reports it."""

    job_id: str
    phone: str
    at: int
    code: str | None = None
    seconds: int | None = None


class DialerClient(Protocol):
    """A robot dialer (Avtodialer). `make` is not idempotent on the vendor's side: it raises a
    retryable error only when the failure proves nothing was queued (refused connection, 429, a 503
    without a body); any other failure is ambiguous and must mark the work uncertain, never resend it."""

    MAX_RECORDS: int  # records per `make` (Avtodialer: 1000)

    def make(self, scenario: str, records: Sequence[DialRecord]) -> DialJob: ...
    def newcall(self, scenario: str, record: DialRecord) -> DialJob: ...
    def cdr(self, date_from: date, date_to: date, phone: str | None = None) -> list[DialResult]: ...


class CallListClient(Protocol):
    """A call-list service (Obzvonilka): contacts pushed into one of its bases for its operators."""

    def bases(self) -> list[dict[str, Any]]: ...

    def upsert_contact(self, base_id: str, contact: Contact) -> str:
        """The contact in the base, keyed by its external code = our contact id: found and changed,
        else added, so a retried push never makes a second copy. Returns the vendor's contact id."""
        ...

    def users(self) -> list[VendorUser]: ...


@dataclass(frozen=True)
class BookContact:
    """A contact of a PBX's own contact book (Phonet's CRM), in the hub's terms."""

    vendor_id: str
    name: str | None = None
    company: str | None = None
    phones: tuple[str, ...] = ()  # as the book holds them
    email: str | None = None
    responsible_user_id: str | None = None
    modified_at: int | None = None


@dataclass(frozen=True)
class CallNote:
    """A note on a book contact about one call (Phonet's contact notes)."""

    call_uuid: str
    content: str
    other_number: str | None = None
    talk_seconds: int | None = None
    recording: str | None = None


class ContactBook(Protocol):
    """A PBX's own contact book (Phonet's `/rest/crm/contacts/v2`). Imported contacts go through the
    one contact import (hub.domain.imports); merged ones count as succeeded or failed, never half."""

    def contacts(self, offset: int = 0, modified_since: int | None = None) -> OffsetPage[BookContact]: ...
    def contact(self, vendor_id: str) -> BookContact | None: ...
    def merge(self, contacts: Sequence[BookContact]) -> tuple[int, int]:
        """Batch merge; (succeeded, failed)."""
        ...

    def add_note(self, vendor_id: str, note: CallNote) -> None: ...


@dataclass(frozen=True)
class SyncCursor:
    """How far one tenant's sync of one source got: `position` is the source's own mark (a time in
    ms, an offset), `version` what the next advance is conditional on."""

    tenant: str
    source: str
    position: str
    version: int = 0
    updated_at: int = 0


class SyncCursors(Protocol):
    """Sync progress per tenant and source. Advancing is a conditional write on the version read: two
    runs of one sync cannot both move the cursor, and the loser (a Conflict) reads it again."""

    def read(self, tenant: str, source: str) -> SyncCursor | None: ...
    def advance(self, old: SyncCursor | None, new: SyncCursor) -> None: ...


class CampaignClaims(Protocol):
    """Who sends which chunk of a dial batch. Nobody is dialed twice by accident: a chunk is claimed
    (pending -> sending, conditionally) before the vendor is called, and after the call it is marked
    sent with the vendor's job id, or uncertain when the vendor's answer proves nothing either way."""

    def claim_chunk(self, tenant: str, batch_id: str, chunk: int, at: int) -> bool:
        """True when this caller now holds the chunk; False when it is not pending (taken, or done)."""
        ...

    def mark_sent(self, tenant: str, batch_id: str, chunk: int, job_id: str, at: int) -> None: ...
    def mark_uncertain(self, tenant: str, batch_id: str, chunk: int, reason: str, at: int) -> None: ...
