"""Contact imports as jobs: retried requests, redelivered chunks and throttled writes never make a
contact twice or lose a row; a job reports its status and per-row results."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.exceptions import ClientError

from hub import wiring
from hub.api.routes import imports as import_routes
from hub.domain.tenants import create_api_key
from hub.errors import Unavailable
from tests.conftest import Seeded
from tests.integration.test_rest_api import Api
from tests.support import load_function, sqs_record


@pytest.fixture
def api(seeded: Seeded, lambda_context: Any) -> Api:
    _, secret = create_api_key(seeded.tenant_store, seeded.acme.tenant, "tests")
    return Api(load_function("rest_api"), lambda_context, secret)


@pytest.fixture
def worker() -> Any:
    return load_function("import_worker")


def rows(count: int, offset: int = 0) -> list[dict[str, Any]]:
    return [
        {"name": f"Customer {offset + i}", "phones": [{"number": f"+38067{offset + i:07d}"}]}
        for i in range(count)
    ]


def queue_url() -> str:
    return wiring.get_settings().import_queue_url.rsplit("/", 1)[-1]


def receive(max_messages: int = 10) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue_url())["QueueUrl"]
    got: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=max_messages, VisibilityTimeout=0)
        if not batch.get("Messages"):
            return got
        got += batch["Messages"]
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch["Messages"])
            ],
        )


def deliver(worker: Any, lambda_context: Any, messages: list[dict[str, Any]]) -> list[str]:
    """The messages as one SQS event to the worker; returns the ids it reported as failed."""
    event = {"Records": [sqs_record(m, "imports") for m in messages]}
    try:
        answer = worker.handler(event, lambda_context)
    except BatchProcessingError:  # every record failed: Lambda retries the whole batch
        return [m["MessageId"] for m in messages]
    return [failure["itemIdentifier"] for failure in answer["batchItemFailures"]]


def drain(worker: Any, lambda_context: Any) -> None:
    """Every message, and the messages they send (the planner sends the chunks), applied."""
    while messages := receive():
        for start in range(0, len(messages), 5):
            assert deliver(worker, lambda_context, messages[start : start + 5]) == []


def plan(worker: Any, lambda_context: Any) -> list[dict[str, Any]]:
    """The planner's message applied; returns the chunk messages it sent."""
    (planner,) = receive()
    assert json.loads(planner["Body"])["plan"] is True
    assert deliver(worker, lambda_context, [planner]) == []
    return receive()


def contact_count(seeded: Seeded) -> int:
    count, start = 0, None
    while True:
        page = seeded.contact_store.list_contacts("acme", limit=100, start=start)
        count += len(page.items)
        if (start := page.next_start) is None:
            return count


def test_import_600_rows_retried_three_times_with_one_key_leaves_600_contacts(
    api: Api, seeded: Seeded, worker: Any, lambda_context: Any
) -> None:
    # given: the first attempt stops after storing its job and chunks (the gateway's 503)
    service = wiring.import_service()
    real_send = service.send_chunks
    service.send_chunks = lambda messages: (_ for _ in ()).throw(Unavailable("timed out"))
    headers = {"Idempotency-Key": "import-600"}
    status, _, body = api.post("/contacts/import", {"rows": rows(600)}, headers=headers)
    assert status == 503, body
    service.send_chunks = real_send
    # when: the same request is sent three more times, and the worker applies every message sent
    answers = [api.post("/contacts/import", {"rows": rows(600)}, headers=headers) for _ in range(3)]
    drain(worker, lambda_context)
    # then
    assert {(status, body["job_id"]) for status, _, body in answers} == {(202, answers[0][2]["job_id"])}
    assert contact_count(seeded) == 600
    status, _, job = api.get(answers[0][2]["status_url"].removeprefix("/api/v1"))
    assert status == 200 and job["status"] == "done"
    assert (job["created"], job["updated"], job["failed"], job["total"]) == (600, 0, 0, 600)


