"""The local runner serves whatever a template declares: routes, tables, queues, schedules."""

from __future__ import annotations

import base64
import json
import time

import requests

from hubtools.local.runner import LocalHub


def test_runner_serves_template_routes_as_http_api_v2_events(toy: LocalHub) -> None:
    response = requests.post(
        f"{toy.api_url}/echo/world?b=2&a=1&a=3",
        data="привет".encode(),
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "X-Forwarded-For": "89.184.65.208",
            "Cookie": "s=1; t=2",
        },
        timeout=10,
    )
    assert response.status_code == 200 and response.headers["x-echo"] == "1"
    body = response.json()
    event = body["event"]
    assert event["version"] == "2.0" and event["routeKey"] == "ANY /echo/{name}"
    assert event["pathParameters"] == {"name": "world"}
    assert event["queryStringParameters"] == {"a": "1,3", "b": "2"}
    assert event["rawQueryString"] == "b=2&a=1&a=3"
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["body"] == "привет" and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"  # the peer, not X-Forwarded-For
    assert event["requestContext"]["http"]["method"] == "POST"
    assert body["env"] == {"GREETING": "hello", "ONLY_ECHO": "yes", "TICKS_TABLE": "toy-TicksTable"}
    assert body["function"] == "EchoFunction" and 0 < body["remaining_ms"] <= 5000
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_runner_binary_body_is_base64_and_routes_prefer_literal_paths(toy: LocalHub) -> None:
    raw = bytes(range(256))
    response = requests.put(
        f"{toy.api_url}/echo/bin", data=raw, headers={"Content-Type": "application/octet-stream"}, timeout=10
    )
    event = response.json()["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    exact = requests.get(f"{toy.api_url}/echo/exact", timeout=10).json()["event"]
    assert exact["routeKey"] == "GET /echo/exact" and "pathParameters" not in exact
    greedy = requests.get(f"{toy.api_url}/files/a/b/c.txt", timeout=10).json()["event"]
    assert greedy["pathParameters"] == {"path": "a/b/c.txt"}


def test_runner_unknown_route_or_method_is_404(toy: LocalHub) -> None:
    assert requests.get(f"{toy.api_url}/nowhere", timeout=10).status_code == 404
    assert requests.get(f"{toy.api_url}/boom", timeout=10).status_code == 404


def test_runner_handler_that_raises_gives_500_and_runner_keeps_serving(toy: LocalHub) -> None:
    for _ in range(2):
        response = requests.post(f"{toy.api_url}/boom", timeout=10)
        assert response.status_code == 500 and response.json() == {"message": "Internal Server Error"}
    assert requests.get(f"{toy.api_url}/echo/still-alive", timeout=10).status_code == 200


def test_runner_handler_over_its_timeout_is_cut_off(toy: LocalHub) -> None:
    started = time.monotonic()
    response = requests.get(f"{toy.api_url}/slow", timeout=10)
    assert response.status_code == 503
    assert time.monotonic() - started < 2.5


def test_runner_creates_template_tables_and_queues_with_redrive(toy: LocalHub) -> None:
    tables = toy.aws.client("dynamodb").list_tables()["TableNames"]
    assert tables == ["toy-TicksTable"]
    sqs = toy.aws.client("sqs")
    url = sqs.get_queue_url(QueueName="toy-WorkQueue")["QueueUrl"]
    policy = json.loads(
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )
    assert policy["deadLetterTargetArn"].endswith(":toy-WorkDeadLetterQueue")
    assert int(policy["maxReceiveCount"]) == 2


def test_runner_sqs_partial_batch_failures_retry_then_dead_letter(toy: LocalHub) -> None:
    sqs = toy.aws.client("sqs")
    url = sqs.get_queue_url(QueueName="toy-WorkQueue")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="toy-WorkDeadLetterQueue")["QueueUrl"]
    for body in ("good-1", "bad-1", "good-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    (poller,) = toy.pollers
    assert poller.poll_once() == 3
    table = toy.aws.client("dynamodb")
    stored = {item["id"]["S"] for item in table.scan(TableName="toy-TicksTable")["Items"]}
    assert {"good-1", "good-2"} <= stored
    deadline = time.monotonic() + 10
    dead: list = []
    while time.monotonic() < deadline and not dead:
        time.sleep(1.1)  # the queue's visibility timeout
        poller.poll_once()
        dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=0).get("Messages", [])
    assert [m["Body"] for m in dead] == ["bad-1"]
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []


def test_runner_fires_schedule_on_demand_with_its_input(toy: LocalHub) -> None:
    response = requests.post(f"{toy.api_url}/_local/schedules/Tick", timeout=10)
    assert response.status_code == 200 and response.json()["result"] == {"ok": True}
    items = toy.aws.client("dynamodb").scan(TableName="toy-TicksTable")["Items"]
    assert any(item.get("source", {}).get("S") == "tick" for item in items)
    assert requests.post(f"{toy.api_url}/_local/schedules/Nope", timeout=10).status_code == 404
