"""Scheduled syncs: what the hub reads back from the vendors it calls, per tenant and source.

Sources (`Source`): the PBX's call history (`phonet_calls`) and its unreturned missed calls
(`phonet_missed`), walked in time windows from a persisted cursor and merged into the same call
records as the webhooks (CallService.record_finished_call); the PBX's and Obzvonilka's users, matched
to the tenant's employees; Avtodialer's cdr for the last days (CallService.record_dial_result); and
Obzvonilka's bases, kept for campaign targeting.

Every cursor advance is a conditional write on the version read (hub.ports.vendors.SyncCursors):
two runs of one tenant's source cannot both move it, and the loser stops at once without counting
the page it lost (its merges are idempotent, so re-merging is harmless, counting it twice is not).
A run's counts are added only once its page's cursor write landed.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from hub.domain.tenants import TenantContext, add_employee, update_employee
from hub.errors import Conflict, CredentialsMissing, HubError, NotFound, VendorAuthExpired
from hub.ids import now_ms
from hub.models.call import MergeOutcome
from hub.models.tenant import Employee, Vendor
from hub.ports import MessageQueue, TenantRepository
from hub.ports.vendors import (
    CallList,
    DialResult,
    FinishedCall,
    OffsetPage,
    SyncCursor,
    SyncCursors,
    SyncRuns,
    SyncState,
    VendorAccounts,
    VendorUser,
)

MINUTE_MS = 60_000
DAY_MS = 24 * 60 * MINUTE_MS


class Source(StrEnum):
    PHONET_CALLS = "phonet_calls"
    PHONET_MISSED = "phonet_missed"
    PHONET_USERS = "phonet_users"
    AVTODIALER_CDR = "avtodialer_cdr"
    OBZVONILKA_USERS = "obzvonilka_users"
    OBZVONILKA_BASES = "obzvonilka_bases"
    # Phonet's own contact book kept in step with the hub's contacts (a tenant setting: BookStep).
    PHONET_CONTACTS = "phonet_contacts"

    @property
    def vendor(self) -> Vendor:
        return Vendor(self.value.split("_", 1)[0])

    @property
    def time_based(self) -> bool:
        """Its cursor is a time, so its status has a lag."""
        return self in (Source.PHONET_CALLS, Source.PHONET_MISSED)


def source_named(name: str) -> Source:
    """The source of this name, else NotFound (a path's unknown name, a message's stale one)."""
    try:
        return Source(name)
    except ValueError:
        raise NotFound(
            f"no sync source {name!r}", code="unknown_source", details={"sources": [s.value for s in Source]}
        ) from None


@dataclass(frozen=True)
class SyncLimits:
    """How far one run goes. A first run backfills `backfill_days` (7 by default: a week covers a
    weekend's outage and a tenant's first days, while a longer history would create months-old
    callbacks and leads as if their calls had just come; one public client's 90 days is what a
    tenant may ask for by raising it). Windows are at most `window_ms` (a day: a busy PBX's day is
    a few thousand rows, a hundred pages), each starting `overlap_ms` before where the last ended
    (rows the PBX writes late, e.g. a recording), and the newest ends `settle_ms` before now (calls
    still being written). A run stops starting pages after `max_pages` or `run_ms`, well inside the
    worker's timeout; the next run goes on from the cursor."""

    backfill_days: int = 7
    window_ms: int = DAY_MS
    overlap_ms: int = 10 * MINUTE_MS
    settle_ms: int = MINUTE_MS
    max_pages: int = 400
    run_ms: int = 240_000
    # A run resuming inside a window merges again this many rows before the saved offset: the missed
    # list loses rows as calls are returned, shifting later rows towards the start.
    resume_backoff_rows: int = 50
    cdr_days: int = 3
    max_bases: int = 1000
    # How long a run holds its tenant's source: its own budget and a margin, at most the worker's
    # timeout (300 s), so a run that died frees it by the next schedule.
    lease_ms: int = 290_000


