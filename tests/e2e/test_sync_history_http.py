"""The history sync end to end through the local runner: the fake PBX's history read by the sync
worker (a process of its own, with the credentials PUT stores) after POST /api/v1/sync/phonet_calls,
and what the REST API then shows -- a call whose webhooks were all lost appears complete, a call the
webhooks logged gains what only the history knows and stays one record."""

from __future__ import annotations

import time
from typing import Any

import requests

from hubtools.fakes import PhonetFake
from hubtools.local.demo import DEMO_EMPLOYEES, seed_credentials, seed_demo
from hubtools.local.runner import LocalHub

IVAN_IVANOV = "+380442246595"  # the demo contact's number
CLOSED_PORT = "http://127.0.0.1:9"  # nobody listens there: every webhook of a play is lost


def tenant_pbx(slug: str) -> PhonetFake:
    """A PBX of the tenant's own (its own domain and key: no session shared with other tests')."""
    staff = [{"id": 30 + i, "displayName": e["name"], "ext": e["ext"]} for i, e in enumerate(DEMO_EMPLOYEES)]
    return PhonetFake(domain=f"{slug}.phonet.com.ua", api_key=f"{slug}-phonet-key", employees=staff)


def api(demo: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    session.headers["X-API-Key"] = demo["tenant"]["api_key"]
    return session


def sync_once(
    hub: LocalHub,
    session: requests.Session,
    source: str = "phonet_calls",
    answer_timeout: float = 30,
    wait: float = 45,
) -> dict[str, Any]:
    """POST /sync/{source}, then GET /sync until a run started after the request has finished
    (within `wait` seconds; each request within `answer_timeout`)."""
    queued = session.post(f"{hub.api_url}/api/v1/sync/{source}", timeout=answer_timeout)
    assert queued.status_code == 202, queued.text
    requested_at = queued.json()["requested_at"]
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        items = session.get(f"{hub.api_url}/api/v1/sync", timeout=answer_timeout).json()["items"]
        run = next(item for item in items if item["source"] == source)["last_run"]
        if run and run["started_at"] >= requested_at and run.get("finished_at"):
            return run
        time.sleep(0.3)
    raise AssertionError(f"no {source} run finished within {wait:g} s")


def get_call(hub: LocalHub, session: requests.Session, uuid: str) -> dict[str, Any]:
    answer = session.get(f"{hub.api_url}/api/v1/calls/{uuid}", timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def ids(hub: LocalHub, session: requests.Session) -> tuple[dict[str, str], str]:
    """Employee ids by extension, and the demo contact's id."""
    employees = session.get(f"{hub.api_url}/api/v1/employees", timeout=30).json()["items"]
    found = session.get(f"{hub.api_url}/api/v1/contacts", params={"phone": IVAN_IVANOV}, timeout=30).json()
    return {e["ext"]: e["id"] for e in employees}, found["items"][0]["id"]


def test_sync_history_http_calls_whose_webhooks_were_lost_appear_complete_after_one_sync(
    hub: LocalHub,
) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="lostcalls")
    session = api(demo)
    employees, ivan = ids(hub, session)
    stranger = "+380671112299"
    now = time.time()
    with tenant_pbx("lostcalls") as pbx:
        seed_credentials(hub.aws, hub.template, "lostcalls", {"phonet": pbx})
        answered = pbx.play("inbound_answered", CLOSED_PORT, caller=IVAN_IVANOV, ext="001", start=now - 600)
        missed = pbx.play("inbound_missed", CLOSED_PORT, caller=stranger, ext="002", start=now - 300)
        assert all(d.error for d in answered.deliveries + missed.deliveries)  # nothing reached the hub
        assert get_call_status(hub, session, answered.uuid) == 404
        run = sync_once(hub, session)
        assert (run["outcome"], run["read"], run["created"], run["failed"]) == ("ok", 2, 2, 0), run
        assert pbx.count("POST", "/rest/security/authorize") == 1
        first_record = get_call(hub, session, answered.uuid)
        # again over the same rows (the next window starts an overlap back): read, merged, not written
        pages_before = pbx.count("GET", "/rest/calls/company.api")
        again = sync_once(hub, session)
        assert (again["read"], again["unchanged"], again["created"], again["merged"]) == (2, 2, 0, 0), again
        assert pbx.count("GET", "/rest/calls/company.api") == pages_before + 1  # one page, both rows
        assert pbx.count("POST", "/rest/security/authorize") == 1  # the session kept in the table
        assert get_call(hub, session, answered.uuid) == first_record  # version and updated_at too

    (row,) = answered.rows
    call = get_call(hub, session, answered.uuid)
    assert (call["direction"], call["status"], call["state"]) == ("inbound", "answered", "ended")
    assert (call["employee_ext"], call["employee_id"]) == ("001", employees["001"])
    assert (call["other_number"], call["contact_ids"]) == (IVAN_IVANOV, [ivan])
    assert (call["talk_seconds"], call["total_seconds"], call["disposition"]) == (30, 35, "answered")
    assert call["recordings"] == [row["audioRecUrl"]] and call["ended_at"] == row["endAt"]
    assert call["trunk_num"] == "+380442246500"
    listed = session.get(f"{hub.api_url}/api/v1/calls", params={"contact_id": ivan}, timeout=30).json()
    assert [c["uuid"] for c in listed["items"]] == [answered.uuid]

    lost = get_call(hub, session, missed.uuid)
    assert (lost["direction"], lost["status"], lost["employee_id"]) == ("inbound", "missed", employees["002"])
    assert (lost["talk_seconds"], lost["disposition"], lost["recordings"]) == (None, "no_answer", [])
    callbacks = session.get(f"{hub.api_url}/api/v1/callbacks", timeout=30).json()["items"]
    (callback,) = [c for c in callbacks if c["phone"] == stranger]
    assert (callback["open"], callback["count"], callback["missed_calls"]) == (True, 1, [missed.uuid])
    # the unknown caller becomes a lead through the queue, as when the webhooks come
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not get_call(hub, session, missed.uuid)["contact_ids"]:
        time.sleep(0.3)
    (lead_id,) = get_call(hub, session, missed.uuid)["contact_ids"]
    lead = session.get(f"{hub.api_url}/api/v1/contacts/{lead_id}", timeout=30).json()
    assert (lead["type"], lead["name"]) == ("lead", stranger)


def get_call_status(hub: LocalHub, session: requests.Session, uuid: str) -> int:
    return session.get(f"{hub.api_url}/api/v1/calls/{uuid}", timeout=30).status_code


def test_sync_history_http_a_webhook_logged_call_gains_the_history_and_stays_one_record(
    hub: LocalHub,
) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="gainscalls")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    session = api(demo)
    employees, ivan = ids(hub, session)
    with tenant_pbx("gainscalls") as pbx:
        stored = session.put(
            f"{hub.api_url}/api/v1/settings/credentials/phonet",
            json={"domain": pbx.domain, "api_key": pbx.api_key, "base_url": pbx.url},
            timeout=30,
        )
        assert stored.status_code == 204, stored.text
        played = pbx.play(
            "outbound_answered", hooks, caller=IVAN_IVANOV, ext="002", start=time.time() - 300, timeout=30
        )
        assert all(d.status == 200 for d in played.deliveries), played.deliveries
        before = get_call(hub, session, played.uuid)
        assert before["status"] == "answered" and before["talk_seconds"] == 30
        assert (before["total_seconds"], before["disposition"], before["history"]) == (None, None, [])
        run = sync_once(hub, session)
        assert (run["outcome"], run["read"], run["merged"], run["created"]) == ("ok", 1, 1, 0), run

    (row,) = played.rows
    after = get_call(hub, session, played.uuid)
    history = (after["total_seconds"], after["disposition"], after["transfer_history"])
    assert history == (35, "answered", "002")
    assert row["audioRecUrl"] in after["recordings"] and after["ended_at"] == row["endAt"]
    assert [h["uuid"] for h in after["history"]] == [played.uuid]
    assert (after["direction"], after["employee_id"], after["contact_ids"]) == (
        "outbound",
        employees["002"],
        [ivan],
    )
    assert after["talk_seconds"] == 30 and len(after["events"]) == len(before["events"])
    listed = session.get(f"{hub.api_url}/api/v1/calls", params={"contact_id": ivan}, timeout=30).json()
    assert [c["uuid"] for c in listed["items"]] == [played.uuid]  # one record, not a second one
