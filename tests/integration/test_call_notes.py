"""Call notes against the Phonet fake over real loopback HTTP, with moto for storage and the queue:
the call merge as the wiring builds it asks for a note on the FIFO queue, the worker function writes
it into the fake's contact book once, however often the call's events and history come again."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from hub import wiring
from hub.domain.contacts import ContactInput, ContactService, PhoneInput
from hub.domain.sync import Source, SyncLimits, SyncService
from hub.domain.tenants import TenantContext
from hub.ids import now_ms
from hub.vendors.accounts import VendorAccountsFromSecrets
from hub.vendors.http import HttpPolicy
from hubtools.fakes import PhonetFake
from hubtools.template import Template
from tests.conftest import Seeded
from tests.integration.test_sync_against_fakes import put_phonet_credentials
from tests.support import load_function, phonet_record, sqs_record

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
CLOSED_PORT = "http://127.0.0.1:9"  # nobody listens: the play's webhooks are delivered by hand
CALLER = "0931234567"
CALLER_E164 = "+380931234567"
NOTES = r"/rest/crm/contacts/v2/\d+/notes"


@pytest.fixture
def pbx() -> Iterator[PhonetFake]:
    with PhonetFake(domain="acme.phonet.com.ua", api_key="acme-pbx-key") as fake:
        yield fake


@pytest.fixture
def acme(seeded: Seeded, pbx: PhonetFake, monkeypatch: pytest.MonkeyPatch) -> TenantContext:
    """acme with Phonet credentials pointing at the fake, call notes on, and vendor clients that
    neither wait between retries nor wait long for an answer."""
    put_phonet_credentials(seeded, "acme", pbx)
    settings = seeded.acme.tenant.settings.model_copy(update={"phonet_call_notes": True})
    seeded.tenant_store.put_settings("acme", settings)
    fast = VendorAccountsFromSecrets(
        wiring.vendor_secrets(),
        lambda slug: wiring.tenant_directory().by_slug(slug).tenant,
        wiring.phonet_session_cache(),
        FAST,
    )
    monkeypatch.setattr(wiring, "worker_vendor_accounts", cache(lambda: fast))  # reset() clears it
    wiring.call_notes.cache_clear()
    return seeded.context("acme")


@pytest.fixture
def worker() -> Any:
    return load_function("phonet_notes")


def queue_url(template: Template) -> str:
    return boto3.client("sqs").get_queue_url(QueueName=template.queue_name("CallNotesQueue"))["QueueUrl"]


def queued(template: Template) -> list[dict[str, Any]]:
    """The note requests SQS hands out now, received (FIFO: a call's next one waits for this one)."""
    sqs, url = boto3.client("sqs"), queue_url(template)
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        messages += batch
    return messages


def work(worker: Any, lambda_context: Any, messages: list[dict[str, Any]], template: Template) -> list[str]:
    """Each message through the worker as Lambda hands it (one per batch), deleted when it succeeded
    as Lambda's event source does; the ids that failed (left in flight, to be delivered again)."""
    sqs, url = boto3.client("sqs"), queue_url(template)
    failed: list[str] = []
    for message in messages:
        try:
            answer = worker.handler({"Records": [sqs_record(message)]}, lambda_context)
        except BatchProcessingError:  # every record of the batch failed: Lambda retries the batch
            failed.append(message["MessageId"])
            continue
        failures = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
        if not failures and message["ReceiptHandle"] != "r":
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        failed += failures
    return failed


def sync_history(acme: TenantContext, now: int) -> None:
    accounts = wiring.worker_vendor_accounts()
    store = wiring.sync_store()
    service = SyncService(
        accounts, wiring.call_service(), wiring.tenant_store(), store, store, SyncLimits(backfill_days=1)
    )
    run = service.run(acme, Source.PHONET_CALLS, now=now)
    assert run.error_code is None, run


def play_answered(pbx: PhonetFake, acme: TenantContext, now: int, times: int = 1) -> str:
    """An answered inbound call from CALLER, its webhooks merged `times` over; its uuid."""
    played = pbx.play("inbound_answered", CLOSED_PORT, caller=CALLER, ext="001", start=now / 1000 - 300)
    for _ in range(times):
        for body in played.events:
            wiring.call_service().record_pbx_event(acme, phonet_record(acme, body))
    return played.uuid


def notes_of(pbx: PhonetFake, contact_id: int) -> list[dict[str, Any]]:
    return pbx.book.list_notes(contact_id)


def test_call_notes_duplicate_events_and_a_history_sync_write_one_complete_note(
    acme: TenantContext, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    contact = pbx.add_contact(first_name="Олена", phones=[CALLER_E164])
    now = now_ms()
    uuid = play_answered(pbx, acme, now, times=2)
    assert work(worker, lambda_context, queued(template), template) == []
    sync_history(acme, now)  # the PBX's own talk seconds and recording
    assert work(worker, lambda_context, queued(template), template) == []
    call = wiring.call_store().get_call("acme", uuid)
    assert call is not None and call.recordings

    (note,) = notes_of(pbx, contact["id"])
    assert (note["uuid"], note["billSec"], note["recordLink"]) == (
        uuid,
        call.talk_seconds,
        call.recordings[0],
    )
    assert note["otherLegNum"] == CALLER
    assert note["content"].startswith("Входящий звонок, сотрудник")
    assert "(001)" in note["content"] and "состоялся" in note["content"]
    # every request again (an SQS redelivery, a repeated sync): nothing more is written
    sync_history(acme, now)
    before = len(pbx.hits("POST", NOTES)) + len(pbx.hits("PUT", NOTES))
    request = {"tenant": "acme", "call_uuid": uuid, "version": call.version}
    again = {"MessageId": "again", "ReceiptHandle": "r", "Body": json.dumps(request)}
    assert work(worker, lambda_context, [again, *queued(template)], template) == []
    assert len(notes_of(pbx, contact["id"])) == 1
    assert len(pbx.hits("POST", NOTES)) + len(pbx.hits("PUT", NOTES)) == before


def test_call_notes_go_on_the_contact_the_hub_contact_names_before_any_number_search(
    acme: TenantContext, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    twin = pbx.add_contact(first_name="Олена", phones=["+380501112233"])  # another number in the book
    pbx.add_contact(first_name="Тезка", phones=[CALLER_E164])
    ContactService(wiring.contact_store()).create(
        acme,
        ContactInput(
            name="Олена",
            phones=[PhoneInput(number=CALLER_E164)],
            external_codes={"phonet": str(twin["id"])},
        ),
    )
    uuid = play_answered(pbx, acme, now_ms())
    assert work(worker, lambda_context, queued(template), template) == []
    assert [n["uuid"] for n in notes_of(pbx, twin["id"])] == [uuid]
    assert pbx.hits("GET", r"/rest/crm/contacts/v2/searchByOLNum") == []


def test_call_notes_a_caller_without_a_phonet_contact_is_skipped(
    acme: TenantContext, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    other = pbx.add_contact(first_name="Кто-то", phones=["+380501112233"])
    play_answered(pbx, acme, now_ms())
    messages = queued(template)
    assert messages and work(worker, lambda_context, messages, template) == []  # acknowledged, not failed
    assert pbx.hits("GET", r"/rest/crm/contacts/v2/searchByOLNum")
    assert pbx.hits("POST", NOTES) == [] and notes_of(pbx, other["id"]) == []


def test_call_notes_setting_off_asks_for_and_writes_nothing(
    seeded: Seeded, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    put_phonet_credentials(seeded, "acme", pbx)
    pbx.add_contact(first_name="Олена", phones=[CALLER_E164])
    acme = seeded.context("acme")
    assert acme.tenant.settings.phonet_call_notes is False  # the default
    uuid = play_answered(pbx, acme, now_ms())
    assert queued(template) == []
    # a request queued while it was on does nothing once it is off
    request = {"tenant": "acme", "call_uuid": uuid, "version": 1}
    message = {"MessageId": "late", "ReceiptHandle": "r", "Body": json.dumps(request)}
    assert work(worker, lambda_context, [message], template) == []
    assert pbx.hits("GET", r"/rest/crm/.*") == []


def test_call_notes_a_phonet_5xx_fails_the_message_and_its_retry_writes_one_note(
    acme: TenantContext, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    contact = pbx.add_contact(first_name="Олена", phones=[CALLER_E164])
    uuid = play_answered(pbx, acme, now_ms())
    messages = queued(template)
    pbx.fail("status", status=503, method="POST", path=NOTES, times=len(messages))
    assert sorted(work(worker, lambda_context, messages, template)) == sorted(
        m["MessageId"] for m in messages
    )
    assert notes_of(pbx, contact["id"]) == []
    assert work(worker, lambda_context, messages, template) == []  # SQS delivers them again
    assert [n["uuid"] for n in notes_of(pbx, contact["id"])] == [uuid]


def test_call_notes_a_request_before_its_save_landed_fails_to_be_retried(
    acme: TenantContext, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    uuid = play_answered(pbx, acme, now_ms())
    call = wiring.call_store().get_call("acme", uuid)
    assert call is not None
    request = {"tenant": "acme", "call_uuid": uuid, "version": call.version + 1}
    message = {"MessageId": "early", "ReceiptHandle": "r", "Body": json.dumps(request)}
    assert work(worker, lambda_context, [message], template) == ["early"]
    assert pbx.hits("GET", r"/rest/crm/.*") == []


def test_call_notes_a_note_saved_but_never_confirmed_is_not_added_again(
    acme: TenantContext, pbx: PhonetFake, worker: Any, template: Template, lambda_context: Any
) -> None:
    contact = pbx.add_contact(first_name="Олена", phones=[CALLER_E164])
    uuid = play_answered(pbx, acme, now_ms())
    messages = queued(template)
    # the PBX saves the note but answers after the client stopped waiting (FAST: 2 s)
    pbx.fail("slow", method="POST", path=NOTES, delay=FAST.read_timeout + 0.5)
    assert work(worker, lambda_context, messages, template) == [m["MessageId"] for m in messages]
    deadline = time.monotonic() + 5
    while not notes_of(pbx, contact["id"]) and time.monotonic() < deadline:
        time.sleep(0.05)  # the fake finishes the request it held
    assert [n["uuid"] for n in notes_of(pbx, contact["id"])] == [uuid]
    assert work(worker, lambda_context, messages, template) == []  # SQS delivers it again
    assert [n["uuid"] for n in notes_of(pbx, contact["id"])] == [uuid]
    assert pbx.count("POST", NOTES) == 1