class RunOutcome(StrEnum):
    OK = "ok"
    ERROR = "error"
    # Another run of the same tenant and source moved the cursor first: this one stopped (not
    # recorded: the status keeps the run that moved it).
    SUPERSEDED = "superseded"
    # Another run of the same tenant and source holds its lease: this one did nothing (not recorded).
    BUSY = "busy"


@dataclass
class Tally:
    read: int = 0
    created: int = 0
    merged: int = 0
    unchanged: int = 0
    failed: int = 0

    def add(self, other: Tally) -> None:
        for name in ("read", "created", "merged", "unchanged", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def outcome(self, outcome: MergeOutcome) -> None:
        match outcome:
            case MergeOutcome.CREATED:
                self.created += 1
            case MergeOutcome.MERGED:
                self.merged += 1
            case _:
                self.unchanged += 1


@dataclass
class SyncRun:
    """One run of one source for one tenant, as its status records it (never a secret: vendor errors
    carry the hub's own messages)."""

    tenant: str
    source: str
    started_at: int
    finished_at: int | None = None
    outcome: RunOutcome = RunOutcome.OK
    tally: Tally = field(default_factory=Tally)
    cursor: str | None = None
    lag_ms: int | None = None
    caught_up: bool = True
    error_code: str | None = None
    error_message: str | None = None
    retryable: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    # What failed the run, for the worker to raise again when `retryable`; never stored.
    cause: HubError | None = field(default=None, repr=False, compare=False)

    def failed_with(self, error: HubError) -> None:
        """`retryable`: the worker's message goes back to the queue. A session the PBX refused even
        after the client signed in again is not: credentials fix it, not a retry."""
        self.outcome = RunOutcome.ERROR
        self.error_code = error.code
        self.error_message = error.message[:500]
        self.retryable = error.retryable and not isinstance(error, VendorAuthExpired)
        self.cause = error

    def record(self) -> dict[str, Any]:
        """As stored: plain JSON."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("cause", "tally")}
        data["outcome"] = self.outcome.value
        data["details"] = copy.deepcopy(self.details)
        return data | asdict(self.tally)


class BookStep(Protocol):
    """What the `phonet_contacts` source asks of the contact-book sync
    (hub.vendors.phonet.book_sync.PhonetBookSync): one run from the cursor's position (None on the
    first), answering the new position; it fills `run`'s tally and details itself."""

    def step(self, context: TenantContext, position: str | None, until: int, run: SyncRun) -> str: ...


class CallMerge(Protocol):
    """What a sync asks of the call log (hub.domain.calls.CallService): one vendor record merged into
    the call it belongs to, the same merge the webhooks use, answering what it did."""

    def record_finished_call(self, context: TenantContext, call: FinishedCall) -> MergeOutcome: ...
    def record_dial_result(self, context: TenantContext, result: DialResult) -> MergeOutcome: ...


# -- the history sources' cursor ----------------------------------------------------------------


@dataclass(frozen=True)
class HistoryMark:
    """Where a history sync stands: everything that ended before `done_to` (ms) is merged; while a
    window is being walked, `window` is its [from, to] and `offset` the rows of it merged so far."""

    done_to: int
    window: tuple[int, int] | None = None
    offset: int = 0

    def dump(self) -> str:
        data: dict[str, Any] = {"done_to": self.done_to}
        if self.window is not None:
            data.update(window=list(self.window), offset=self.offset)
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, position: str) -> HistoryMark:
        data = json.loads(position)
        window = data.get("window")
        return cls(
            int(data["done_to"]),
            (int(window[0]), int(window[1])) if window else None,
            int(data.get("offset", 0)),
        )

    def lag(self, now: int) -> int:
        """How far behind now the synced history is: the start of the open window, else its end."""
        return max(0, now - (self.window[0] if self.window else self.done_to))


