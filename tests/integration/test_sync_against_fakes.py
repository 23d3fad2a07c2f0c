"""The history syncs against the Phonet fake over real loopback HTTP, with moto for storage: the
SyncService as the wiring builds it (real stores, the real CallService, VendorAccountsFromSecrets
reading SSM-on-moto credentials that point at the fake), under the failures real PBXs produce --
a session expiring mid-sync, a 5xx, a page of exactly 50 rows, an empty window, a 200 that is not
JSON, webhooks and history in either order, two runs at once, and a tenant with wrong credentials
next to one with right ones (scheduler and worker)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from hub import wiring
from hub.domain.sync import RunOutcome, Source, SyncLimits, SyncRun, SyncService
from hub.domain.tenants import TenantContext
from hub.ids import now_ms
from hub.models.call import CallStatus, Disposition
from hub.models.tenant import Vendor, credentials_for
from hub.store.calls import CallStore
from hub.store.sync import SyncStore
from hub.vendors.accounts import VendorAccountsFromSecrets
from hub.vendors.http import HttpPolicy
from hubtools.fakes import PhonetFake
from hubtools.template import Template
from tests.conftest import Seeded
from tests.support import load_function, phonet_record, sqs_record

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
COMPANY = "/rest/calls/company.api"
CLOSED_PORT = "http://127.0.0.1:9"  # nobody listens: a play's webhooks are all lost
KNOWN = "+380442246595"  # no contact in the seeded tenants: every external call is a lead


def put_phonet_credentials(seeded: Seeded, slug: str, pbx: PhonetFake, api_key: str | None = None) -> None:
    """As PUT /settings/credentials/phonet stores them: the secret in SSM, the flag in the tenants table."""
    fields = {"domain": pbx.domain, "api_key": api_key or pbx.api_key, "base_url": pbx.url}
    wiring.vendor_secrets().put(slug, Vendor.PHONET, credentials_for(Vendor.PHONET, fields))
    seeded.tenant_store.put_credentials(slug, Vendor.PHONET, now_ms())


def sync_service(limits: SyncLimits | None = None) -> SyncService:
    """wiring.sync_service() with the FAST policy (no backoff sleeps) and its own accounts."""
    accounts = VendorAccountsFromSecrets(
        wiring.vendor_secrets(),
        lambda slug: wiring.tenant_directory().by_slug(slug).tenant,
        wiring.phonet_session_cache(),
        FAST,
    )
    store = wiring.sync_store()
    return SyncService(
        accounts, wiring.call_service(), wiring.tenant_store(), store, store, limits or SyncLimits()
    )


@pytest.fixture
def pbx() -> Iterator[PhonetFake]:
    with PhonetFake(domain="acme.phonet.com.ua", api_key="acme-pbx-key") as fake:
        yield fake


@pytest.fixture
def acme(seeded: Seeded, pbx: PhonetFake) -> TenantContext:
    put_phonet_credentials(seeded, "acme", pbx)
    return seeded.acme


@pytest.fixture
def calls(seeded: Seeded, template: Template) -> CallStore:
    return CallStore(*[template.table_name(t) for t in ("CallsTable", "ContactsTable", "TenantsTable")])


@pytest.fixture
def sync_store(seeded: Seeded) -> SyncStore:
    return wiring.sync_store()


def seed_rows(pbx: PhonetFake, count: int, end_at: int, step_ms: int = 1000) -> list[dict[str, Any]]:
    """`count` answered inbound calls from distinct numbers, ending `step_ms` apart up to `end_at`."""
    return [
        pbx.add_finished_call(
            end_at=end_at - (count - i) * step_ms, other_leg_num=f"+38067{1000000 + i:07d}", bill_secs=20
        )
        for i in range(count)
    ]


def call_items(template: Template, tenant: str) -> list[dict[str, Any]]:
    """Every CALL item of `tenant` as stored (versions and all), sorted."""
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=template.table_name("CallsTable")):
        items += [
            i for i in page["Items"] if i["pk"]["S"].startswith(f"{tenant}#CALL#") and i["sk"]["S"] == "CALL"
        ]
    return sorted(items, key=lambda i: i["pk"]["S"])


def history_pages_read(pbx: PhonetFake, since_seq: int = 0) -> list[tuple[str, str, str, int | None]]:
    """The company.api pages asked for (window and offset) and what each got, after `since_seq`."""
    return [
        (h.query["timeFrom"], h.query["timeTo"], h.query["offset"], h.status)
        for h in pbx.hits("GET", COMPANY)
        if h.seq > since_seq
    ]


def last_seq(pbx: PhonetFake) -> int:
    journal = pbx.journal
    return journal[-1].seq if journal else 0


def assert_ok(run: SyncRun) -> None:
    assert run.outcome is RunOutcome.OK, (run.error_code, run.error_message)


# -- paging ----------------------------------------------------------------------------------------


def test_sync_against_fakes_session_expiring_after_the_first_page_reauthorizes_and_loses_nothing(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    rows = seed_rows(pbx, 60, end_at=now - 5 * 60_000)
    # past the first window's (empty) page and the second's first: the session dies before offset 50
    pbx.fail("expire_session", method="GET", path=COMPANY, skip=2)
    run = sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(run)
    assert (run.tally.read, run.tally.created, run.tally.failed) == (60, 60, 0)
    assert [h.status for h in pbx.hits("POST", "/rest/security/authorize")] == [200, 200]
    refused = [h for h in pbx.hits("GET", COMPANY) if h.status == 403]
    assert len(refused) == 1 and refused[0].query["offset"] == "50"  # the second page, sent again
    assert {i["pk"]["S"].rsplit("#", 1)[1] for i in call_items_of(calls)} == {r["uuid"] for r in rows}


def call_items_of(calls: CallStore) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in calls.client.get_paginator("scan").paginate(TableName=calls.table):
        items += [i for i in page["Items"] if i["sk"]["S"] == "CALL"]
    return items


def test_sync_against_fakes_a_5xx_once_is_retried_by_the_transport_within_the_run(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    rows = seed_rows(pbx, 3, end_at=now - 5 * 60_000)
    pbx.fail("status", method="GET", path=COMPANY, status=503, body="Service Unavailable")
    run = sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(run)
    assert (run.tally.read, run.tally.created) == (3, 3)
    pages = history_pages_read(pbx)
    assert pages[0][3] == 503 and pages[1][:3] == pages[0][:3] and pages[1][3] == 200  # same page again
    assert len(call_items_of(calls)) == len(rows)


def test_sync_against_fakes_5xx_beyond_the_retries_fails_the_run_and_the_next_resumes(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, sync_store: SyncStore
) -> None:
    now = now_ms()
    seed_rows(pbx, 55, end_at=now - 5 * 60_000)  # in the run's second window: pages at 0 and 50
    sync = sync_service(SyncLimits(backfill_days=1))
    # past the first window's page and the second's first: offset 50 answers 500 thrice (FAST
    # retries twice), so the run fails there
    pbx.fail("status", method="GET", path=COMPANY, status=500, times=3, skip=2)
    failed = sync.run(acme, Source.PHONET_CALLS, now=now)
    assert failed.outcome is RunOutcome.ERROR and failed.error_code == "vendor_unavailable"
    assert failed.retryable and (failed.tally.read, failed.tally.created) == (50, 50)
    assert [p[3] for p in history_pages_read(pbx) if p[2] == "50"] == [500, 500, 500]
    kept = sync_store.read("acme", "phonet_calls")
    assert kept is not None and json.loads(kept.position)["offset"] == 50  # the landed page only
    assert len(call_items_of(calls)) == 50
    again = sync.run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(again)
    # resumed inside the window: the page before the failed one merged again (unchanged), then on
    assert (again.tally.read, again.tally.created, again.tally.unchanged) == (55, 5, 50)
    assert json.loads(sync_store.read("acme", "phonet_calls").position).get("window") is None  # type: ignore[union-attr]
    assert len(call_items_of(calls)) == 55


def test_sync_against_fakes_a_page_of_exactly_50_asks_for_the_next_and_an_empty_one_ends_it(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    seed_rows(pbx, 50, end_at=now - 5 * 60_000)
    limits = SyncLimits(backfill_days=1)
    run = sync_service(limits).run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(run)
    assert (run.tally.read, run.tally.created) == (50, 50)
    pages = history_pages_read(pbx)
    with_rows = [p for p in pages if p[2] == "50"]
    assert len(with_rows) == 1 and with_rows[0][3] == 200  # the empty page after the full one
    assert all(p[3] == 200 for p in pages)
    assert len(call_items_of(calls)) == 50


def test_sync_against_fakes_an_empty_window_moves_the_cursor_and_creates_nothing(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, sync_store: SyncStore
) -> None:
    now = now_ms()
    run = sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(run)
    assert run.tally.read == 0 and call_items_of(calls) == []
    cursor = sync_store.read("acme", "phonet_calls")
    assert cursor is not None and json.loads(cursor.position) == {"done_to": now - SyncLimits().settle_ms}
    assert all(p[2] == "0" and p[3] == 200 for p in history_pages_read(pbx))


def test_sync_against_fakes_a_200_that_is_not_json_fails_the_run_and_keeps_the_cursor(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, sync_store: SyncStore
) -> None:
    now = now_ms()
    sync = sync_service(SyncLimits(backfill_days=1))
    assert_ok(sync.run(acme, Source.PHONET_CALLS, now=now))
    settled = sync_store.read("acme", "phonet_calls")
    seed_rows(pbx, 3, end_at=now + 4 * 60_000)
    later = now + 10 * 60_000
    html = "<html><body>502 Bad Gateway</body></html>"
    pbx.fail("status", method="GET", path=COMPANY, status=200, body=html, content_type="text/html")
    failed = sync.run(acme, Source.PHONET_CALLS, now=later)
    assert failed.outcome is RunOutcome.ERROR and failed.error_code == "vendor_unavailable"
    assert sync_store.read("acme", "phonet_calls") == settled  # not moved: no "no calls" read
    assert sync_store.states("acme")["phonet_calls"].last_run["error_code"] == "vendor_unavailable"
    assert call_items_of(calls) == []
    again = sync.run(acme, Source.PHONET_CALLS, now=later)
    assert_ok(again)
    assert (again.tally.read, again.tally.created) == (3, 3)


# -- the same call from webhooks and history -------------------------------------------------------


@pytest.mark.parametrize("webhooks_first", [True, False], ids=["webhooks-first", "history-first"])
def test_sync_against_fakes_webhooks_and_history_in_either_order_make_one_complete_record(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, webhooks_first: bool
) -> None:
    now = now_ms()
    played = pbx.play("inbound_answered", CLOSED_PORT, caller="0931234567", ext="001", start=now / 1000 - 300)
    assert all(d.error for d in played.deliveries)  # lost on the way: we deliver them by hand
    (row,) = played.rows
    service = wiring.call_service()

    def webhooks() -> None:
        for body in played.events:
            service.record_pbx_event(acme, phonet_record(acme, body))

    sync = sync_service(SyncLimits(backfill_days=1))
    if webhooks_first:
        webhooks()
        assert_ok(run := sync.run(acme, Source.PHONET_CALLS, now=now))
        assert (run.tally.merged, run.tally.created) == (1, 0)
    else:
        assert_ok(run := sync.run(acme, Source.PHONET_CALLS, now=now))
        assert run.tally.created == 1
        webhooks()
    (item,) = call_items_of(calls)
    call = calls.get_call("acme", played.uuid)
    assert call is not None and item["pk"]["S"] == f"acme#CALL#{played.uuid}"
    assert (call.status, call.talk_seconds, call.total_seconds, call.disposition) == (
        CallStatus.ANSWERED,
        row["billSecs"],
        row["duration"],
        Disposition.ANSWERED,
    )
    assert call.recordings == [row["audioRecUrl"]]
    assert set(call.legs[played.uuid]) == {"dial", "bridge", "hangup"} and set(call.history) == {played.uuid}
    assert call.employee_ext == "001" and call.other_number == "+380931234567"
    assert call.lead_pending  # one lead requested, as for webhooks alone


# -- the same window twice -------------------------------------------------------------------------


def test_sync_against_fakes_twice_over_the_same_rows_reads_them_again_and_writes_nothing(
    acme: TenantContext, pbx: PhonetFake, template: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = now_ms()
    # inside the overlap every run reads again (rows the PBX writes late): both runs see all 5
    seed_rows(pbx, 5, end_at=now - 2 * 60_000, step_ms=30_000)
    saves: list[str] = []
    original = CallStore.save_call

    def counting(self: CallStore, old: Any, new: Any, changes: Any) -> None:
        saves.append(new.uuid)
        original(self, old, new, changes)

    monkeypatch.setattr(CallStore, "save_call", counting)
    sync = sync_service(SyncLimits(backfill_days=1))
    first = sync.run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(first)
    assert (first.tally.read, first.tally.created) == (5, 5) and len(saves) == 5
    stored = call_items(template, "acme")
    mark = last_seq(pbx)

    second = sync.run(acme, Source.PHONET_CALLS, now=now + 60_000)
    assert_ok(second)
    tally = second.tally
    assert (tally.read, tally.unchanged, tally.created, tally.merged) == (5, 5, 0, 0)
    assert len(saves) == 5  # no write the second time
    assert call_items(template, "acme") == stored  # versions and all
    # one page for the one (overlap) window, with every row in it: each row read, and merged, once
    (page,) = history_pages_read(pbx, mark)
    assert page[2] == "0" and page[3] == 200
    assert pbx.count("POST", "/rest/security/authorize") == 1  # the session was kept


# -- two runs at once ------------------------------------------------------------------------------


def test_sync_against_fakes_a_second_run_while_one_holds_the_lease_does_nothing(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, sync_store: SyncStore
) -> None:
    now = now_ms()
    seed_rows(pbx, 5, end_at=now - 5 * 60_000)
    pbx.fail("slow", method="GET", path=COMPANY, delay=1.0)  # the first page keeps the first run busy
    sync = sync_service(SyncLimits(backfill_days=1))
    runs: list[SyncRun] = []
    first = threading.Thread(target=lambda: runs.append(sync.run(acme, Source.PHONET_CALLS)))
    first.start()
    wait_for(lambda: pbx.count("GET", COMPANY) >= 1)
    second = sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS)
    first.join(timeout=20)
    assert second.outcome is RunOutcome.BUSY
    (done,) = runs
    assert_ok(done)
    assert done.tally.created == 5 and len(call_items_of(calls)) == 5
    assert sync_store.states("acme")["phonet_calls"].last_run["outcome"] == "ok"


def test_sync_against_fakes_two_runs_past_the_lease_one_advances_the_other_stops(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, sync_store: SyncStore
) -> None:
    now = now_ms()
    rows = seed_rows(pbx, 5, end_at=now - 5 * 60_000)
    # the first page keeps the first run waiting until well after the second has finished
    pbx.fail("slow", method="GET", path=COMPANY, delay=1.5)
    limits = SyncLimits(backfill_days=1, lease_ms=1)  # a lease that lapses at once: both runs go
    runs: list[SyncRun] = []
    slow = threading.Thread(target=lambda: runs.append(sync_service(limits).run(acme, Source.PHONET_CALLS)))
    slow.start()
    wait_for(lambda: pbx.count("GET", COMPANY) >= 1)
    time.sleep(0.01)
    fast = sync_service(limits).run(acme, Source.PHONET_CALLS)
    slow.join(timeout=20)
    (lost,) = runs
    assert_ok(fast)
    assert lost.outcome is RunOutcome.SUPERSEDED
    assert fast.tally.read == 5 and lost.tally.read == 0  # the loser counts nothing
    assert fast.tally.created + lost.tally.created <= 5
    items = call_items_of(calls)
    assert len(items) == 5 and {i["pk"]["S"].rsplit("#", 1)[1] for i in items} == {r["uuid"] for r in rows}
    cursor = sync_store.read("acme", "phonet_calls")
    assert cursor is not None and json.loads(cursor.position).get("window") is None
    # the status shows the run that did the work, not the one that stopped
    assert sync_store.states("acme")["phonet_calls"].last_run["outcome"] == "ok"


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- scheduler and worker: one tenant's wrong credentials next to another's right ones --------------


def test_sync_against_fakes_wrong_credentials_fail_only_their_tenant_through_scheduler_and_worker(
    seeded: Seeded, pbx: PhonetFake, calls: CallStore, sync_store: SyncStore, lambda_context: Any
) -> None:
    put_phonet_credentials(seeded, "acme", pbx)
    put_phonet_credentials(seeded, "globex", pbx, api_key="not-the-key")
    seed_rows(pbx, 3, end_at=now_ms() - 5 * 60_000)
    scheduler = load_function("sync_scheduler")
    assert scheduler.handler({"sources": ["phonet_calls"]}, lambda_context) == {"scheduled": 2}
    sqs = boto3.client("sqs")
    url = wiring.get_settings().sync_queue_url
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 2
    worker = load_function("sync_worker")
    answer = worker.handler({"Records": [sqs_record(m, "sync") for m in messages]}, lambda_context)
    assert answer["batchItemFailures"] == []  # refused credentials: a retry cannot cure them
    globex = sync_store.states("globex")["phonet_calls"].last_run
    assert (globex["outcome"], globex["error_code"]) == ("error", "vendor_auth_refused")
    acme = sync_store.states("acme")["phonet_calls"].last_run
    assert (acme["outcome"], acme["created"]) == ("ok", 3)
    assert len(call_items_of(calls)) == 3
    assert sync_store.read("globex", "phonet_calls") is None


# -- more of what real PBXs send -------------------------------------------------------------------


@pytest.mark.parametrize("webhooks_first", [True, False], ids=["webhooks-first", "history-first"])
def test_sync_against_fakes_a_department_call_from_webhooks_and_history_is_one_record_either_way(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, webhooks_first: bool
) -> None:
    now = now_ms()
    played = pbx.play(
        "department_call", CLOSED_PORT, caller=KNOWN, ext="002", ext2="001", start=now / 1000 - 300
    )
    (row,) = played.rows  # the leg that answered; the conversation is the parent's
    service = wiring.call_service()
    sync = sync_service(SyncLimits(backfill_days=1))

    def webhooks() -> None:
        for body in played.events:
            service.record_pbx_event(acme, phonet_record(acme, body))

    if webhooks_first:
        webhooks()
        assert_ok(sync.run(acme, Source.PHONET_CALLS, now=now))
    else:
        assert_ok(sync.run(acme, Source.PHONET_CALLS, now=now))
        webhooks()
    (item,) = call_items_of(calls)
    assert item["pk"]["S"] == f"acme#CALL#{played.parent_uuid}"
    call = calls.get_call("acme", played.parent_uuid or "")
    assert call is not None
    assert (call.status, call.employee_ext, call.talk_seconds, call.total_seconds) == (
        CallStatus.ANSWERED,
        "001",
        row["billSecs"],
        row["duration"],
    )
    assert call.recordings == [row["audioRecUrl"]] and call.disposition == Disposition.ANSWERED
    assert calls.get_callback("acme", KNOWN) is None or not calls.get_callback("acme", KNOWN).open  # type: ignore[union-attr]


def test_sync_against_fakes_missed_list_logs_a_lost_missed_call_with_its_callback_once(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    played = pbx.play("inbound_missed", CLOSED_PORT, caller="0501112233", ext="001", start=now / 1000 - 300)
    sync = sync_service(SyncLimits(backfill_days=1))
    missed = sync.run(acme, Source.PHONET_MISSED, now=now)
    assert_ok(missed)
    assert (missed.tally.read, missed.tally.created) == (1, 1)
    assert pbx.count("GET", "/rest/calls/missed.api") >= 1
    company = sync.run(acme, Source.PHONET_CALLS, now=now)  # the same row in the company history
    assert_ok(company)
    assert (company.tally.read, company.tally.unchanged, company.tally.created) == (1, 1, 0)
    call = calls.get_call("acme", played.uuid)
    assert call is not None and call.status == CallStatus.MISSED
    assert call.disposition == Disposition.NO_ANSWER
    callback = calls.get_callback("acme", "+380501112233")
    assert callback is not None and (callback.open, callback.count, callback.missed_calls) == (
        True,
        1,
        [played.uuid],
    )


def test_sync_against_fakes_rows_with_no_leg_string_ids_a_spaced_recording_and_odd_codes_all_merge(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    ivr = pbx.add_finished_call(end_at=now - 300_000, other_leg_num="0671110001", leg=None, bill_secs=0)
    nulls = pbx.add_finished_call(
        end_at=now - 290_000, other_leg_num="0671110002", leg={"id": "36", "type": 1, "ext": None}
    )
    spaced = pbx.add_finished_call(end_at=now - 280_000, other_leg_num="0671110003", bill_secs=12)
    spaced["audioRecUrl"] = spaced["audioRecUrl"] + " "  # the row is the fake's own: edit it there
    spaced.pop("parentUuid", None)
    odd = pbx.add_finished_call(end_at=now - 270_000, other_leg_num="0671110004", disposition=7, bill_secs=0)
    run = sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(run)
    assert (run.tally.read, run.tally.created, run.tally.failed) == (4, 4, 0)
    assert calls.get_call("acme", ivr["uuid"]).employee_ext is None  # type: ignore[union-attr]
    assert calls.get_call("acme", nulls["uuid"]).employee_ext is None  # type: ignore[union-attr]
    assert calls.get_call("acme", spaced["uuid"]).recordings == [spaced["audioRecUrl"].strip()]  # type: ignore[union-attr]
    assert calls.get_call("acme", odd["uuid"]).disposition is None  # type: ignore[union-attr]


def test_sync_against_fakes_a_session_refused_as_a_302_to_the_login_page_mid_sync_reauthorizes(
    seeded: Seeded, calls: CallStore
) -> None:
    """403 is the seed's (above); some PBXs redirect to their login page instead."""
    expired_status = 302
    with PhonetFake(domain="acme.phonet.com.ua", api_key="k", expired_status=expired_status) as fake:
        put_phonet_credentials(seeded, "acme", fake)
        now = now_ms()
        seed_rows(fake, 55, end_at=now - 5 * 60_000)
        fake.fail("expire_session", method="GET", path=COMPANY, skip=2)
        run = sync_service(SyncLimits(backfill_days=1)).run(seeded.acme, Source.PHONET_CALLS, now=now)
        assert_ok(run)
        assert (run.tally.read, run.tally.created) == (55, 55)
        assert [h.status for h in fake.hits("GET", COMPANY)].count(expired_status) == 1
        assert fake.count("POST", "/rest/security/authorize") == 2
    assert len(call_items_of(calls)) == 55


