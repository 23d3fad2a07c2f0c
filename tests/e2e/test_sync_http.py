"""The syncs' REST surface through the local runner over real HTTP, and the template's sync
resources as the runner brings them up: the worker's queue, its schedules, the scheduler.

A run's whole path (worker -> the Phonet fake -> the calls and the status) is in
tests/e2e/test_sync_history_http.py; on moto against the fakes in
tests/integration/test_sync_against_fakes.py."""

from __future__ import annotations

import requests

from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub


def test_sync_http_status_lists_every_source_a_run_is_queued_an_unknown_one_is_404(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="syncs")
    headers = {"X-API-Key": demo["tenant"]["api_key"]}
    status = requests.get(f"{hub.api_url}/api/v1/sync", headers=headers, timeout=30)
    assert status.status_code == 200, status.text
    items = status.json()["items"]
    assert [item["source"] for item in items][:3] == ["phonet_calls", "phonet_missed", "phonet_users"]
    assert len(items) == 7 and all(item["last_run"] is None for item in items)

    refused = requests.post(f"{hub.api_url}/api/v1/sync/obzvonilka_bases", headers=headers, timeout=30)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "credentials_missing"
    credentials = f"{hub.api_url}/api/v1/settings/credentials/obzvonilka"
    stored = requests.put(credentials, json={"api_key": "demo-obzvonilka-key"}, headers=headers, timeout=30)
    assert stored.status_code == 204, stored.text
    queued = requests.post(f"{hub.api_url}/api/v1/sync/obzvonilka_bases", headers=headers, timeout=30)
    assert queued.status_code == 202, queued.text
    assert queued.headers["Location"] == "/api/v1/sync" and queued.json()["source"] == "obzvonilka_bases"

    unknown = requests.post(f"{hub.api_url}/api/v1/sync/everything", headers=headers, timeout=30)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_source"


def test_sync_http_runner_brings_up_the_worker_queue_and_schedules(hub: LocalHub) -> None:
    sources = {poller.source.function for poller in hub.pollers}
    assert "SyncWorkerFunction" in sources
    schedules = {(entry.function, entry.name): entry for entry in hub.scheduler.entries}
    assert {name for function, name in schedules if function == "SyncSchedulerFunction"} == {
        "CallHistory",
        "RobotOutcomes",
        "Directories",
        "ContactBook",
    }
    assert schedules[("SyncSchedulerFunction", "CallHistory")].interval_s() == 300
    assert schedules[("SyncSchedulerFunction", "Directories")].event(hub.region) == {
        "sources": ["phonet_users", "obzvonilka_users", "obzvonilka_bases"]
    }
