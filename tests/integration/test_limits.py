"""Limits end in a clear answer, never a 500: throttling, a crowded number, a huge call, racing events."""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from types import SimpleNamespace
from typing import Any

from botocore.awsrequest import AWSResponse
from moto.dynamodb import models as moto_models
from moto.dynamodb.models.table import Table

from hub import wiring
from hub.domain import calls as domain_calls
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.imports import import_now
from hub.domain.tenants import create_api_key
from hub.errors import HubError
from hub.http import http_status
from hub.ids import now_ms
from hub.models.call import CallState, CallStatus, TimeSource
from hub.store.contacts import MAX_CONTACTS_PER_NUMBER
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import call_event_record
from tests.conftest import Seeded
from tests.support import LambdaContext, load_event, load_function, phonet_record


def throttle(operation: str, when: Any = lambda params: True) -> None:
    """Make the process's DynamoDB client answer `operation` with a throttle, as DynamoDB does once
    botocore's retries are spent (a before-call handler short-circuits the request, like Stubber)."""

    def answer(params: dict[str, Any], **_: Any) -> Any:
        if not when(params):
            return None
        error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
        return AWSResponse("https://dynamodb", 400, {}, None), error

    wiring.default_client().meta.events.register(f"before-call.dynamodb.{operation}", answer)


def test_lookup_throttled_phone_index_read_is_503_with_retry_after(seeded: Seeded, lambda_context) -> None:
    # given a known contact, and a phone-index GetItem that DynamoDB throttles
    ContactService(seeded.contact_store).create(
        seeded.acme, ContactInput(name="Ivan", phones=[PhoneInput(number="+380442246595")])
    )
    lookup = load_function("phonet_lookup")
    throttle("GetItem", lambda params: b"#P#" in params["body"])
    # when the PBX asks who is calling
    response = lookup.handler(load_event("phonet_lookup/known_contact.json"), lambda_context)
    # then it hears "busy, retry", not a 500
    assert response["statusCode"] == 503, response["body"]
    assert response["headers"].get("Retry-After") == "1"
    assert json.loads(response["body"])["error"]["code"] == "unavailable"


# -- a call that ended has an end ------------------------------------------------------------------


def seed_event(name: str, **changes: Any) -> dict[str, Any]:
    """The seed's own §A2 example: no serverTime, no priority; dialAt and bridgeAt in seconds."""
    payload = json.loads(load_event(f"phonet_events/{name}.json")["body"])
    payload.pop("serverTime", None)
    for other in payload.get("otherLegs") or []:
        other.pop("priority", None)
    return {**payload, **changes}


def post_event(module: Any, payload: dict[str, Any], lambda_context: Any) -> int:
    event = load_event("phonet_events/call_dial.json")
    event["body"] = json.dumps(payload, ensure_ascii=False)
    return module.handler(event, lambda_context)["statusCode"]


def test_events_hangup_without_server_time_ends_the_call_at_its_arrival(
    seeded: Seeded, lambda_context
) -> None:
    events = load_function("phonet_events")
    uuid = "noservertime00000000000000000001"
    dial_at = now_ms() // 1000 - 65  # the seed's form: seconds
    for name, extra in (("call_dial", {}), ("call_bridge", {"bridgeAt": dial_at + 5})):
        assert post_event(events, seed_event(name, uuid=uuid, dialAt=dial_at, **extra), lambda_context) == 200
    before = now_ms()
    hangup = seed_event("call_hangup", uuid=uuid, dialAt=dial_at, bridgeAt=dial_at + 5)
    assert post_event(events, hangup, lambda_context) == 200
    after = now_ms()
    call = wiring.call_store().get_call("acme", uuid)
    assert call.state == CallState.ENDED and call.status == CallStatus.ANSWERED
    assert before <= call.ended_at <= after
    assert call.ended_at_source == TimeSource.RECEIVED and call.bridge_at_source == TimeSource.PBX
    assert call.talk_seconds == (call.ended_at - (dial_at + 5) * 1000) // 1000
    assert 59 <= call.talk_seconds <= 61
    # a repeat of the hangup, later, is the same event: the first arrival stays, nothing is written
    version = call.version
    assert post_event(events, hangup, lambda_context) == 200
    again = wiring.call_store().get_call("acme", uuid)
    assert (again.version, again.ended_at) == (version, call.ended_at)


