"""Call logging end to end: the fake PBX plays calls over HTTP into the local runner."""

from __future__ import annotations

import threading
import time

import requests

from hub.store.calls import CallStore
from hub.store.contacts import ContactStore
from hubtools.fakes import PhonetFake
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub

STRANGER = "+380671112233"


def stores(hub: LocalHub) -> tuple[CallStore, ContactStore]:
    client = hub.aws.client("dynamodb")
    names = [hub.template.table_name(t) for t in ("CallsTable", "ContactsTable", "TenantsTable")]
    return CallStore(*names, client=client), ContactStore(names[1], client)


def test_missed_call_opens_callback_and_a_later_answered_call_closes_it(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="callbacks")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    calls, _ = stores(hub)
    now = time.time()
    with PhonetFake(hook_base_url=hooks) as pbx:
        missed = pbx.play("inbound_missed", caller=STRANGER, ext="002", start=now - 600)
        assert all(d.status == 200 for d in missed.deliveries), missed.deliveries
        callback = calls.get_callback("callbacks", STRANGER)
        assert (callback.open, callback.count, callback.missed_calls) == (True, 1, [missed.uuid])
        assert [c.phone for c in calls.open_callbacks("callbacks")] == [STRANGER]
        returned = pbx.play("outbound_answered", caller=STRANGER, ext="001", start=now - 60)
        assert all(d.status == 200 for d in returned.deliveries), returned.deliveries
    callback = calls.get_callback("callbacks", STRANGER)
    assert callback.open is False and calls.open_callbacks("callbacks") == []
    (closed,) = calls.closed_callbacks("callbacks", STRANGER)
    assert (closed.closed_by_call, closed.closed_by_employee_ext) == (returned.uuid, "001")
    call = calls.get_call("callbacks", returned.uuid)
    assert call.status == "answered" and call.recordings and call.employee_ext == "001"


def test_unknown_caller_becomes_a_lead_through_the_queue(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="leads")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    calls, contacts = stores(hub)
    with PhonetFake(hook_base_url=hooks) as pbx:
        played = pbx.play("inbound_answered", caller="0931234567", ext="002")
    deadline = time.monotonic() + 20  # the message waits 2 s, then the runner's poller picks it up
    while time.monotonic() < deadline and calls.get_call("leads", played.uuid).lead_pending:
        time.sleep(0.3)
    call = calls.get_call("leads", played.uuid)
    assert call.lead_pending is False and len(call.contact_ids) == 1
    lead = contacts.get("leads", call.contact_ids[0])
    assert (lead.type, lead.name, lead.source) == ("lead", "+380931234567", "www.phonet.com.ua")


def test_concurrent_http_deliveries_make_one_complete_record(hub: LocalHub) -> None:
    """Concurrent requests land on separate worker processes, as on separate Lambda containers."""
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="race")
    events_url = demo["tenant"]["webhooks"]["phonet"][1]
    uuid = "racecall0000000000000000000000000"
    base = {
        "uuid": uuid,
        "lgDirection": 4,
        "accountDomain": "demo.phonet.com.ua",
        "dialAt": 1_700_000_000_000,
        "leg": {"id": 1, "ext": "001"},
        "otherLegs": [{"num": STRANGER}],
        "trunkNum": "0800218500",
    }
    bodies = [
        {**base, "event": "call.dial", "serverTime": 1_700_000_000_000},
        {**base, "event": "call.bridge", "bridgeAt": 1_700_000_005_000, "serverTime": 1_700_000_005_000},
        {**base, "event": "call.hangup", "bridgeAt": 1_700_000_005_000, "serverTime": 1_700_000_065_000},
    ] * 3
    statuses: list[int] = []
    start = threading.Barrier(len(bodies))

    def post(body: dict) -> None:
        start.wait()
        statuses.append(requests.post(events_url, json=body, timeout=30).status_code)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(bodies)
    calls, _ = stores(hub)
    call = calls.get_call("race", uuid)
    assert (call.status, set(call.legs[uuid]), call.talk_seconds) == (
        "answered",
        {"dial", "bridge", "hangup"},
        60,
    )


def test_utm_batch_reaches_its_call_through_the_queue(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="utm")
    hooks = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    calls, _ = stores(hub)
    with PhonetFake(hook_base_url=hooks) as pbx:
        # a cold function imports for seconds on a busy machine: wait for the answer longer than a PBX would
        played = pbx.play("inbound_answered", caller="0931234568", ext="002", utm=True, timeout=30)
    utm = [d for d in played.deliveries if d.kind == "utm"]
    assert [d.status for d in utm] == [200], played.deliveries
    deadline = time.monotonic() + 20  # answered at once; the runner's poller runs the UTM worker
    while time.monotonic() < deadline and not calls.get_call("utm", played.uuid).utm:
        time.sleep(0.3)
    call = calls.get_call("utm", played.uuid)
    assert call.utm and call.utm["utm_source"] == "google"
    assert calls.pending_attribution("utm", played.uuid) is None
