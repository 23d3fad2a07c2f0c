"""In-memory fakes for the syncs (hub.domain.sync): cursors with their conditional advance, run
records, a tenant repository that answers which tenants have a vendor's credentials, a call merge
stub, and vendor clients whose pages and failures a test sets."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from hub.domain.tenants import TenantContext
from hub.errors import Conflict, CredentialsMissing, HubError
from hub.models.call import MergeOutcome
from hub.models.tenant import Vendor
from hub.ports.vendors import (
    CallList,
    DialResult,
    FinishedCall,
    Listing,
    OffsetPage,
    SyncCursor,
    SyncState,
    VendorUser,
)
from tests.unit.memory import MemoryTenants


class MemorySyncStore:
    """SyncCursors and SyncRuns: an advance lands only on the version read."""

    def __init__(self) -> None:
        self.cursors: dict[tuple[str, str], SyncCursor] = {}
        self.runs: dict[tuple[str, str], dict[str, Any]] = {}
        self.advances = 0
        self.leases: dict[tuple[str, str], int] = {}

    def read(self, tenant: str, source: str) -> SyncCursor | None:
        return self.cursors.get((tenant, source))

    def advance(self, old: SyncCursor | None, new: SyncCursor) -> None:
        current = self.cursors.get((new.tenant, new.source))
        if (current.version if current else None) != (old.version if old else None):
            raise Conflict("the sync cursor was moved by another run")
        self.cursors[(new.tenant, new.source)] = new
        self.advances += 1

    def record_run(self, tenant: str, source: str, run: dict[str, Any]) -> None:
        self.runs[(tenant, source)] = copy.deepcopy(run)

    def claim(self, tenant: str, source: str, until: int, now: int) -> bool:
        held = self.leases.get((tenant, source))
        if held is not None and held > now:
            return False
        self.leases[(tenant, source)] = until
        return True

    def release(self, tenant: str, source: str, until: int) -> None:
        if self.leases.get((tenant, source)) == until:
            del self.leases[(tenant, source)]

    def states(self, tenant: str) -> dict[str, SyncState]:
        sources = {s for t, s in self.cursors if t == tenant} | {s for t, s in self.runs if t == tenant}
        return {s: SyncState(s, self.cursors.get((tenant, s)), self.runs.get((tenant, s))) for s in sources}


class SyncTenants(MemoryTenants):
    def tenants_with_credentials(self, vendor: Vendor) -> list[str]:
        return sorted(slug for slug, name in self.credentials if name == vendor.value)


class StubCalls:
    """The two merges a sync calls: created the first time a record is seen, then unchanged (or
    merged when it says more), like hub.domain.calls' idempotent merge."""

    def __init__(self) -> None:
        self.finished: dict[str, FinishedCall] = {}
        self.dialed: dict[tuple[str, str], DialResult] = {}
        self.merges = 0
        self.fail_uuids: dict[str, HubError] = {}

    def record_finished_call(self, context: TenantContext, call: FinishedCall) -> MergeOutcome:
        self.merges += 1
        if call.uuid in self.fail_uuids:
            raise self.fail_uuids[call.uuid]
        before = self.finished.get(call.uuid)
        self.finished[call.uuid] = call
        if before is None:
            return MergeOutcome.CREATED
        return MergeOutcome.UNCHANGED if before == call else MergeOutcome.MERGED

    def record_dial_result(self, context: TenantContext, result: DialResult) -> MergeOutcome:
        self.merges += 1
        key = (result.job_id, result.phone)
        before = self.dialed.get(key)
        self.dialed[key] = result
        return MergeOutcome.CREATED if before is None else MergeOutcome.UNCHANGED


def finished(uuid: str, ended_at: int) -> FinishedCall:
    return FinishedCall(
        uuid=uuid,
        parent_uuid=None,
        direction=None,
        ended_at=ended_at,
        answered=True,
        talk_seconds=10,
        total_seconds=15,
    )


@dataclass
class FakePbx:
    """History by end time, paged `page_size` at a time like Phonet (a short page is the last);
    `fail_at`: the offsets whose page raises, once each. `users_list` for the users sync."""

    calls: list[FinishedCall] = field(default_factory=list)
    missed: list[FinishedCall] = field(default_factory=list)
    users_list: list[VendorUser] = field(default_factory=list)
    page_size: int = 50
    fail_at: dict[int, HubError] = field(default_factory=dict)
    requests: list[tuple[int, int, int]] = field(default_factory=list)

    def company_calls(self, time_from: int, time_to: int) -> Iterator[OffsetPage[FinishedCall]]:
        return self._pages(self.calls, time_from, time_to)

    def missed_calls(self, time_from: int, time_to: int) -> Iterator[OffsetPage[FinishedCall]]:
        return self._pages([replace(c, still_missed=True) for c in self.missed], time_from, time_to)

    def users(self) -> Listing[VendorUser]:
        return Listing(self.users_list)

    def _pages(
        self, rows: list[FinishedCall], time_from: int, time_to: int
    ) -> Iterator[OffsetPage[FinishedCall]]:
        window = sorted((c for c in rows if time_from <= c.ended_at <= time_to), key=lambda c: c.ended_at)
        offset = 0
        while True:
            self.requests.append((time_from, time_to, offset))
            if offset in self.fail_at:
                raise self.fail_at.pop(offset)
            items = window[offset : offset + self.page_size]
            short = len(items) < self.page_size
            yield OffsetPage(items, None if short else offset + self.page_size)
            if short:
                return
            offset += self.page_size


@dataclass
class FakeDialer:
    results: list[DialResult] = field(default_factory=list)
    asked: list[tuple[date, date]] = field(default_factory=list)
    MAX_RECORDS: int = 1000

    def cdr(self, date_from: date, date_to: date, number: str | None = None) -> Listing[DialResult]:
        self.asked.append((date_from, date_to))
        return Listing(self.results)


@dataclass
class FakeCallList:
    bases_list: list[CallList] = field(default_factory=list)
    users_list: list[VendorUser] = field(default_factory=list)

    def bases(self) -> list[CallList]:
        return list(self.bases_list)

    def users(self) -> Listing[VendorUser]:
        return Listing(self.users_list)


class FakeAccounts:
    """VendorAccounts: per tenant, a client or an error (CredentialsMissing by default)."""

    def __init__(self) -> None:
        self.pbxs: dict[str, Any] = {}
        self.dialers: dict[str, Any] = {}
        self.call_lists: dict[str, Any] = {}

    def pbx(self, tenant: str) -> Any:
        return _client(self.pbxs, tenant, "phonet")

    def dialer(self, tenant: str) -> Any:
        return _client(self.dialers, tenant, "avtodialer")

    def call_list(self, tenant: str) -> Any:
        return _client(self.call_lists, tenant, "obzvonilka")


def _client(clients: dict[str, Any], tenant: str, vendor: str) -> Any:
    found = clients.get(tenant)
    if found is None:
        raise CredentialsMissing(f"no {vendor} credentials stored")
    if isinstance(found, HubError):
        raise found
    return found