# -- events racing on one number ---------------------------------------------------------------------


def test_events_racing_on_one_number_all_land_with_no_4xx(seeded: Seeded, monkeypatch) -> None:
    """Threads race through the service (one process cannot host concurrent resolver invocations, see
    test_phonet_events): missed calls from one number all contend on its callback item. Every delivery
    lands, none is answered with a 4xx, and the number's callback counts each call once. In-process
    moto on a shared machine answers ~10x slower than DynamoDB, so the save budget is scaled to match."""
    monkeypatch.setattr(domain_calls, "SAVE_BUDGET_SECONDS", 30.0, raising=False)
    service = wiring.call_service()
    number, calls = "+380505826633", 12
    payloads = []
    for index in range(calls):  # a missed call's hangup (it may come first), delivered twice
        uuid = f"racenumber{index:02d}000000000000000000"
        payload = seed_event("call_hangup", uuid=uuid, dialAt=1_700_000_000 + index, bridgeAt=None)
        payload["otherLegs"][0]["num"] = number
        payload["serverTime"] = 1_700_000_030_000 + index * 1000
        payloads += [CallEvent.model_validate(payload)] * 2
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(payloads))

    def record(event: CallEvent) -> None:
        try:
            barrier.wait()
            service.record_pbx_event(seeded.acme, call_event_record(event, seeded.acme.tenant))
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=record, args=(event,)) for event in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert not [e for e in errors if isinstance(e, HubError) and http_status(e) < 500], errors
    assert not errors, errors
    assert elapsed < 60, elapsed  # moto-bound; each delivery gave up after 30 s at most
    print(f"{len(payloads)} racing deliveries landed in {elapsed:.1f} s")
    store = wiring.call_store()
    for index in range(calls):
        call = store.get_call("acme", f"racenumber{index:02d}000000000000000000")
        assert (call.state, call.status) == (CallState.ENDED, CallStatus.MISSED)
    callback = store.get_callback("acme", number)
    assert callback.open and callback.count == calls and len(set(callback.missed_calls)) == calls


# -- one number held by very many contacts ------------------------------------------------------------


def test_contacts_past_the_limit_on_one_number_get_a_clear_422_and_the_rest_land(seeded: Seeded) -> None:
    # given a number already held by the limit's worth of contacts with the longest names
    crowded, long_name = "+380442246595", "Щ" * 300
    rows = [{"name": f"{index} {long_name}"[:300], "phones": [{"number": crowded}]} for index in range(200)]
    service = ContactService(seeded.contact_store)
    results = import_now(service, seeded.acme, rows, merge=False)
    assert {result.status for result in results} == {"created"}
    entries = seeded.contact_store.phone_entries("acme", crowded)
    assert len(entries) == MAX_CONTACTS_PER_NUMBER == 200
    assert max(len(entry.name) for entry in entries) == 100  # the index keeps a bounded display name
    # when one more is posted through the REST API
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    api = load_function("rest_api")
    event = load_event("rest_api/create_contact.json")
    event["headers"] = {**event["headers"], "x-api-key": secret}
    event["headers"].pop("idempotency-key", None)
    event["body"] = json.dumps({"name": "One too many", "phones": [{"number": crowded}]})
    response = api.handler(event, LambdaContext())
    # then it is a clear 422 naming the number, not a 500
    assert response["statusCode"] == 422, response["body"]
    error = json.loads(response["body"])["error"]
    assert error["code"] == "too_many_contacts_on_number" and error["details"]["phones"] == [crowded]
    # and an import holding that number fails that row alone
    mixed = [
        {"name": "Fresh A", "phones": [{"number": "+380505826601"}]},
        {"name": "Crowded", "phones": [{"number": "+380505826602"}, {"number": crowded}]},
        {"name": "Fresh B", "phones": [{"number": "+380505826603"}]},
    ]
    results = import_now(service, seeded.acme, mixed, merge=False)
    assert [result.status for result in results] == ["created", "failed", "created"]
    assert results[1].error["code"] == "too_many_contacts_on_number"
    assert seeded.contact_store.phone_entries("acme", "+380505826602") == []  # nothing partial
    assert len(seeded.contact_store.phone_entries("acme", crowded)) == 200
    # and once one holder lets the number go, there is room for one again
    service.delete(seeded.acme, entries[0].id)
    service.create(seeded.acme, ContactInput(name="Room again", phones=[PhoneInput(number=crowded)]))
    assert len(seeded.contact_store.phone_entries("acme", crowded)) == 200


