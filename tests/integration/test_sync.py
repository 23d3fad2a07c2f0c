"""Scheduled syncs on moto: the cursor's conditional advance in the tenants table, the scheduler's
fan-out, the worker's partial batch answer (a tenant whose vendor is down next to one whose
credentials are refused next to one that syncs), and /api/v1/sync."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import boto3
import pytest

from hub import wiring
from hub.domain.tenants import create_api_key
from hub.errors import Conflict, VendorAuthExpired, VendorUnavailable
from hub.ids import now_ms
from hub.models.tenant import Vendor
from hub.ports.vendors import SyncCursor, VendorUser
from hub.store.sync import SyncStore
from tests.conftest import Seeded
from tests.integration.test_rest_api import Api
from tests.support import load_function, sqs_record
from tests.unit.memory_sync import FakeAccounts, FakeCallList, FakePbx


@pytest.fixture
def store(seeded: Seeded) -> SyncStore:
    return SyncStore(wiring.get_settings().tenants_table)


@pytest.fixture
def accounts(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> FakeAccounts:
    """The worker's vendor accounts as test doubles (the real ones call the vendors' APIs)."""
    fake = FakeAccounts()
    monkeypatch.setattr(wiring, "worker_vendor_accounts", cache(lambda: fake))  # reset() clears it
    return fake


@pytest.fixture
def api(seeded: Seeded, lambda_context: Any) -> Api:
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    return Api(load_function("rest_api"), lambda_context, secret)


def sync_messages() -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = wiring.get_settings().sync_queue_url
    got: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        got += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return got


def deliver(lambda_context: Any, messages: list[dict[str, Any]]) -> list[str]:
    worker = load_function("sync_worker")
    answer = worker.handler({"Records": [sqs_record(m, "sync") for m in messages]}, lambda_context)
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


def test_sync_store_cursor_advances_only_from_the_version_read(store: SyncStore) -> None:
    assert store.read("acme", "phonet_calls") is None
    store.record_run("acme", "phonet_calls", {"outcome": "error", "read": 0, "lag_ms": None})
    first = SyncCursor("acme", "phonet_calls", '{"done_to":1}', version=1, updated_at=5)
    store.advance(None, first)  # a run's record already in the item is no cursor
    with pytest.raises(Conflict):
        store.advance(None, SyncCursor("acme", "phonet_calls", '{"done_to":2}', version=1))
    store.advance(first, SyncCursor("acme", "phonet_calls", '{"done_to":3}', version=2, updated_at=6))
    with pytest.raises(Conflict):
        store.advance(first, SyncCursor("acme", "phonet_calls", '{"done_to":4}', version=2))
    store.record_run("acme", "phonet_calls", {"outcome": "ok", "read": 7})
    assert store.read("acme", "phonet_calls") == SyncCursor("acme", "phonet_calls", '{"done_to":3}', 2, 6)
    states = store.states("acme")
    assert list(states) == ["phonet_calls"]
    assert states["phonet_calls"].last_run == {"outcome": "ok", "read": 7}
    assert store.states("globex") == {}


def test_sync_store_lease_is_held_until_released_or_expired(store: SyncStore) -> None:
    assert store.claim("acme", "phonet_calls", until=2_000, now=1_000)
    assert not store.claim("acme", "phonet_calls", until=2_500, now=1_500)
    store.release("acme", "phonet_calls", until=9_999)  # not ours: kept
    assert not store.claim("acme", "phonet_calls", until=2_500, now=1_500)
    store.release("acme", "phonet_calls", until=2_000)
    assert store.claim("acme", "phonet_calls", until=3_000, now=1_600)
    assert store.claim("acme", "phonet_calls", until=5_000, now=3_000)  # expired: taken over
    assert store.read("acme", "phonet_calls") is None  # a lease is no cursor


def test_sync_scheduler_sends_one_message_per_tenant_with_credentials(
    seeded: Seeded, lambda_context: Any
) -> None:
    credentials = {"acme": {Vendor.PHONET}, "globex": {Vendor.PHONET, Vendor.OBZVONILKA}}
    for slug, vendors in credentials.items():
        for vendor in vendors:
            seeded.tenant_store.put_credentials(slug, vendor, 1)  # the flag; the secret is SSM's
    scheduler = load_function("sync_scheduler")
    answer = scheduler.handler({"sources": ["phonet_users", "obzvonilka_bases"]}, lambda_context)
    assert answer == {"scheduled": 3}
    bodies = sorted((b["tenant"], b["source"]) for b in (json.loads(m["Body"]) for m in sync_messages()))
    assert bodies == [("acme", "phonet_users"), ("globex", "obzvonilka_bases"), ("globex", "phonet_users")]


def test_sync_worker_fails_only_the_retryable_message_and_records_every_run(
    seeded: Seeded, accounts: FakeAccounts, store: SyncStore, lambda_context: Any
) -> None:
    accounts.pbxs["acme"] = FakePbx(users_list=[VendorUser("7", name="Olga", ext="101")])
    accounts.pbxs["globex"] = VendorUnavailable("phonet did not answer")
    accounts.call_lists["globex"] = VendorAuthExpired("the key was refused")
    sqs = boto3.client("sqs")
    url = wiring.get_settings().sync_queue_url
    for tenant, source in (
        ("acme", "phonet_users"),
        ("globex", "phonet_users"),
        ("globex", "obzvonilka_users"),
    ):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"tenant": tenant, "source": source}))
    messages = sync_messages()
    ids = {
        json.loads(m["Body"])["tenant"] + "/" + json.loads(m["Body"])["source"]: m["MessageId"]
        for m in messages
    }
    # one batch: the partial batch answer names the one message a retry may cure
    assert deliver(lambda_context, messages) == [ids["globex/phonet_users"]]
    assert [e.ext for e in seeded.tenant_store.list_employees("acme") if e.name == "Olga"] == ["101"]
    globex = store.states("globex")
    assert globex["phonet_users"].last_run["error_code"] == "vendor_unavailable"
    assert globex["obzvonilka_users"].last_run["error_code"] == "vendor_auth_expired"
    assert store.states("acme")["phonet_users"].last_run["created"] == 1


def test_sync_worker_puts_back_a_run_asked_for_while_another_holds_the_source(
    seeded: Seeded,
    accounts: FakeAccounts,
    store: SyncStore,
    lambda_context: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A POST /sync whose run finds the source busy runs after the other instead of vanishing; a
    scheduled one is moot (the run under way covers it)."""
    monkeypatch.setattr(wiring, "SYNC_DEFER_SECONDS", 0)  # moto would hide a delayed copy
    accounts.pbxs["acme"] = FakePbx(users_list=[VendorUser("7", name="Olga", ext="101")])
    assert store.claim("acme", "phonet_users", until=now_ms() + 60_000, now=now_ms())
    sqs = boto3.client("sqs")
    url = wiring.get_settings().sync_queue_url
    asked = {"tenant": "acme", "source": "phonet_users", "requested_at": 5, "on_demand": True}
    for body in (asked, {"tenant": "acme", "source": "phonet_users", "requested_at": 5}):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    assert deliver(lambda_context, sync_messages()) == []
    assert [json.loads(m["Body"]) for m in sync_messages()] == [asked | {"deferrals": 1}]
    state = store.states("acme").get("phonet_users")
    assert state is None or not state.last_run  # a busy run records nothing
    assert not [e for e in seeded.tenant_store.list_employees("acme") if e.name == "Olga"]