class _Lost(Exception):
    """The cursor moved under this run (another run advanced it): stop, count nothing more."""


# -- the use case -------------------------------------------------------------------------------


class SyncService:
    """Runs one source's sync for one tenant. Whatever happens, the run is recorded and returned (its
    SyncRun says how it went, `retryable` whether a retry may cure its failure: a vendor or storage
    unavailable, not credentials missing or refused nor the vendor rejecting the request); only an
    unexpected error (a bug) is raised, after it is recorded."""

    def __init__(
        self,
        accounts: VendorAccounts,
        calls: CallMerge,
        tenants: TenantRepository,
        cursors: SyncCursors,
        runs: SyncRuns,
        limits: SyncLimits | None = None,
        clock: Callable[[], int] = now_ms,
        book: BookStep | None = None,
    ) -> None:
        self.accounts = accounts
        self.book = book
        self.calls = calls
        self.tenants = tenants
        self.cursors = cursors
        self.runs = runs
        self.limits = limits or SyncLimits()
        self.clock = clock

    def run(self, context: TenantContext, source: Source | str, now: int | None = None) -> SyncRun:
        source = source_named(str(source)) if not isinstance(source, Source) else source
        now = self.clock() if now is None else now
        run = SyncRun(tenant=context.slug, source=source.value, started_at=now)
        lease = now + self.limits.lease_ms
        if not self.runs.claim(context.slug, source.value, lease, now):
            run.outcome, run.finished_at = RunOutcome.BUSY, now
            return run
        try:
            self._step(context, source, run, now)
        except _Lost:
            # The winner's record is the source's last run: this one's (nothing counted) would hide it.
            run.outcome = RunOutcome.SUPERSEDED
            run.finished_at = max(self.clock(), now)
            self.runs.release(run.tenant, run.source, lease)
            return run
        except HubError as error:
            run.failed_with(error)
        except Exception:
            run.failed_with(HubError("the sync failed unexpectedly"))
            self._finish(run, now)
            raise
        self._finish(run, now)
        return run

    def _step(self, context: TenantContext, source: Source, run: SyncRun, now: int) -> None:
        slug = context.slug
        match source:
            case Source.PHONET_CALLS:
                self._history(context, run, now, lambda f, t: self.accounts.pbx(slug).company_calls(f, t))
            case Source.PHONET_MISSED:
                self._history(context, run, now, lambda f, t: self.accounts.pbx(slug).missed_calls(f, t))
            case Source.PHONET_USERS:
                self._users(context, run, lambda: self.accounts.pbx(slug).users(), by_ext=True)
            case Source.OBZVONILKA_USERS:
                self._users(context, run, lambda: self.accounts.call_list(slug).users(), by_ext=False)
            case Source.OBZVONILKA_BASES:
                self._bases(context, run)
            case Source.AVTODIALER_CDR:
                self._cdr(context, run, now)
            case Source.PHONET_CONTACTS:
                self._book(context, run, now)

    def _finish(self, run: SyncRun, now: int) -> None:
        run.finished_at = max(self.clock(), now)
        self.runs.record_run(run.tenant, run.source, run.record())
        self.runs.release(run.tenant, run.source, now + self.limits.lease_ms)

    # -- call history

    def _history(
        self,
        context: TenantContext,
        run: SyncRun,
        now: int,
        pages_of: Callable[[int, int], Iterator[OffsetPage[FinishedCall]]],
    ) -> None:
        limits = self.limits
        cursor = self.cursors.read(context.slug, run.source)
        mark = (
            HistoryMark.load(cursor.position) if cursor else HistoryMark(now - limits.backfill_days * DAY_MS)
        )
        run.cursor, run.lag_ms = mark.dump(), mark.lag(now)
        end_limit = now - limits.settle_ms
        pages = 0
        started = self.clock()
        while True:
            if mark.window is None:
                start = max(mark.done_to - limits.overlap_ms, 0)
                end = min(start + limits.window_ms, end_limit)
                if end <= mark.done_to:  # nothing new has settled since the last run
                    break
                mark = HistoryMark(mark.done_to, (start, end), 0)
            start, end = mark.window  # type: ignore[misc]
            resume_offset = mark.offset
            resume_at = max(0, resume_offset - limits.resume_backoff_rows)
            seen = 0
            for page in pages_of(start, end):
                seen += len(page.items) + page.unreadable
                last = page.next_offset is None
                if seen <= resume_at and not last:
                    continue  # merged by an earlier run; read only to get past it
                tally = self._merge_page(context, page)
                mark = HistoryMark(end, None, 0) if last else HistoryMark(mark.done_to, (start, end), seen)
                cursor = self._advance(context.slug, run.source, cursor, mark.dump())
                run.tally.add(tally)
                run.cursor, run.lag_ms = mark.dump(), mark.lag(now)
                pages += seen > resume_offset  # the backoff rows merged again are not new progress
                if not last and (pages >= limits.max_pages or self.clock() - started >= limits.run_ms):
                    run.caught_up = False
                    return
                if last:
                    break
            else:  # the pages ended without a last one (an empty iterator): the window is done
                mark = HistoryMark(end, None, 0)
                cursor = self._advance(context.slug, run.source, cursor, mark.dump())
                run.cursor, run.lag_ms = mark.dump(), mark.lag(now)
            if end >= end_limit:
                break
            if pages >= limits.max_pages or self.clock() - started >= limits.run_ms:
                run.caught_up = False
                break

    def _merge_page(self, context: TenantContext, page: OffsetPage[FinishedCall]) -> Tally:
        tally = Tally(read=len(page.items) + page.unreadable, failed=page.unreadable)
        _merge_each(tally, page.items, lambda call: self.calls.record_finished_call(context, call))
        return tally

    def _advance(self, tenant: str, source: str, old: SyncCursor | None, position: str) -> SyncCursor:
        new = SyncCursor(
            tenant=tenant,
            source=source,
            position=position,
            version=(old.version if old else 0) + 1,
            updated_at=self.clock(),
        )
        try:
            self.cursors.advance(old, new)
        except Conflict as exc:
            raise _Lost from exc
        return new

    # -- users

    def _users(
        self, context: TenantContext, run: SyncRun, listed: Callable[[], list[VendorUser]], *, by_ext: bool
    ) -> None:
        """The vendor's users matched to employees (Phonet: by extension, then email; Obzvonilka: by
        its user id, then email), created or updated. The cursor keeps which employees this sync made
        or matched (`managed`): only those are deactivated when the vendor no longer lists them (and
        reactivated if it lists them again), never on a list that came back empty or with rows the
        client could not read; nobody is ever deleted."""
        cursor = self.cursors.read(context.slug, run.source)
        roster = _Roster(self.tenants, context, json.loads(cursor.position) if cursor else {}, by_ext=by_ext)
        users = listed()
        unreadable = users.unreadable  # rows the client could not read
        roster.tally.read, roster.tally.failed = len(users) + unreadable, unreadable
        for user in users:
            try:
                roster.apply(user)
            except HubError as error:  # a taken extension or login: this user, not the others
                if error.retryable:
                    raise
                roster.tally.failed += 1
        if users and not unreadable:
            roster.retire_unlisted()
        elif roster.managed:  # an empty or partly unreadable list proves nobody left
            roster.notes["kept"] = ["the vendor's list was empty or partly unreadable: nobody deactivated"]
        self._advance(context.slug, run.source, cursor, roster.position())
        run.tally.add(roster.tally)
        run.details = {key: value for key, value in roster.notes.items() if value}

    # -- bases

    def _bases(self, context: TenantContext, run: SyncRun) -> None:
        """Obzvonilka's bases, kept in the cursor for later campaign targeting (at most `max_bases`)."""
        cursor = self.cursors.read(context.slug, run.source)
        before = {b["id"]: b for b in json.loads(cursor.position).get("bases", [])} if cursor else {}
        bases = self.accounts.call_list(context.slug).bases()
        tally = Tally(read=len(bases))
        kept = [_base_record(base) for base in bases[: self.limits.max_bases]]
        tally.failed = len(bases) - len(kept)
        for base in kept:
            if base["id"] not in before:
                tally.created += 1
            elif before[base["id"]] != base:
                tally.merged += 1
            else:
                tally.unchanged += 1
        self._advance(context.slug, run.source, cursor, json.dumps({"bases": kept}, ensure_ascii=False))
        run.tally.add(tally)
        run.details = {"bases": kept}

    # -- robot call outcomes

    def _cdr(self, context: TenantContext, run: SyncRun, now: int) -> None:
        """The last `cdr_days` days of the dialer's outcomes (its days are the tenant's), each merged
        like the result webhook; a second run over the same days changes nothing."""
        cursor = self.cursors.read(context.slug, run.source)
        today = datetime.fromtimestamp(now / 1000, UTC).astimezone(ZoneInfo(context.tenant.timezone)).date()
        date_from = today - timedelta(days=self.limits.cdr_days - 1)
        results = self.accounts.dialer(context.slug).cdr(date_from, today)
        unreadable = results.unreadable
        tally = Tally(read=len(results) + unreadable, failed=unreadable)
        _merge_each(tally, results, lambda result: self.calls.record_dial_result(context, result))
        position = json.dumps({"date_from": date_from.isoformat(), "date_to": today.isoformat(), "at": now})
        self._advance(context.slug, run.source, cursor, position)
        run.tally.add(tally)
        run.cursor = position

    # -- Phonet's contact book

    def _book(self, context: TenantContext, run: SyncRun, now: int) -> None:
        """Off unless the tenant's `phonet_book_sync` is on (it writes into their PBX): then nothing
        is read, pushed or moved. The cursor advances only after the whole step, so a run that failed
        part-way is done again from the same mark (its merges and pushes are idempotent)."""
        if not context.tenant.settings.phonet_book_sync or self.book is None:
            run.details = {"off": "phonet_book_sync is off for this tenant"}
            return
        cursor = self.cursors.read(context.slug, run.source)
        position = self.book.step(
            context, cursor.position if cursor else None, now - self.limits.settle_ms, run
        )
        self._advance(context.slug, run.source, cursor, position)
        run.cursor = position


