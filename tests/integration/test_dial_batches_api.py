"""/api/v1/dial-batches through the REST API's handler, and its messages through the dial worker's
handler from moto's SQS, against the Avtodialer fake over loopback HTTP. The tenant's time zone is
chosen so that it is midday there whenever the test runs (the window logic has its own clocked tests
in test_campaigns.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from hub import wiring
from hub.domain.tenants import create_api_key
from hub.ids import now_ms
from hub.models.tenant import Vendor, credentials_for
from hubtools.fakes import AvtodialerFake
from tests.conftest import Seeded
from tests.integration.test_rest_api import Api
from tests.support import load_function, sqs_record

ALL_WEEK = {"from": "08:00", "to": "22:00", "days": [1, 2, 3, 4, 5, 6, 7]}


def midday_zone() -> str:
    """An Etc/GMT zone where it is now between 11:00 and 13:00 (its sign is POSIX's, inverted)."""
    offset = (12 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


@pytest.fixture
def dialer() -> Iterator[AvtodialerFake]:
    with AvtodialerFake() as fake:
        yield fake


@pytest.fixture
def api(seeded: Seeded, lambda_context: Any, dialer: AvtodialerFake) -> Api:
    tenant = seeded.globex.tenant
    seeded.tenant_store.update_tenant(tenant, tenant.model_copy(update={"timezone": midday_zone()}))
    fields = {"base_url": dialer.url, "api_key": dialer.api_key, "access_token": dialer.access_token}
    wiring.vendor_secrets().put("globex", Vendor.AVTODIALER, credentials_for(Vendor.AVTODIALER, fields))
    seeded.tenant_store.put_credentials("globex", Vendor.AVTODIALER, now_ms())
    _, secret = create_api_key(seeded.tenant_store, tenant, "tests")
    return Api(load_function("rest_api"), lambda_context, secret)


def drain(lambda_context: Any) -> list[dict[str, Any]]:
    """Every message of the dial queue through the dial worker's handler, until none is left."""
    worker = load_function("dial_worker")
    sqs = boto3.client("sqs")
    url = wiring.get_settings().dial_queue_url
    answers = []
    for _ in range(50):
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not received:
            break
        answers.append(worker.handler({"Records": [sqs_record(m) for m in received]}, lambda_context))
        for message in received:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return answers


def batch_body(**changes: Any) -> dict[str, Any]:
    return {
        "provider": "avtodialer",
        "scenario": "1",
        "max_attempts": 2,
        "window": ALL_WEEK,
        "records": [
            {"phone": "+79222220000", "name": "Иван", "vars": ["a", "b", "c"]},
            {"phone": "89222220001", "name": "Пётр"},
            {"phone": "8 922 222 00 00"},
            {"phone": "nonsense"},
        ],
        **changes,
    }


def test_dial_batch_accepted_then_sent_by_the_worker(
    api: Api, dialer: AvtodialerFake, lambda_context: Any
) -> None:
    status, headers, body = api.post("/dial-batches", batch_body(), headers={"Idempotency-Key": "b-1"})
    assert status == 202, body
    assert headers["Location"] == body["progress_url"] == f"/api/v1/dial-batches/{body['id']}"
    assert body["status"] == "preparing" and body["counts"]["received"] == 4
    answers = drain(lambda_context)
    assert all(answer == {"batchItemFailures": []} for answer in answers)
    status, _, done = api.get(f"/dial-batches/{body['id']}")
    assert status == 200
    assert done["status"] == "done"
    assert done["counts"]["sent"] == 2 and done["counts"]["rejected"] == {"duplicate": 1, "invalid_phone": 1}
    assert sorted(dialer.dial_counts()["phone"]) == ["89222220000", "89222220001"]
    assert all(call.window == ("08:00:00", "22:00:00") for call in dialer.calls)

    status, _, rejections = api.get(f"/dial-batches/{body['id']}/rejections")
    assert [(r["index"], r["reason"]) for r in rejections["items"]] == [
        (3, "invalid_phone"),
        (2, "duplicate"),
    ]
    status, _, chunks = api.get(f"/dial-batches/{body['id']}/chunks")
    assert [(c["number"], c["state"], c["records"]) for c in chunks["items"]] == [(0, "sent", 2)]
    assert chunks["items"][0]["job_id"] == str(dialer.calls[0].query_id)
    status, _, listed = api.get("/dial-batches")
    assert [item["id"] for item in listed["items"]] == [body["id"]]

    # The same request again (a client's retry): the same batch, nobody dialed again.
    status, _, again = api.post("/dial-batches", batch_body(), headers={"Idempotency-Key": "b-1"})
    assert status == 202 and again["id"] == body["id"]
    drain(lambda_context)
    assert dialer.dialed_twice() == []


def test_dial_batch_refusals(api: Api, seeded: Seeded, lambda_context: Any) -> None:
    status, _, body = api.post("/dial-batches", batch_body())
    assert status == 400 and body["error"]["code"] == "idempotency_key_required"
    night = batch_body(window={"from": "21:00", "to": "23:30"})
    status, _, body = api.post("/dial-batches", night, headers={"Idempotency-Key": "n"})
    assert status == 400 and "night" in json.dumps(body)
    for bad in (
        batch_body(scenario=None),
        batch_body(provider="telefum"),
        batch_body(records=[]),
        batch_body(max_attempts=0),
        batch_body(window={"from": "10:00", "to": "09:00"}),
        batch_body(window={"days": [0]}),
        batch_body(records=[{"phone": "1" * 65}]),
        batch_body(records=[{"phone": "+79222220000", "vars": ["a", "b", "c", "d"]}]),
        batch_body(records=[{"phone": "+79222220000", "extra": 1}]),
        batch_body(pages=11),
    ):
        status, _, body = api.post("/dial-batches", bad, headers={"Idempotency-Key": json.dumps(bad)[:200]})
        assert status == 400, bad
    status, _, body = api.post("/dial-batches", batch_body(), headers={"Idempotency-Key": "k"})
    other = batch_body(records=[{"phone": "+79222220009"}])
    status, _, refused = api.post("/dial-batches", other, headers={"Idempotency-Key": "k"})
    assert status == 409 and refused["error"]["code"] == "idempotency_key_reused"
    # Another tenant's batch is not there.
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    acme = Api(api.module, lambda_context, secret)
    assert acme.get(f"/dial-batches/{body['id']}")[0] == 404
    assert acme.delete(f"/dial-batches/{body['id']}")[0] == 404
    assert acme.post(f"/dial-batches/{body['id']}/chunks/0/resend")[0] == 404
    assert api.get("/dial-batches/not-an-id")[0] == 400


def test_dial_batch_in_pages_and_cancelled(api: Api, dialer: AvtodialerFake, lambda_context: Any) -> None:
    first = [{"phone": f"+7922333{n:04d}"} for n in range(1500)]
    status, _, body = api.post(
        "/dial-batches", batch_body(records=first, pages=2), headers={"Idempotency-Key": "p"}
    )
    assert status == 202 and body["status"] == "receiving"
    second = {"records": [{"phone": f"+7922444{n:04d}"} for n in range(1500)]}
    status, _, page = api.request("PUT", f"/dial-batches/{body['id']}/pages/2", second)
    assert status == 202 and page["status"] == "preparing" and page["counts"]["received"] == 3000
    assert api.request("PUT", f"/dial-batches/{body['id']}/pages/2", second)[0] == 202  # a retry
    status, _, reused = api.request("PUT", f"/dial-batches/{body['id']}/pages/2", {"records": first[:1]})
    assert status == 409 and reused["error"]["code"] == "page_reused"
    status, _, cancelled = api.delete(f"/dial-batches/{body['id']}")
    assert status == 200 and cancelled["status"] == "cancelled" and "recalled" in cancelled["notice"]
    drain(lambda_context)
    assert dialer.count("POST", r"/.*/make") == 0
    status, _, after = api.get(f"/dial-batches/{body['id']}")
    assert after["status"] == "cancelled" and after["counts"]["sent"] == 0


def test_dial_worker_drops_a_message_of_no_batch(seeded: Seeded, lambda_context: Any) -> None:
    worker = load_function("dial_worker")
    message = {
        "MessageId": "m",
        "ReceiptHandle": "r",
        "Body": json.dumps({"tenant": "globex", "batch": "0" * 24, "step": "send"}),
    }
    assert worker.handler({"Records": [sqs_record(message)]}, lambda_context) == {"batchItemFailures": []}
    bad = {"MessageId": "m2", "ReceiptHandle": "r", "Body": json.dumps({"tenant": "globex", "step": "nope"})}
    answer = worker.handler({"Records": [sqs_record(message), sqs_record(bad)]}, lambda_context)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}  # a malformed one goes to the DLQ
