"""A large contact import end to end: accepted over HTTP as a job, applied by the import worker
through the local runner's SQS poller, reported on its status URL."""

from __future__ import annotations

import time

import requests

from hub.store.contacts import ContactStore
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub


def test_large_import_is_a_job_the_runner_finishes_and_a_retry_returns(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="imports")
    headers = {"X-API-Key": demo["tenant"]["api_key"], "Idempotency-Key": "e2e-import-1"}
    rows = [{"name": f"Import {i}", "phones": [{"number": f"+38063{i:07d}"}]} for i in range(150)]
    url = f"{hub.api_url}/api/v1/contacts/import"
    requests.get(f"{hub.api_url}/api/v1/contacts", headers=headers, timeout=30)  # a warm function
    started = time.monotonic()
    accepted = requests.post(url, json={"rows": rows}, headers=headers, timeout=30)
    assert accepted.status_code == 202, accepted.text
    assert time.monotonic() - started < 5
    job = accepted.json()
    status_url = hub.api_url + job["status_url"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and job["status"] != "done":
        time.sleep(0.5)
        job = requests.get(status_url, headers=headers, timeout=30).json()
    assert (job["status"], job["created"], job["failed"], job["chunks_done"]) == ("done", 150, 0, 2)
    again = requests.post(url, json={"rows": rows}, headers=headers, timeout=30)
    assert again.status_code == 202 and again.json()["job_id"] == job["job_id"]
    contacts = ContactStore(hub.template.table_name("ContactsTable"), hub.aws.client("dynamodb"))
    assert len(contacts.phone_entries("imports", "+380630000149")) == 1
    assert len(contacts.by_name("imports", "Import", limit=500)) == 150