def _merge_each(tally: Tally, records: Iterable[Any], merge: Callable[[Any], MergeOutcome]) -> None:
    """Each record merged and counted; one the merge refuses counts as failed and the rest go on,
    while a retryable failure (storage busy) stops here, before the cursor passes them."""
    for record in records:
        try:
            tally.outcome(merge(record))
        except HubError as error:
            if error.retryable:
                raise
            tally.failed += 1


class _Roster:
    """One users sync's view of the tenant's employees and of which of them the sync manages."""

    def __init__(
        self, repo: TenantRepository, context: TenantContext, state: dict[str, Any], *, by_ext: bool
    ):
        self.repo, self.context, self.by_ext = repo, context, by_ext
        self.managed: dict[str, str] = dict(state.get("managed", {}))  # employee id -> vendor user id
        self.deactivated: set[str] = set(state.get("deactivated", []))  # by this sync: it may undo it
        self.employees = {e.id: e for e in repo.list_employees(context.slug)}
        self.seen: set[str] = set()
        self.tally = Tally()
        self.notes: dict[str, list[str]] = {
            "created": [],
            "updated": [],
            "deactivated": [],
            "reactivated": [],
        }

    def apply(self, user: VendorUser) -> None:
        employee = _match(self.employees.values(), user, by_ext=self.by_ext)
        if employee is None and not user.active:
            self.tally.unchanged += 1
            return
        if employee is None:
            employee = add_employee(
                self.repo,
                self.context.tenant,
                name=_display_name(user),
                email=user.email,
                ext=user.ext if self.by_ext else None,
                obzvonilka_user_id=None if self.by_ext else user.vendor_id,
            )
            self.tally.created += 1
            self.notes["created"].append(employee.id)
        else:
            changes = _changes(employee, user, by_ext=self.by_ext)
            if not user.active and employee.id in self.managed and employee.active:
                changes["active"] = False
                self._mark(employee.id, deactivated=True)
            elif user.active and employee.id in self.deactivated and not employee.active:
                changes["active"] = True
                self._mark(employee.id, deactivated=False)
            if changes:
                employee = update_employee(self.repo, employee, changes)
                self.tally.merged += 1
                self.notes["updated"].append(employee.id)
            else:
                self.tally.unchanged += 1
        self.employees[employee.id] = employee
        self.managed[employee.id] = user.vendor_id
        self.seen.add(employee.id)

    def retire_unlisted(self) -> None:
        """Employees this sync manages that the vendor no longer lists: deactivated, never deleted."""
        for employee_id in sorted(set(self.managed) - self.seen):
            employee = self.employees.get(employee_id)
            if employee is None:  # removed from the tenant by other means
                self.managed.pop(employee_id)
                self.deactivated.discard(employee_id)
            elif employee.active:
                update_employee(self.repo, employee, {"active": False})
                self._mark(employee_id, deactivated=True)

    def _mark(self, employee_id: str, *, deactivated: bool) -> None:
        if deactivated:
            self.deactivated.add(employee_id)
            self.notes["deactivated"].append(employee_id)
        else:
            self.deactivated.discard(employee_id)
            self.notes["reactivated"].append(employee_id)

    def position(self) -> str:
        return json.dumps(
            {"managed": self.managed, "deactivated": sorted(self.deactivated)}, separators=(",", ":")
        )