# -- a call that grows without end ---------------------------------------------------------------------

# 200 legs with long names is past where the old single item broke (~130 legs); moto serializes every
# leg on each read, so that run takes minutes: `make test-slow` runs it, `make test` runs 40 (past the 10
# legs a call item keeps inline, so the legs kept apart are exercised either way).
DEPARTMENT_LEGS = int(os.environ.get("TEST_DEPARTMENT_LEGS", "40"))


def test_events_call_with_200_department_legs_keeps_accepting_events(
    seeded: Seeded, lambda_context, monkeypatch
) -> None:
    """A department call ringing round and round: 200 employee legs with long names, each with
    dial and hangup, one answered. Every event is accepted and the record stays correct."""
    parent, legs = "deptparent000000000000000000000", DEPARTMENT_LEGS
    long_name = "Ж" * 200
    service = wiring.call_service()

    def leg_event(name: str, leg: int, **changes: Any) -> dict[str, Any]:
        payload = seed_event(name, uuid=f"deptleg{leg:04d}0000000000000000", parentUuid=parent)
        payload["leg"] = {"id": leg, "ext": f"{leg:03d}", "displayName": f"{leg} {long_name}"[:300]}
        payload["otherLegs"][0].update(name=long_name, companyName=long_name)
        payload["serverTime"] = 1_700_000_000_000 + leg * 10
        return {**payload, "dialAt": 1_700_000_000 + leg, "bridgeAt": None, **changes}

    events = load_function("phonet_events")
    own = seed_event("call_dial", uuid=parent, dialAt=1_700_000_000, serverTime=1_700_000_000_000)
    assert post_event(events, own, lambda_context) == 200
    with monkeypatch.context() as patched:
        # moto backs up every table a transaction touches with a deep copy (a rollback DynamoDB does
        # not need), which makes hundreds of events on one call minutes long; nothing races here.
        real_deepcopy = copy.deepcopy

        def deepcopy(value: Any, *memo: Any) -> Any:
            return value if isinstance(value, Table) else real_deepcopy(value, *memo)

        patched.setattr(moto_models, "copy", SimpleNamespace(deepcopy=deepcopy))
        for leg in range(legs):
            for name in ("call_dial", "call_hangup"):
                if leg == legs - 1 and name == "call_hangup":
                    continue  # the last leg's events go through the handler below
                service.record_pbx_event(seeded.acme, phonet_record(seeded.acme, leg_event(name, leg)))
    answered = legs * 3 // 4
    bridge = leg_event("call_bridge", answered, bridgeAt=1_700_000_300, serverTime=1_700_000_300_000)
    late_hangup = leg_event("call_hangup", legs - 1)
    own_hangup = {**own, "event": "call.hangup", "bridgeAt": 1_700_000_300, "serverTime": 1_700_000_360_000}
    for payload in (bridge, late_hangup, late_hangup, own_hangup):
        assert post_event(events, payload, lambda_context) == 200
    call = wiring.call_store().get_call("acme", parent)
    assert len(call.legs) == legs + 1
    assert (call.state, call.status) == (CallState.ENDED, CallStatus.ANSWERED)
    assert call.answered_leg == f"deptleg{answered:04d}0000000000000000"
    assert call.employee_ext == f"{answered:03d}"
    assert (call.dial_at, call.bridge_at, call.ended_at) == (
        1_700_000_000_000,
        1_700_000_300_000,
        1_700_000_360_000,
    )
    assert call.talk_seconds == 60
    version = call.version
    assert post_event(events, own_hangup, lambda_context) == 200  # a repeat writes nothing
    assert wiring.call_store().get_call("acme", parent).version == version
