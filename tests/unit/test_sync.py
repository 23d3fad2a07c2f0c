"""The scheduled syncs' use case (hub.domain.sync) on in-memory fakes: history windows and their
cursor, users matched to employees, bases, cdr, the schedule's fan-out and the status board."""

from __future__ import annotations

import json

import pytest

from hub.domain.sync import (
    DAY_MS,
    MINUTE_MS,
    HistoryMark,
    RunOutcome,
    Source,
    SyncBoard,
    SyncLimits,
    SyncRequest,
    SyncService,
    scheduled_requests,
    source_named,
    stored_bases,
)
from hub.domain.tenants import TenantContext, add_employee
from hub.errors import (
    BadRequest,
    CredentialsMissing,
    NotFound,
    Unavailable,
    VendorAuthExpired,
    VendorUnavailable,
)
from hub.models.tenant import Tenant, Vendor
from hub.ports.vendors import CallList, DialResult, Listing, VendorUser
from tests.unit.memory import MemoryQueue
from tests.unit.memory_sync import (
    FakeAccounts,
    FakeCallList,
    FakeDialer,
    FakePbx,
    MemorySyncStore,
    StubCalls,
    SyncTenants,
    finished,
)

NOW = 1_780_000_000_000
ACME = TenantContext(Tenant(slug="acme", name="Acme"))


class World:
    def __init__(self, limits: SyncLimits | None = None) -> None:
        self.tenants = SyncTenants()
        self.tenants.create_tenant(ACME.tenant, {})
        self.store = MemorySyncStore()
        self.calls = StubCalls()
        self.accounts = FakeAccounts()
        self.pbx = FakePbx()
        self.accounts.pbxs["acme"] = self.pbx
        self.clock_ms = NOW
        self.limits = limits or SyncLimits()

    def service(self) -> SyncService:
        return SyncService(
            self.accounts,
            self.calls,
            self.tenants,
            self.store,
            self.store,
            self.limits,
            lambda: self.clock_ms,
        )

    def run(self, source: Source = Source.PHONET_CALLS, now: int = NOW):  # noqa: ANN201
        return self.service().run(ACME, source, now)

    def mark(self, source: Source = Source.PHONET_CALLS) -> HistoryMark:
        cursor = self.store.read("acme", source.value)
        assert cursor is not None
        return HistoryMark.load(cursor.position)


# -- history windows ---------------------------------------------------------------------------


def test_sync_first_run_backfills_a_bounded_period_in_day_windows() -> None:
    world = World(SyncLimits(backfill_days=3))
    world.pbx.calls = [
        finished("old", NOW - 4 * DAY_MS),
        finished("a", NOW - 2 * DAY_MS),
        finished("b", NOW - 5 * MINUTE_MS),
    ]
    run = world.run()
    assert run.outcome is RunOutcome.OK and run.caught_up
    assert set(world.calls.finished) == {"a", "b"}  # nothing older than the backfill
    assert (run.tally.read, run.tally.created) == (2, 2)
    windows = sorted({(f, t) for f, t, _ in world.pbx.requests})
    assert windows[0][0] == NOW - 3 * DAY_MS - world.limits.overlap_ms
    assert all(t - f <= DAY_MS for f, t in windows)
    assert windows[-1][1] == NOW - world.limits.settle_ms  # the newest window ends a little before now
    assert world.mark() == HistoryMark(NOW - world.limits.settle_ms)
    assert run.lag_ms == world.limits.settle_ms


def test_sync_next_run_starts_an_overlap_before_the_cursor_and_counts_nothing_new() -> None:
    world = World()
    world.pbx.calls = [finished("a", NOW - 30 * MINUTE_MS)]
    world.run()
    late = finished("late", NOW - 3 * MINUTE_MS)  # written by the PBX after the first run had passed it
    world.pbx.calls.append(late)
    world.pbx.requests.clear()
    second = world.run(now=NOW + 5 * MINUTE_MS)
    first_window = world.pbx.requests[0][:2]
    assert first_window == (NOW - MINUTE_MS - world.limits.overlap_ms, NOW + 4 * MINUTE_MS)
    assert (second.tally.created, second.tally.unchanged) == (1, 0)
    assert "late" in world.calls.finished


def test_sync_same_window_twice_creates_nothing_the_second_time() -> None:
    world = World()
    world.pbx.calls = [finished(f"c{i}", NOW - (i + 2) * MINUTE_MS) for i in range(5)]
    world.run()
    world.store.cursors.clear()  # the same window walked again from scratch
    again = world.run()
    assert (again.tally.created, again.tally.merged, again.tally.unchanged) == (0, 0, 5)