def _match(employees: Iterable[Employee], user: VendorUser, *, by_ext: bool) -> Employee | None:
    """Phonet's user by extension, then email; Obzvonilka's by its id, then email."""
    candidates = list(employees)
    if by_ext and user.ext:
        ext = user.ext.strip().lower()
        found = [e for e in candidates if (e.ext or "").lower() == ext]
        if found:
            return max(found, key=lambda e: e.active)  # an active holder of the line first
    if not by_ext:
        found = [e for e in candidates if e.obzvonilka_user_id == user.vendor_id]
        if found:
            return found[0]
    if user.email:
        email = user.email.strip().lower()
        found = [e for e in candidates if (e.email or "").lower() == email]
        if found:
            return max(found, key=lambda e: e.active)
    return None


def _display_name(user: VendorUser) -> str:
    return (
        (user.name or "").strip() or (user.email or "").strip() or (user.ext or "").strip() or user.vendor_id
    )


def _changes(employee: Employee, user: VendorUser, *, by_ext: bool) -> dict[str, Any]:
    """What the vendor says differently of a matched employee; what it leaves blank stays as it is."""
    wanted: dict[str, str | None] = {"name": (user.name or "").strip() or None, "email": user.email}
    if by_ext:
        wanted["ext"] = user.ext
    else:
        wanted["obzvonilka_user_id"] = user.vendor_id
    changes: dict[str, Any] = {}
    for name, value in wanted.items():
        if not value or not value.strip():
            continue
        current = getattr(employee, name) or ""
        normal = value.strip().lower() if name == "email" else value.strip()
        if normal != current:
            changes[name] = value
    return changes