def test_sync_worker_drops_a_message_for_an_unknown_tenant_or_source(
    seeded: Seeded, accounts: FakeAccounts, lambda_context: Any
) -> None:
    sqs = boto3.client("sqs")
    url = wiring.get_settings().sync_queue_url
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"tenant": "gone", "source": "phonet_users"}))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"tenant": "acme", "source": "phonet_nothing"}))
    assert deliver(lambda_context, sync_messages()) == []


def test_sync_api_status_and_run_on_demand(
    api: Api, seeded: Seeded, accounts: FakeAccounts, lambda_context: Any
) -> None:
    seeded.tenant_store.put_credentials("acme", Vendor.OBZVONILKA, 1)
    status, _, body = api.get("/sync")
    assert status == 200
    assert [item["source"] for item in body["items"]] == [
        "phonet_calls",
        "phonet_missed",
        "phonet_users",
        "avtodialer_cdr",
        "obzvonilka_users",
        "obzvonilka_bases",
        "phonet_contacts",
    ]
    assert {item["source"]: item["credentials"] for item in body["items"]}["obzvonilka_bases"] is True
    assert all(item["last_run"] is None for item in body["items"])

    status, headers, body = api.post("/sync/obzvonilka_bases")
    assert status == 202 and body["status_url"] == "/api/v1/sync" and headers["Location"] == "/api/v1/sync"
    accounts.call_lists["acme"] = FakeCallList(bases_list=[])
    from hub.ports.vendors import CallList

    accounts.call_lists["acme"].bases_list = [CallList("12", "Leads")]
    assert deliver(lambda_context, sync_messages()) == []
    _, _, body = api.get("/sync")
    bases = next(item for item in body["items"] if item["source"] == "obzvonilka_bases")
    assert bases["last_run"]["outcome"] == "ok" and bases["last_run"]["created"] == 1
    assert bases["last_run"]["details"]["bases"] == [{"id": "12", "name": "Leads", "deleted": False}]

    status, _, body = api.post("/sync/avtodialer_cdr")  # no Avtodialer credentials: not queued
    assert status == 409 and body["error"]["code"] == "credentials_missing"
    assert sync_messages() == []

    status, _, body = api.post("/sync/bogus")
    assert status == 404 and body["error"]["code"] == "unknown_source"