def test_sync_failing_page_leaves_the_cursor_at_the_last_good_page_and_the_next_run_resumes() -> None:
    world = World(SyncLimits(backfill_days=1, window_ms=DAY_MS + 2 * 10 * MINUTE_MS, resume_backoff_rows=0))
    world.pbx.calls = [finished(f"c{i:03}", NOW - DAY_MS + i * MINUTE_MS) for i in range(120)]
    world.pbx.fail_at = {100: VendorUnavailable("phonet did not answer")}
    run = world.run()
    assert run.outcome is RunOutcome.ERROR and run.retryable and run.error_code == "vendor_unavailable"
    assert run.tally.read == 100  # two good pages counted, the failing one not
    mark = world.mark()
    assert mark.window is not None and mark.offset == 100
    world.calls.merges = 0
    world.pbx.requests.clear()
    resumed = world.run()
    assert resumed.outcome is RunOutcome.OK
    assert world.calls.merges == 20  # only the rows after the last good page are merged again
    assert resumed.tally.created == 20 and len(world.calls.finished) == 120
    assert world.pbx.requests[-1][2] == 100
    recorded = world.store.runs[("acme", "phonet_calls")]
    assert recorded["outcome"] == "ok" and recorded["created"] == 20


def test_sync_resume_merges_the_backoff_rows_again() -> None:
    world = World(SyncLimits(backfill_days=1, window_ms=2 * DAY_MS))
    world.pbx.calls = [finished(f"c{i:03}", NOW - DAY_MS + i * MINUTE_MS) for i in range(120)]
    world.pbx.fail_at = {100: VendorUnavailable("down")}
    world.run()
    world.calls.merges = 0
    world.run()
    assert world.calls.merges == 70  # the page before the saved offset again (50) and the rest (20)


def test_sync_empty_history_closes_the_window() -> None:
    world = World()
    run = world.run()
    assert run.outcome is RunOutcome.OK and run.tally.read == 0
    assert world.mark().window is None


def test_sync_page_of_exactly_fifty_then_an_empty_page_ends_the_window() -> None:
    world = World(SyncLimits(backfill_days=1, window_ms=2 * DAY_MS))
    world.pbx.calls = [finished(f"c{i}", NOW - 60 * MINUTE_MS + i) for i in range(50)]
    run = world.run()
    assert [offset for _, _, offset in world.pbx.requests] == [0, 50]
    assert (run.tally.read, run.tally.created) == (50, 50)
    assert world.mark().window is None


def test_sync_unreadable_rows_count_as_failed() -> None:
    world = World()

    def pages(time_from: int, time_to: int):  # noqa: ANN202
        from hub.ports.vendors import OffsetPage

        if time_from <= NOW - 5 * MINUTE_MS <= time_to:  # the newest window only
            yield OffsetPage([finished("ok", NOW - 5 * MINUTE_MS)], None, unreadable=2)

    world.pbx.company_calls = pages  # type: ignore[method-assign]
    run = world.run()
    assert (run.tally.read, run.tally.created, run.tally.failed) == (3, 1, 2)


def test_sync_refused_row_is_failed_while_the_page_goes_on_and_storage_busy_stops_it() -> None:
    world = World()
    world.pbx.calls = [finished("bad", NOW - 9 * MINUTE_MS), finished("good", NOW - 8 * MINUTE_MS)]
    world.calls.fail_uuids["bad"] = BadRequest("no")
    run = world.run()
    assert (run.tally.failed, run.tally.created) == (1, 1)
    world.store.cursors.clear()
    world.calls.fail_uuids["good"] = Unavailable("busy")
    busy = world.run()
    assert busy.outcome is RunOutcome.ERROR and busy.retryable
    assert world.mark().done_to < NOW - 8 * MINUTE_MS  # the cursor did not move past the page


def test_sync_two_overlapping_runs_one_advance_wins_nothing_counted_twice() -> None:
    world = World(SyncLimits(backfill_days=1, window_ms=2 * DAY_MS))  # one window
    world.pbx.calls = [finished("a", NOW - 5 * MINUTE_MS)]
    loser = world.service()
    real_advance = world.store.advance

    def meanwhile(old, new):  # noqa: ANN001, ANN202
        world.store.advance = real_advance  # type: ignore[method-assign]
        # another worker runs the same tenant and source, the first one's lease having run out
        winner = world.run(now=NOW + world.limits.lease_ms)
        # the loser merged first (its merge is before its advance): the winner finds it unchanged
        assert winner.outcome is RunOutcome.OK and (winner.tally.read, winner.tally.unchanged) == (1, 1)
        real_advance(old, new)

    world.store.advance = meanwhile  # type: ignore[method-assign]
    lost = loser.run(ACME, Source.PHONET_CALLS, NOW)
    assert lost.outcome is RunOutcome.SUPERSEDED
    assert lost.tally.read == 0  # the page it lost is the winner's to count
    assert world.store.advances == 1
    assert world.store.runs[("acme", "phonet_calls")]["outcome"] == "ok"  # the winner's record stays
    assert world.store.leases == {}  # the loser gave back nothing it no longer held


