"""The ports of the vendors the hub calls and of the work that calls them: a PBX and where its
session is kept, robot dialers and call lists, a PBX's contact book, sync cursors and dial batches.

Each docstring is the contract. Like hub.ports, they speak the hub's own records, never a vendor's
payload, and import no adapter and no domain code. The vendor clients (hub.vendors.*.client) have
the ports' method names and arguments but answer in their vendor's rows: the vendor package
translates those into the records below (as `phonet.translate` does for webhooks) where a use case
needs them; until then a port is the contract that translation will meet.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from hub.models.call import Direction, LegEvent
    from hub.ports import Page

T_co = TypeVar("T_co", covariant=True)


@dataclass(frozen=True)
class OffsetPage(Generic[T_co]):
    """One page of a vendor's list read by offset; `next_offset` is None after the last page (the
    client knows its vendor's rule, e.g. Phonet's "a short page is the last")."""

    items: Sequence[T_co]
    next_offset: int | None
    # Rows of this page the client could not read: a sync counts them as failed, never as nothing.
    unreadable: int = 0


class Listing(list[T_co]):  # type: ignore[misc]  # a list is invariant; a Listing is only read
    """A vendor's whole list as the client could read it, and how many of its rows it could not: a
    sync counts those as failed, and acts on nothing that only a complete list proves (e.g. that an
    employee left)."""

    def __init__(self, items: Sequence[T_co] = (), unreadable: int = 0) -> None:
        super().__init__(items)
        self.unreadable = unreadable


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
    """One leg of a finished call in a PBX's history, in the hub's terms: the history sync merges it
    into the same call record the events make (hub.domain.calls.CallService.record_finished_call).
    Numbers E.164 where they parse, times in ms. `parent_uuid`: the conversation when the call went
    through a group (department). `disposition`: answered | no_answer | congested | dial_error | busy.
    `still_missed`: read from the PBX's list of inbound calls nobody has returned yet."""

    uuid: str
    parent_uuid: str | None
    direction: Direction | None
    ended_at: int
    answered: bool
    talk_seconds: int
    total_seconds: int
    other_number: str | None = None
    other_number_raw: str | None = None
    other_name: str | None = None
    employee_ext: str | None = None
    employee_name: str | None = None
    employee_pbx_id: str | None = None
    employee2_ext: str | None = None
    disposition: str | None = None
    transfer_history: str | None = None
    trunk: str | None = None
    recording: str | None = None
    still_missed: bool = False


class SessionCache(Protocol):
    """Where a tenant's PBX session outlives one invocation, so warm and cold invocations can share
    one (hub.vendors.phonet.client.MemorySessionCache for tests and the local runner; a table once a
    store implements it); `key` names the account and its key."""

    def load(self, key: str) -> str | None:
        """The session id saved under `key`, unless it has expired."""
        ...

    def save(self, key: str, session_id: str, ttl_seconds: float) -> None: ...

    def forget(self, key: str, session_id: str) -> None:
        """Drop `session_id` if it is still the one saved (another invocation may have a newer one)."""
        ...


class PbxClient(Protocol):
    """A tenant's cloud PBX (Phonet §B: hub.vendors.phonet.client.PhonetClient, whose active calls,
    history rows and users the vendor package translates into these records), acting as the tenant.
    It signs in on first use and keeps the session in a `SessionCache`; a refused session is renewed
    once and the request sent again. Failures are domain errors saying whether a retry can help
    (vendor unavailable, vendor rejected, auth expired)."""

    def authorize(self) -> str:
        """Open a session now (a wrong key is refused here, not at the first real call); its id."""
        ...

    def make_call(self, ext: str, number: str) -> str:
        """Ring the employee at extension `ext`, then dial `number` (E.164); the new call's uuid."""
        ...

    def hangup(self, uuid: str) -> None: ...

    def active_calls(self) -> list[LegEvent]:
        """The calls in progress, as leg snapshots like the events give."""
        ...

    def company_calls(self, time_from: int, time_to: int) -> Iterator[OffsetPage[FinishedCall]]:
        """The finished calls that ended in [time_from, time_to] ms, page by page (Phonet: 50 rows),
        each read when asked for, so a sync keeps its cursor where the last good page ended."""
        ...

    def missed_calls(self, time_from: int, time_to: int) -> Iterator[OffsetPage[FinishedCall]]:
        """The inbound calls of [time_from, time_to] nobody has returned yet, as `company_calls` pages
        them (each with `still_missed`)."""
        ...

    def users(self) -> Listing[VendorUser]: ...