def test_sync_against_fakes_phonet_users_match_by_extension_then_create_and_the_second_run_is_idle(
    acme: TenantContext, pbx: PhonetFake, seeded: Seeded
) -> None:
    sync = sync_service()
    first = sync.run(acme, Source.PHONET_USERS)
    assert_ok(first)
    employees = {e.ext: e for e in seeded.tenant_store.list_employees("acme")}
    assert set(employees) >= {"001", "002", "003"}
    assert employees["001"].id == seeded.manager.id  # matched by extension, not created again
    assert (first.tally.read, first.tally.created, first.tally.merged) == (3, 2, 1)
    second = sync.run(acme, Source.PHONET_USERS)
    assert_ok(second)
    assert (second.tally.read, second.tally.created, second.tally.merged, second.tally.unchanged) == (
        3,
        0,
        0,
        3,
    )
    assert pbx.count("GET", "/rest/users") == 2


@pytest.mark.parametrize("scenario", ["inbound_answered", "inbound_missed"])
def test_sync_against_fakes_a_call_whose_hangup_was_lost_is_ended_by_the_history(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore, scenario: str
) -> None:
    now = now_ms()
    played = pbx.play(scenario, CLOSED_PORT, caller="0931234599", ext="001", start=now / 1000 - 300)
    service = wiring.call_service()
    for body in played.events:
        if body["event"] != "call.hangup":  # the hangup was lost on the way
            service.record_pbx_event(acme, phonet_record(acme, body))
    before = calls.get_call("acme", played.uuid)
    assert before is not None and before.ended_at is None
    assert_ok(sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS, now=now))
    (row,) = played.rows
    call = calls.get_call("acme", played.uuid)
    assert call is not None and call.ended_at == row["endAt"]
    answered = scenario == "inbound_answered"
    assert call.status == (CallStatus.ANSWERED if answered else CallStatus.MISSED)
    callback = calls.get_callback("acme", "+380931234599")
    if answered:
        assert call.talk_seconds == row["billSecs"] and call.recordings == [row["audioRecUrl"]]
        assert callback is None or not callback.open
    else:
        assert callback is not None and (callback.open, callback.missed_calls) == (True, [played.uuid])


