"""A dial campaign over real HTTP through the local runner: the batch accepted by the REST API, its
messages worked by the dial worker's own processes from the local SQS, the chunk reaching the
Avtodialer fake once, and the dialer's result webhooks counted on the batch. The tenant's time zone
is one where it is midday now, so the window is open whenever the test runs."""

from __future__ import annotations

import time
from typing import Any

import requests

from hubtools.fakes import AvtodialerFake
from hubtools.local.demo import seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from tests.integration.test_dial_batches_api import ALL_WEEK, midday_zone


def wait_for(session: requests.Session, url: str, done: Any, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = session.get(url, timeout=30).json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def test_campaign_sent_through_the_local_runner_and_its_results_counted(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="dialbatches")
    session = requests.Session()
    session.headers["X-API-Key"] = demo["tenant"]["api_key"]
    webhook = f"{hub.api_url}/hooks/avtodialer/{demo['tenant']['avtodialer_token']}/result"
    with AvtodialerFake(webhook_url=webhook) as dialer:
        seed_credentials(hub.aws, hub.template, "dialbatches", {"avtodialer": dialer})
        changed = session.patch(
            f"{hub.api_url}/api/v1/settings", json={"timezone": midday_zone()}, timeout=30
        )
        assert changed.status_code == 200, changed.text
        body = {
            "provider": "avtodialer",
            "scenario": "1",
            "window": ALL_WEEK,
            "records": [
                {"phone": "+380501112233", "name": "Іван", "vars": ["a", "b", "c"]},
                {"phone": "050 111 22 44", "name": "Марія"},
                {"phone": "+380501112233"},
            ],
        }
        created = session.post(
            f"{hub.api_url}/api/v1/dial-batches", json=body, headers={"Idempotency-Key": "e2e-1"}, timeout=30
        )
        assert created.status_code == 202, created.text
        progress = f"{hub.api_url}{created.json()['progress_url']}"
        sent = wait_for(session, progress, lambda b: b["status"] == "done")
        assert sent["status"] == "done", sent
        assert sent["counts"]["sent"] == 2 and sent["counts"]["rejected"] == {"duplicate": 1}
        assert sorted(dialer.dial_counts()["uuid"].values()) == [1, 1]

        dialer.complete(phone=dialer.calls[0].phone, sec=30)
        dialer.complete(phone=dialer.calls[1].phone, sec=0, code="NOANSWER")
        counted = wait_for(
            session, progress, lambda b: b["counts"]["answered"] + b["counts"]["not_answered"] == 2
        )
        assert (counted["counts"]["answered"], counted["counts"]["not_answered"]) == (1, 1)