def test_sync_run_while_another_holds_the_lease_does_nothing_and_records_nothing() -> None:
    world = World()
    world.pbx.calls = [finished("a", NOW - 5 * MINUTE_MS)]
    assert world.store.claim("acme", "phonet_calls", NOW + 60_000, NOW)
    busy = world.run()
    assert busy.outcome is RunOutcome.BUSY and world.pbx.requests == [] and world.store.runs == {}
    later = world.run(now=NOW + 60_000)  # the other run's lease ran out (it died): this one goes on
    assert later.outcome is RunOutcome.OK and later.tally.created == 1
    assert world.store.leases == {}  # given back when done


def test_sync_stops_at_its_page_budget_and_the_next_run_goes_on() -> None:
    world = World(SyncLimits(backfill_days=1, window_ms=2 * DAY_MS, max_pages=1))
    world.pbx.calls = [finished(f"c{i:03}", NOW - DAY_MS + i * MINUTE_MS) for i in range(60)]
    first = world.run()
    assert not first.caught_up and first.tally.read == 50
    second = world.run()
    assert second.caught_up and len(world.calls.finished) == 60


def test_sync_missed_calls_use_their_own_cursor() -> None:
    world = World()
    world.pbx.missed = [finished("m", NOW - 5 * MINUTE_MS)]
    run = world.run(Source.PHONET_MISSED)
    assert run.tally.created == 1 and world.calls.finished["m"].still_missed
    assert world.store.read("acme", "phonet_calls") is None


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (VendorUnavailable("down"), True),
        (VendorAuthExpired("refused after signing in again"), False),
    ],
)
def test_sync_vendor_error_is_recorded_and_retryable_only_when_a_retry_can_help(error, retryable) -> None:  # noqa: ANN001
    world = World()
    world.accounts.pbxs["acme"] = error
    run = world.run()
    assert run.outcome is RunOutcome.ERROR and run.retryable is retryable
    assert world.store.runs[("acme", "phonet_calls")]["error_code"] == error.code


def test_sync_missing_credentials_recorded_not_retried() -> None:
    world = World()
    run = world.run(Source.AVTODIALER_CDR)
    assert (run.outcome, run.error_code, run.retryable) == (RunOutcome.ERROR, "credentials_missing", False)


# -- users -------------------------------------------------------------------------------------


def employees(world: World) -> dict[str, object]:
    return {e.name: e for e in world.tenants.list_employees("acme")}


def test_sync_users_match_by_ext_then_email_and_create_the_rest() -> None:
    world = World()
    by_ext = add_employee(world.tenants, ACME.tenant, name="Olga", ext="101")
    by_mail = add_employee(world.tenants, ACME.tenant, name="Ivan", email="ivan@acme.test")
    world.pbx.users_list = [
        VendorUser("1", name="Olga K", ext="101", email="olga@acme.test"),
        VendorUser("2", name="Ivan", ext="102", email="IVAN@acme.test"),
        VendorUser("3", name="New", ext="103"),
    ]
    run = world.run(Source.PHONET_USERS)
    assert (run.tally.read, run.tally.merged, run.tally.created) == (3, 2, 1)
    olga = world.tenants.get_employee("acme", by_ext.id)
    ivan = world.tenants.get_employee("acme", by_mail.id)
    assert (olga.name, olga.email) == ("Olga K", "olga@acme.test")
    assert ivan.ext == "102"
    assert employees(world)["New"].ext == "103"
    again = world.run(Source.PHONET_USERS)
    assert (again.tally.unchanged, again.tally.created, again.tally.merged) == (3, 0, 0)