@dataclass(frozen=True)
class DialRecord:
    """One number for a robot to call: our record id (sent as the vendor's UUID, returned with the
    result), the vendor's scenario, the number in E.164 (the adapter writes it in the form the
    tenant's account expects), a dialing window on every record, never a default."""

    record_id: str
    scenario: str
    phone: str
    window_start: time
    window_end: time
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
    """A robot call's outcome as the dialer's history reports it (Avtodialer's cdr: the last attempt
    of one number in one job): merged into the same call record as the result webhook, keyed by the
    job and the number. `phone` E.164 when it parsed, else as given."""

    job_id: str
    phone: str
    at: int
    phone_raw: str | None = None
    code: str | None = None
    seconds: int | None = None


class DialerClient(Protocol):
    """A robot dialer (Avtodialer: hub.vendors.avtodialer.client.AvtodialerClient, whose robot calls,
    reports and cdr rows the vendor package translates from and into these records). `make` is not
    idempotent on the vendor's side: it raises a retryable error only when the failure proves nothing
    was queued (refused connection, 429, a 503 without a body); any other failure is ambiguous and
    must mark the work uncertain, never resend it."""

    MAX_RECORDS: int  # records per `make` (Avtodialer: 1000)

    def make(self, calls: Sequence[DialRecord]) -> DialJob: ...
    def newcall(self, robot_call: DialRecord) -> DialJob: ...
    def cdr(self, date_from: date, date_to: date, number: str | None = None) -> Listing[DialResult]:
        """The outcomes whose last attempt was in [date_from, date_to], for one `number` (E.164) if given."""
        ...


@dataclass(frozen=True)
class CallList:
    """One of a call-list service's bases (Obzvonilka's contact bases); `deleted`: in its bin."""

    vendor_id: str
    name: str | None = None
    deleted: bool = False


@dataclass(frozen=True)
class CallListEntry:
    """One person to push into a call list, in the hub's terms: `external_code` is our id for them
    (a contact's id, else the number called), which the push is keyed by, so a push sent again finds
    and changes them. `phones` are (E.164, remark) pairs, first the one to call; the service keeps
    as many as it has slots for."""

    external_code: str
    name: str | None = None
    phones: tuple[tuple[str, str | None], ...] = ()
    email: str | None = None
    address: str | None = None
    description: str | None = None
    www: str | None = None


class CallListClient(Protocol):
    """A call-list service (Obzvonilka: hub.vendors.obzvonilka.client.ObzvonilkaClient, whose bases,
    contact forms and users the vendor package translates from and into these records): contacts
    pushed into one of its bases for its operators."""

    def bases(self) -> list[CallList]: ...

    def upsert_contact(self, base_id: str, entry: CallListEntry) -> str:
        """The entry in the base, keyed by its external code: found and changed, else added, so a
        retried push never makes a second copy. Returns the vendor's contact id."""
        ...

    def users(self) -> Listing[VendorUser]: ...


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
    other_name: str | None = None
    ended_at: int | None = None  # ms
    direction: Direction | None = None
    trunk: str | None = None


class ContactBook(Protocol):
    """A PBX's own contact book (Phonet's `/rest/crm/contacts/v2`). Imported contacts go through the
    one contact import (hub.domain.imports); merged ones count as succeeded or failed, never half."""

    def contacts(self, offset: int = 0, modified_since: int | None = None) -> OffsetPage[BookContact]: ...
    def contact(self, vendor_id: str) -> BookContact | None: ...
    def merge(self, contacts: Sequence[BookContact]) -> tuple[int, int]:
        """Batch merge; (succeeded, failed)."""
        ...

    def add_note(self, vendor_id: str, note: CallNote) -> None: ...


class VendorAccounts(Protocol):
    """A tenant's vendor accounts as clients, built from the credentials it stored (hub.ports
    CredentialStore) and kept while warm; a change of credentials drops the old client. Raises
    hub.errors.CredentialsMissing when the tenant stored none for that vendor."""

    def pbx(self, tenant: str) -> PbxClient: ...
    def dialer(self, tenant: str) -> DialerClient: ...
    def call_list(self, tenant: str) -> CallListClient: ...


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


@dataclass(frozen=True)
class SyncState:
    """One source's sync as its status shows it: the cursor and the last run's record (a plain dict
    the domain writes: start, end, outcome, counts, lag, last error)."""

    source: str
    cursor: SyncCursor | None = None
    last_run: dict[str, Any] | None = None


class SyncRuns(Protocol):
    """The last run of each tenant's syncs, kept beside their cursors: written after every run
    whatever its outcome (never conditional: it is a report, the cursor is the guard), and the lease
    a run holds while it runs."""

    def record_run(self, tenant: str, source: str, run: dict[str, Any]) -> None: ...

    def claim(self, tenant: str, source: str, until: int, now: int) -> bool:
        """Hold the tenant's source until `until` (ms) unless another run holds it past `now`
        (conditional): two workers do not walk the same pages at once. A lease, not the guard: the
        cursor's conditional advance keeps the data right even when a lease ran out."""
        ...

    def release(self, tenant: str, source: str, until: int) -> None:
        """Give the lease back, if it is still the one taken until `until`."""
        ...

    def states(self, tenant: str) -> dict[str, SyncState]:
        """Every source the tenant has synced, by source name: one Query, not a read per source."""
        ...