def _base_record(base: CallList) -> dict[str, Any]:
    return {"id": base.vendor_id, "name": base.name, "deleted": base.deleted}


# -- scheduling, requests on demand, status -----------------------------------------------------


@dataclass(frozen=True)
class SyncRequest:
    """One queue message: run `source` for `tenant`. `on_demand`: someone asked for this run (POST
    /sync/{source}) and waits for one that starts after `requested_at`; `deferrals`: how often it
    found another run holding the source and was put back (SyncBoard.defer)."""

    tenant: str
    source: str
    requested_at: int
    on_demand: bool = False
    deferrals: int = 0


def scheduled_requests(tenants: TenantRepository, sources: Iterable[str], now: int) -> list[SyncRequest]:
    """One request per tenant with credentials for the source's vendor, per source."""
    requests: list[SyncRequest] = []
    by_vendor: dict[Vendor, list[str]] = {}
    for name in sources:
        source = source_named(name)
        if source.vendor not in by_vendor:
            by_vendor[source.vendor] = tenants.tenants_with_credentials(source.vendor)
        requests.extend(SyncRequest(slug, source.value, now) for slug in by_vendor[source.vendor])
    return requests


@dataclass(frozen=True)
class SourceStatus:
    source: Source
    credentials: bool
    cursor: str | None
    lag_ms: int | None
    last_run: dict[str, Any] | None