def test_sync_users_deactivate_only_employees_the_sync_made_or_matched_and_never_delete() -> None:
    world = World()
    manual = add_employee(world.tenants, ACME.tenant, name="Manual", ext="900")
    world.pbx.users_list = [VendorUser("1", name="Olga", ext="101"), VendorUser("2", name="Ivan", ext="102")]
    world.run(Source.PHONET_USERS)
    world.pbx.users_list = [VendorUser("1", name="Olga", ext="101")]
    run = world.run(Source.PHONET_USERS)
    found = employees(world)
    assert not found["Ivan"].active and found["Olga"].active
    assert found["Manual"].active and world.tenants.get_employee("acme", manual.id) is not None
    assert len(found) == 3
    assert run.details["deactivated"] == [found["Ivan"].id]
    world.pbx.users_list.append(VendorUser("2", name="Ivan", ext="102"))
    back = world.run(Source.PHONET_USERS)
    assert employees(world)["Ivan"].active and back.details["reactivated"] == [found["Ivan"].id]


def test_sync_users_empty_or_unreadable_list_deactivates_nobody() -> None:
    world = World()
    world.pbx.users_list = [VendorUser("1", name="Olga", ext="101")]
    world.run(Source.PHONET_USERS)
    world.pbx.users_list = []
    empty = world.run(Source.PHONET_USERS)
    assert employees(world)["Olga"].active and "kept" in empty.details

    partly_read = Listing([VendorUser("2", name="Ivan", ext="102")], unreadable=1)
    world.pbx.users = lambda: partly_read  # type: ignore[method-assign]
    partly = world.run(Source.PHONET_USERS)
    assert employees(world)["Olga"].active and (partly.tally.read, partly.tally.failed) == (2, 1)


def test_sync_users_taken_extension_fails_that_user_only() -> None:
    world = World()
    add_employee(world.tenants, ACME.tenant, name="Holder", ext="101", email="holder@acme.test")
    mover = add_employee(world.tenants, ACME.tenant, name="Mover", email="mover@acme.test")
    world.pbx.users_list = [
        VendorUser("1", name="Mover", ext="101", email="mover@acme.test"),  # matched by ext: Holder
        VendorUser("2", name="Other", ext="102"),
    ]
    run = world.run(Source.PHONET_USERS)
    assert run.outcome is RunOutcome.OK
    assert world.tenants.get_employee("acme", mover.id).ext is None
    assert run.tally.created == 1


def test_sync_obzvonilka_users_match_by_user_id_then_email() -> None:
    world = World()
    world.accounts.call_lists["acme"] = FakeCallList(
        users_list=[
            VendorUser("77", name="Olga", email="olga@acme.test"),
            VendorUser("78", email="x@acme.test"),
        ]
    )
    known = add_employee(world.tenants, ACME.tenant, name="Olga", email="olga@acme.test")
    run = world.run(Source.OBZVONILKA_USERS)
    assert (run.tally.merged, run.tally.created) == (1, 1)
    assert world.tenants.get_employee("acme", known.id).obzvonilka_user_id == "77"
    assert employees(world)["x@acme.test"].obzvonilka_user_id == "78"
    world.accounts.call_lists["acme"].users_list[0] = VendorUser("77", name="Olga", email="new@acme.test")
    world.run(Source.OBZVONILKA_USERS)
    assert world.tenants.get_employee("acme", known.id).email == "new@acme.test"


def test_sync_disabled_vendor_user_deactivates_a_managed_employee() -> None:
    world = World()
    world.accounts.call_lists["acme"] = FakeCallList(users_list=[VendorUser("77", name="Olga")])
    world.run(Source.OBZVONILKA_USERS)
    world.accounts.call_lists["acme"].users_list = [VendorUser("77", name="Olga", active=False)]
    world.run(Source.OBZVONILKA_USERS)
    assert not employees(world)["Olga"].active


# -- bases and cdr -----------------------------------------------------------------------------


def test_sync_bases_are_stored_and_counted_as_new_changed_or_same() -> None:
    world = World()
    world.accounts.call_lists["acme"] = FakeCallList(
        bases_list=[CallList("1", "Leads"), CallList("2", "Old")]
    )
    first = world.run(Source.OBZVONILKA_BASES)
    assert first.tally.created == 2 and first.details["bases"][0] == {
        "id": "1",
        "name": "Leads",
        "deleted": False,
    }
    world.accounts.call_lists["acme"].bases_list = [
        CallList("1", "Leads"),
        CallList("2", "Old", deleted=True),
    ]
    second = world.run(Source.OBZVONILKA_BASES)
    assert (second.tally.unchanged, second.tally.merged) == (1, 1)
    assert stored_bases(world.store, "acme")[1] == CallList("2", "Old", True)


def test_sync_cdr_reads_the_last_days_and_merges_each_result_once() -> None:
    world = World(SyncLimits(cdr_days=3))
    dialer = FakeDialer([DialResult("9007199254740993", "+79001234567", NOW - 1000, code="ANSWER")])
    world.accounts.dialers["acme"] = dialer
    first = world.run(Source.AVTODIALER_CDR)
    second = world.run(Source.AVTODIALER_CDR)
    assert (first.tally.created, second.tally.unchanged) == (1, 1)
    date_from, date_to = dialer.asked[0]
    assert (date_to - date_from).days == 2
    assert json.loads(second.cursor)["date_to"] == date_to.isoformat()