class DialBatches(Protocol):
    """Dial batches, their records, chunks and outcomes (hub.store.campaigns.CampaignStore). Nobody is
    dialed twice by accident: a chunk moves between states only by a conditional write from the state
    read (pending -> sending is the claim a sender makes before it calls the vendor), and every counter
    of a batch moves in the same transaction as what it counts, so a redelivered message neither
    sends nor counts twice. Items are plain dicts the domain writes and reads."""

    def create_batch(self, batch: dict[str, Any], key_hash: str) -> str | None:
        """Store a new batch under its idempotency key's hash; the existing batch's id if the key
        named one already (then nothing is stored)."""
        ...

    def get_batch(self, tenant: str, batch_id: str, consistent: bool = True) -> dict[str, Any] | None: ...
    def batch_page(self, tenant: str, limit: int, start: dict[str, str] | None) -> Page[dict[str, Any]]: ...
    def update_batch(
        self,
        tenant: str,
        batch_id: str,
        *,
        set_values: dict[str, Any] | None = None,
        counters: dict[str, int] | None = None,
        condition: str | None = None,
        condition_values: dict[str, Any] | None = None,
    ) -> bool:
        """SET and ADD on the batch at once; False when `condition` (on its fields) does not hold."""
        ...

    def put_page(
        self, batch: dict[str, Any], page: int, slices: list[list[dict[str, Any]]], digest: str
    ) -> bool:
        """A page's records and the batch's count of them, once (a Conflict `page_reused` for the
        same page with another digest, `batch_cancelled` when cancelled)."""
        ...

    def page_slices(self, tenant: str, batch_id: str) -> list[tuple[int, int]]: ...
    def slice_records(self, tenant: str, batch_id: str, page: int, number: int) -> list[dict[str, Any]]: ...
    def put_prepared(
        self,
        batch: dict[str, Any],
        page: int,
        number: int,
        targets: list[dict[str, Any]],
        rejections: list[dict[str, Any]],
        counters: dict[str, int],
    ) -> bool: ...
    def prepared_targets(self, tenant: str, batch_id: str) -> Iterator[dict[str, Any]]: ...
    def put_chunks(
        self,
        batch: dict[str, Any],
        chunks: list[list[dict[str, Any]]],
        duplicates: list[dict[str, Any]],
        at: int,
    ) -> bool: ...
    def get_chunk(self, tenant: str, batch_id: str, number: int) -> dict[str, Any] | None: ...
    def chunk_targets(self, tenant: str, batch_id: str, number: int) -> list[dict[str, Any]]: ...
    def chunk_page(
        self, tenant: str, batch_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]: ...
    def pending_chunks(self, tenant: str, batch_id: str) -> list[int]: ...
    def move_chunk(
        self,
        tenant: str,
        batch_id: str,
        number: int,
        from_states: tuple[str, ...],
        to_state: str,
        *,
        set_values: dict[str, Any] | None = None,
        counters: dict[str, int] | None = None,
        add_attempt: bool = False,
        rejections: list[dict[str, Any]] | None = None,
        job_id: str | None = None,
    ) -> str | None:
        """The state the chunk left, or None when it was in none of `from_states`."""
        ...

    def batch_of_job(self, tenant: str, job_id: str) -> str | None: ...
    def rejection_page(
        self, tenant: str, batch_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]: ...
    def record_outcome(self, batch: dict[str, Any], phone: str, answered: bool, at: int) -> bool: ...


@dataclass(frozen=True)
class BookNote:
    """A note a PBX's contact book holds, as much as the hub compares: its id and what it says."""

    note_id: str
    note: CallNote


class CallNoteBook(Protocol):
    """Where a PBX's contact book takes call notes (Phonet's `/rest/crm/contacts/v2/{id}/notes`):
    hub.domain.call_notes writes one per call, finding the call's note among the contact's first, so a
    note written but never confirmed is not written again."""

    def contacts_with_number(self, number: str) -> list[str]:
        """The ids of the book's contacts with phone `number`, in the book's order."""
        ...

    def call_notes(self, contact_id: str) -> dict[str, BookNote] | None:
        """The contact's call notes by call uuid (notes without one left out); None when the book
        has no such contact."""
        ...

    def add_note(self, contact_id: str, note: CallNote) -> str:
        """Add a note; its new id."""
        ...

    def update_note(self, contact_id: str, note_id: str, note: CallNote) -> None:
        """Replace what the note `note_id` says of its call with `note`."""
        ...