class SyncBoard:
    """The sync status and runs on demand, as the REST API offers them: a run goes through the queue
    (a backfill takes minutes, far beyond API Gateway's 29 s), the answer points at the status."""

    # A run on demand that finds another one running waits this many times for it (each a delayed
    # message, e.g. 15 s): longer than a run's lease, so the one asked for always runs after it.
    MAX_DEFERRALS = 25

    def __init__(
        self,
        runs: SyncRuns,
        tenants: TenantRepository,
        queue: MessageQueue,
        later: MessageQueue | None = None,
    ) -> None:
        """`later`: the same queue, its messages delayed (where a deferred run waits)."""
        self.runs = runs
        self.tenants = tenants
        self.queue = queue
        self.later = later or queue

    def status(self, context: TenantContext, now: int | None = None) -> list[SourceStatus]:
        now = now_ms() if now is None else now
        states = self.runs.states(context.slug)
        credentials = self.tenants.credentials_set(context.slug)
        found: list[SourceStatus] = []
        for source in Source:
            state = states.get(source.value) or SyncState(source.value)
            position = state.cursor.position if state.cursor else None
            lag = HistoryMark.load(position).lag(now) if position and source.time_based else None
            found.append(
                SourceStatus(source, source.vendor.value in credentials, position, lag, state.last_run)
            )
        return found

    def request(self, context: TenantContext, source: str, now: int | None = None) -> SyncRequest:
        """Queue a run; a source whose vendor the tenant has no credentials for is refused at once
        (CredentialsMissing) rather than queued to fail."""
        named = source_named(source)
        if named.vendor.value not in self.tenants.credentials_set(context.slug):
            raise CredentialsMissing(
                f"store the tenant's {named.vendor.value} credentials first (PUT /settings/credentials)"
            )
        request = SyncRequest(context.slug, named.value, now_ms() if now is None else now, on_demand=True)
        self.queue.send(request)
        return request

    def defer(self, request: SyncRequest) -> bool:
        """A run found its source held by another: a scheduled one is moot (the other covers it), one
        asked for is put back to run after it, so a request is never silently dropped. False when
        dropped (scheduled, or it waited its MAX_DEFERRALS)."""
        if not request.on_demand or request.deferrals >= self.MAX_DEFERRALS:
            return False
        self.later.send(replace(request, deferrals=request.deferrals + 1))
        return True


def stored_bases(cursors: SyncCursors, tenant: str) -> list[CallList]:
    """The Obzvonilka bases the last sync saw (for campaign targeting)."""
    cursor = cursors.read(tenant, Source.OBZVONILKA_BASES.value)
    if cursor is None:
        return []
    return [
        CallList(b["id"], b.get("name"), bool(b.get("deleted"))) for b in json.loads(cursor.position)["bases"]
    ]