def test_import_worker_redelivered_chunk_creates_nothing_twice(
    api: Api, seeded: Seeded, worker: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    status, _, accepted = api.post("/contacts/import", {"rows": rows(250)})
    assert status == 202 and accepted["status"] == "planning"
    messages = plan(worker, lambda_context)
    assert len(messages) == 3
    assert api.get(f"/imports/{accepted['job_id']}")[2]["status"] == "queued"
    # a chunk whose rows were applied but whose results were not recorded (the worker died)
    store = wiring.import_job_store()
    real_record = store.record_chunk
    monkeypatch.setattr(store, "record_chunk", lambda *a: (_ for _ in ()).throw(RuntimeError("killed")))
    assert deliver(worker, lambda_context, messages[:1]) == [messages[0]["MessageId"]]
    monkeypatch.setattr(store, "record_chunk", real_record)
    # every chunk delivered twice, the half-done one three times
    assert deliver(worker, lambda_context, messages + messages) == []
    assert contact_count(seeded) == 250
    _, _, job = api.get(f"/imports/{accepted['job_id']}")
    assert (job["status"], job["created"], job["chunks_done"]) == ("done", 250, 3)


def test_import_throttled_chunk_is_left_for_retry_not_failed(
    api: Api, seeded: Seeded, worker: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.post("/contacts/import", {"rows": rows(120)})
    messages = plan(worker, lambda_context)
    client = wiring.contact_store().client
    real = client.transact_write_items
    calls = {"n": 0}

    def throttled(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 5:
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise ClientError(error, "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", throttled)
    failed = deliver(worker, lambda_context, messages)
    assert len(failed) == 1
    assert deliver(worker, lambda_context, [m for m in messages if m["MessageId"] in failed]) == []
    assert contact_count(seeded) == 120
    job_id = json.loads(messages[0]["Body"])["job_id"]
    _, _, job = api.get(f"/imports/{job_id}")
    assert (job["created"], job["failed"], job["status"]) == (120, 0, "done")


def test_import_job_reports_status_counts_and_rows_page_by_page(
    api: Api, seeded: Seeded, worker: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_routes, "IMPORT_RESULT_ITEMS", 2)  # 4 result items: 2 pages
    batch = rows(250)
    batch[3] = {"name": 5, "bogus": True}
    batch[200] = {"name": "Broken", "phones": [{"number": "12"}]}
    status, headers, accepted = api.post("/contacts/import", {"merge": True, "rows": batch})
    assert status == 202 and headers["Location"] == accepted["status_url"]
    assert (accepted["total"], accepted["status"]) == (250, "planning")
    (planner,) = receive()
    assert deliver(worker, lambda_context, [planner, planner]) == []  # a redelivered plan counts once
    drain(worker, lambda_context)
    job_path = f"/imports/{accepted['job_id']}"
    seen: list[dict[str, Any]] = []
    cursor, pages = None, 0
    while True:
        pages += 1
        status, _, job = api.get(job_path, cursor=cursor)
        assert status == 200
        seen += job["rows"]
        if (cursor := job["next_cursor"]) is None:
            break
    assert (job["status"], job["created"], job["updated"], job["failed"]) == ("done", 248, 0, 2)
    assert pages == 2 and sorted(row["row"] for row in seen) == list(range(250))
    by_row = {row["row"]: row for row in seen}
    assert by_row[3]["error"]["code"] == "invalid_row" and by_row[200]["error"]["code"] == "invalid_phone"
    assert by_row[0]["status"] == "created" and by_row[0]["id"]
    assert api.get("/imports/nope")[0] == 404


def test_import_same_key_different_body_is_409_for_small_and_large(api: Api, seeded: Seeded) -> None:
    for size, first in ((10, 200), (150, 202)):
        key = {"Idempotency-Key": f"key-{size}"}
        assert api.post("/contacts/import", {"rows": rows(size)}, headers=key)[0] == first
        status, _, body = api.post("/contacts/import", {"rows": rows(size, offset=5000)}, headers=key)
        assert status == 409 and body["error"]["code"] == "idempotency_key_reused"


def test_import_small_retry_after_a_timeout_answers_every_row_once(
    api: Api, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the first attempt applied its rows, then died before recording them
    store = wiring.import_job_store()
    real_record = store.record_chunk
    monkeypatch.setattr(store, "record_chunk", lambda *a: (_ for _ in ()).throw(Unavailable("timed out")))
    key = {"Idempotency-Key": "small-import"}
    body = {
        "merge": True,
        "rows": [*rows(40), {"name": "Customer 0 again", "phones": [{"number": "+380670000000"}]}],
    }
    assert api.post("/contacts/import", body, headers=key)[0] == 503
    monkeypatch.setattr(store, "record_chunk", real_record)
    # when: retried twice
    (_, _, first), (_, _, second) = (api.post("/contacts/import", body, headers=key) for _ in range(2))
    # then: the same answer, the first run's contacts, nobody twice (row 40's change was applied by
    # the first attempt: the retry finds it already held, so it is "unchanged", with no new version)
    assert first == second and (first["created"], first["updated"], first["failed"]) == (40, 0, 0)
    assert first["unchanged"] == 1
    assert [row["row"] for row in first["rows"]] == list(range(41))
    assert first["rows"][40]["id"] == first["rows"][0]["id"]
    assert contact_count(seeded) == 40