def test_sync_against_fakes_a_group_call_nobody_answered_is_one_missed_call_and_one_callback(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    parent = "a0" * 16
    legs = [
        pbx.add_finished_call(
            parent_uuid=parent, end_at=now - 300_000, ext=ext, other_leg_num="0931230000", bill_secs=0
        )
        for ext in ("001", "002")
    ]
    run = sync_service(SyncLimits(backfill_days=1)).run(acme, Source.PHONET_CALLS, now=now)
    assert_ok(run)
    assert (run.tally.read, run.tally.created, run.tally.merged) == (2, 1, 1)
    (item,) = call_items_of(calls)
    call = calls.get_call("acme", parent)
    assert (
        call is not None
        and call.status == CallStatus.MISSED
        and set(call.history) == {leg["uuid"] for leg in legs}
    )
    callback = calls.get_callback("acme", "+380931230000")
    assert callback is not None and (callback.open, callback.count, callback.missed_calls) == (
        True,
        1,
        [parent],
    )


def test_sync_against_fakes_calls_and_missed_syncs_at_once_count_each_miss_once(
    acme: TenantContext, pbx: PhonetFake, calls: CallStore
) -> None:
    now = now_ms()
    rows = [
        pbx.add_finished_call(end_at=now - 600_000 + i * 20_000, other_leg_num="0931239999", bill_secs=0)
        for i in range(4)
    ]
    runs: dict[Source, SyncRun] = {}
    start = threading.Barrier(2)

    def run(source: Source) -> None:
        start.wait()
        runs[source] = sync_service(SyncLimits(backfill_days=1)).run(acme, source, now=now)

    threads = [threading.Thread(target=run, args=(s,)) for s in (Source.PHONET_CALLS, Source.PHONET_MISSED)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for done in runs.values():
        assert_ok(done)
    assert sum(r.tally.created for r in runs.values()) == 4
    assert len(call_items_of(calls)) == 4
    callback = calls.get_callback("acme", "+380931239999")
    assert callback is not None and callback.open and callback.count == 4
    assert sorted(callback.missed_calls) == sorted(r["uuid"] for r in rows)
