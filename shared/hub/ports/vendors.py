"""The ports of the vendors the hub calls and of the work that calls them: a PBX, robot dialers and
call lists, a PBX's contact book, sync cursors and dial campaign claims.

Declared ahead of their implementations (hub.vendors.* and hub.store, in the issues that add them):
each docstring is the contract. Like hub.ports, they speak the hub's own records, never a vendor's
payload, and import no adapter and no domain code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from hub.models.call import LegEvent
    from hub.models.contact import Contact

T_co = TypeVar("T_co", covariant=True)


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
