"""What an operator sees: the EMF metrics and the log keys the handlers emit, read from their output
as CloudWatch would read the function's log."""

from __future__ import annotations

import copy
import io
import json
import warnings
from typing import Any
from urllib.parse import urlencode

import pytest
from aws_lambda_powertools import Metrics

from hub import wiring
from hub.domain.tenants import add_employee
from hub.models.call import Call
from hub.ports import CallChanges
from tests.support import load_event, load_function, sqs_record


@pytest.fixture(autouse=True)
def fresh_metric_set() -> None:
    """Powertools' Metrics instances share one set: a resolver called without its handler's flush
    (another test's) leaves metrics in it, which the next flush would carry."""
    Metrics().clear_metrics()


def emitted(output: str) -> list[dict[str, Any]]:
    """Every JSON line of a handler's output (its log lines and its EMF metric sets)."""
    lines = []
    for line in output.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            lines.append(value)
    return lines


def metric_sets(output: str) -> list[dict[str, Any]]:
    """The EMF lines: a metric's value is a list (one per time it was added in the invocation)."""
    return [line for line in emitted(output) if "_aws" in line]


def metric_names(metric_set: dict[str, Any]) -> list[str]:
    (directive,) = metric_set["_aws"]["CloudWatchMetrics"]
    return [metric["Name"] for metric in directive["Metrics"]]


@pytest.fixture
def lookup(seeded: Any) -> Any:
    return load_function("phonet_lookup")


def test_lookup_accepted_webhook_emits_webhook_accepted_for_phonet(lookup, lambda_context, capsys) -> None:
    response = lookup.handler(load_event("phonet_lookup/known_contact.json"), lambda_context)
    assert response["statusCode"] == 200
    (metric_set,) = metric_sets(capsys.readouterr().out)
    assert metric_names(metric_set) == ["WebhookAccepted"]
    (directive,) = metric_set["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "TelephonyHub"
    assert (metric_set["vendor"], metric_set["WebhookAccepted"]) == ("phonet", [1.0])
    assert "error_code" not in metric_set


def test_lookup_wrong_token_emits_webhook_refused_with_its_code(lookup, lambda_context, capsys) -> None:
    response = lookup.handler(load_event("phonet_lookup/wrong_token.json"), lambda_context)
    assert response["statusCode"] == 404
    (metric_set,) = metric_sets(capsys.readouterr().out)
    assert metric_names(metric_set) == ["WebhookRefused"]
    assert (metric_set["vendor"], metric_set["error_code"]) == ("phonet", "not_found")
    # the token is in the URL: it must not reach a metric or its metadata
    assert "token" not in json.dumps(metric_set)


def test_lookup_logs_carry_the_api_gateway_request_id_and_the_tenant(lookup, lambda_context) -> None:
    event = load_event("phonet_lookup/known_contact.json")
    lookup.handler(event, lambda_context)
    assert lookup.logger.get_correlation_id() == event["requestContext"]["requestId"]
    assert lookup.logger.get_current_keys()["tenant"] == "acme"


def test_import_worker_counts_done_dropped_and_failed_messages_and_logs_their_ids(
    seeded, lambda_context, capsys
) -> None:
    worker = load_function("import_worker")
    (expired,) = load_event("import_worker/chunk.json")["Records"]  # no such job: the message is moot
    garbage = {**expired, "messageId": "garbage-1", "body": "not json"}
    # Powertools keeps one handler per service, made with the stream of its first test: read this one's.
    logs = io.StringIO()
    stream = worker.logger.registered_handler.setStream(logs)
    try:
        result = worker.handler({"Records": [expired, garbage]}, lambda_context)
    finally:
        worker.logger.registered_handler.setStream(stream)
    assert result == {"batchItemFailures": [{"itemIdentifier": "garbage-1"}]}
    (metric_set,) = metric_sets(capsys.readouterr().out)
    assert {name: metric_set[name] for name in metric_names(metric_set)} == {
        "QueueMessageDropped": [1.0],
        "QueueMessageDone": [1.0],
        "QueueMessageFailed": [1.0],
    }
    (dropped,) = [line for line in emitted(logs.getvalue()) if line["message"].startswith("message dropped")]
    assert (dropped["message_id"], dropped["tenant"], dropped["code"]) == (
        expired["messageId"],
        "acme",
        "not_found",
    )


def telefum_find(telefum: Any, lambda_context: Any, password: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("telefum/find.json"))
    event["rawQueryString"] = urlencode(
        {"typereq": "find", "phone": "+380501234567", "login": "op", "password": password}
    )
    return telefum.handler(event, lambda_context)


@pytest.fixture
def telefum(seeded: Any) -> Any:
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Оператор", ext="005", login="op", password="s3cret"
    )
    return load_function("telefum")


def test_telefum_accepted_request_emits_webhook_accepted_for_telefum(telefum, lambda_context, capsys) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a flush with nothing counted would warn
        response = telefum_find(telefum, lambda_context, "s3cret")
    assert response["statusCode"] == 200 and "<total>" in response["body"]
    (metric_set,) = metric_sets(capsys.readouterr().out)
    assert metric_names(metric_set) == ["WebhookAccepted"]
    assert (metric_set["vendor"], metric_set["WebhookAccepted"]) == ("telefum", [1.0])
    assert "error_code" not in metric_set


def test_telefum_refusal_answered_200_emits_webhook_refused_with_its_code(
    telefum, lambda_context, capsys
) -> None:
    response = telefum_find(telefum, lambda_context, "wrong")
    assert response["statusCode"] == 200 and "<result>error</result>" in response["body"]
    (metric_set,) = metric_sets(capsys.readouterr().out)
    assert metric_names(metric_set) == ["WebhookRefused"]
    assert (metric_set["vendor"], metric_set["error_code"]) == ("telefum", "unauthorized")


def test_lead_worker_counts_a_lead_made_once_for_a_redelivered_message(
    seeded, lambda_context, capsys
) -> None:
    worker = load_function("lead_capture")
    wiring.call_store().save_call(
        None, Call(tenant="acme", uuid="unknown0call", lead_pending=True), CallChanges()
    )
    request = {
        "tenant": "acme",
        "call_uuid": "unknown0call",
        "phone": "+380500000001",
        "employee_ext": None,
        "source": None,
    }
    message = {"MessageId": "lead-1", "ReceiptHandle": "r", "Body": json.dumps(request)}
    made = []
    for _delivery in range(2):
        assert worker.handler({"Records": [sqs_record(message)]}, lambda_context) == {"batchItemFailures": []}
        (metric_set,) = metric_sets(capsys.readouterr().out)
        made.append(metric_set.get("LeadMade"))
    assert made == [[1.0], None]