# -- scheduling, status, on demand ----------------------------------------------------------------


def test_sync_schedule_one_request_per_tenant_with_credentials_per_source() -> None:
    tenants = SyncTenants()
    for slug in ("acme", "beta"):
        tenants.create_tenant(Tenant(slug=slug, name=slug), {})
        tenants.put_credentials(slug, Vendor.PHONET, 1)
    tenants.put_credentials("beta", Vendor.OBZVONILKA, 1)
    requests = scheduled_requests(tenants, ["phonet_calls", "phonet_missed", "obzvonilka_bases"], NOW)
    assert [(r.tenant, r.source) for r in requests] == [
        ("acme", "phonet_calls"),
        ("beta", "phonet_calls"),
        ("acme", "phonet_missed"),
        ("beta", "phonet_missed"),
        ("beta", "obzvonilka_bases"),
    ]
    with pytest.raises(NotFound):
        scheduled_requests(tenants, ["nope"], NOW)


def test_sync_one_tenant_failing_next_to_one_succeeding() -> None:
    world = World()
    world.tenants.create_tenant(Tenant(slug="beta", name="Beta"), {})
    world.accounts.pbxs["acme"] = VendorAuthExpired("wrong key")
    world.accounts.pbxs["beta"] = FakePbx(users_list=[VendorUser("1", name="B", ext="1")])
    service = world.service()
    failed = service.run(ACME, Source.PHONET_USERS, NOW)
    beta = TenantContext(world.tenants.get_tenant("beta"))
    ok = service.run(beta, Source.PHONET_USERS, NOW)
    assert failed.outcome is RunOutcome.ERROR and ok.outcome is RunOutcome.OK
    assert [e.name for e in world.tenants.list_employees("beta")] == ["B"]


def test_sync_board_shows_each_source_and_enqueues_a_run() -> None:
    world = World()
    world.pbx.calls = [finished("a", NOW - 5 * MINUTE_MS)]
    world.tenants.put_credentials("acme", Vendor.PHONET, 1)
    world.run()
    queue = MemoryQueue()
    board = SyncBoard(world.store, world.tenants, queue)
    status = {s.source: s for s in board.status(ACME, now=NOW + MINUTE_MS)}
    assert list(status) == list(Source)
    calls = status[Source.PHONET_CALLS]
    assert calls.credentials and calls.last_run["created"] == 1 and calls.lag_ms == 2 * MINUTE_MS
    assert not status[Source.AVTODIALER_CDR].credentials and status[Source.AVTODIALER_CDR].last_run is None
    board.request(ACME, "phonet_users", now=NOW)
    assert queue.take() == [
        {"tenant": "acme", "source": "phonet_users", "requested_at": NOW, "on_demand": True, "deferrals": 0}
    ]
    with pytest.raises(CredentialsMissing):
        board.request(ACME, "obzvonilka_bases")
    assert queue.take() == []
    with pytest.raises(NotFound):
        board.request(ACME, "bogus")


def test_sync_source_named_unknown_is_not_found() -> None:
    assert source_named("phonet_users") is Source.PHONET_USERS
    assert Source.OBZVONILKA_BASES.vendor is Vendor.OBZVONILKA
    with pytest.raises(NotFound) as caught:
        source_named("phonet")
    assert caught.value.code == "unknown_source"


def test_sync_board_defer_puts_a_requested_run_back_and_drops_a_scheduled_one() -> None:
    """A run on demand that finds its source busy runs after the other (a delayed copy), so a POST
    /sync is never silently dropped; a scheduled one is moot; waiting is bounded."""
    world = World()
    queue, later = MemoryQueue(), MemoryQueue()
    board = SyncBoard(world.store, world.tenants, queue, later)
    asked = SyncRequest("acme", "phonet_calls", NOW, on_demand=True)
    assert board.defer(asked) is True
    assert later.take() == [
        {"tenant": "acme", "source": "phonet_calls", "requested_at": NOW, "on_demand": True, "deferrals": 1}
    ]
    assert board.defer(SyncRequest("acme", "phonet_calls", NOW)) is False
    tired = SyncRequest("acme", "phonet_calls", NOW, on_demand=True, deferrals=SyncBoard.MAX_DEFERRALS)
    assert board.defer(tired) is False
    assert later.take() == [] and queue.take() == []
