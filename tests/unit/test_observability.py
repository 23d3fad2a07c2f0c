"""The metric helpers' rules: which webhook paths name a vendor, how a vendor call's outcome is told."""

from __future__ import annotations

import contextlib
import json

import pytest
import requests
from aws_lambda_powertools import Metrics

from hub.errors import VendorUnavailable
from hub.http import answered_error_code, error_response, webhook_vendor
from hub.observability import VENDOR_CALL, VENDOR_ERROR, sync_ran, vendor_call
from hub.vendors.http import Call, HttpPolicy, send


@pytest.fixture(autouse=True)
def fresh_metric_set() -> None:
    """Powertools' Metrics instances share one set: a resolver called without its handler's flush
    (another test's) leaves metrics in it, which the next flush would carry."""
    Metrics().clear_metrics()


@pytest.mark.parametrize(
    ("path", "vendor"),
    [
        ("/hooks/phonet/secret-token/lookup", "phonet"),
        ("/hooks/avtodialer/secret-token/result", "avtodialer"),
        ("/hooks/evil/secret-token/lookup", None),  # a dimension never takes what a URL says
        ("/api/v1/contacts", None),
        ("/hooks", None),
        ("", None),
    ],
)
def test_webhook_vendor_names_only_known_vendors_of_hook_paths(path: str, vendor: str | None) -> None:
    assert webhook_vendor(path) == vendor


def test_answered_error_code_reads_the_error_answer_and_nothing_else() -> None:
    error = error_response(404, "not_found", "not found")
    assert answered_error_code({"statusCode": 404, "body": json.dumps(error.body)}) == "not_found"
    assert answered_error_code({"statusCode": 200, "body": '{"error": {"code": "x"}}'}) is None
    assert answered_error_code({"statusCode": 502, "body": "<html>bad gateway</html>"}) is None


def test_vendor_call_counts_each_call_by_vendor_and_outcome(monkeypatch, capsys) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TelephonyHub")
    with vendor_call("avtodialer"):
        pass
    with pytest.raises(VendorUnavailable), vendor_call("phonet"):
        raise VendorUnavailable("phonet timed out")
    with pytest.raises(KeyError), vendor_call("obzvonilka"):
        raise KeyError("surprise")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    calls = [(line["vendor"], line["outcome"], line[VENDOR_CALL]) for line in lines if VENDOR_CALL in line]
    errors = [(line["vendor"], line[VENDOR_ERROR]) for line in lines if VENDOR_ERROR in line]
    assert calls == [
        ("avtodialer", "ok", [1.0]),
        ("phonet", "vendor_unavailable", [1.0]),
        ("obzvonilka", "internal_error", [1.0]),
    ]
    assert errors == [("avtodialer", [0.0]), ("phonet", [1.0]), ("obzvonilka", [1.0])]


def test_vendor_call_error_line_is_by_vendor_alone(monkeypatch, capsys) -> None:
    """The alarm on a vendor's error rate reads {vendor}: whichever function called, one series."""
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TelephonyHub")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "dial-worker")
    with vendor_call("avtodialer"):
        pass
    call, error = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert call["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["vendor", "outcome", "service"]]
    (directive,) = error["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["vendor"]] and "service" not in error
    assert [metric["Name"] for metric in directive["Metrics"]] == [VENDOR_ERROR]


class _Answers(requests.Session):
    """A session that answers each request with the next status, or raises the next exception."""

    def __init__(self, *answers: int | Exception) -> None:
        super().__init__()
        self.answers = list(answers)

    def request(self, method, url, **kwargs):  # type: ignore[no-untyped-def, override]
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.status_code, response._content = answer, b"{}"
        return response


def test_vendor_send_counts_errors_only_for_answers_the_vendor_failed(monkeypatch, capsys) -> None:
    """A 5xx, a 429 or a timeout is the vendor failing; a 404 (an unknown contact) or a refused
    session is an answer: not in the error rate, which would otherwise rise with every renewal."""
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TelephonyHub")
    session = _Answers(200, 503, 429, requests.ReadTimeout("slow"), 404, 401)
    for _ in range(6):
        with contextlib.suppress(VendorUnavailable):  # a timeout raises; answers are returned
            send(session, Call("phonet", "read"), "https://pbx.example.com/x", HttpPolicy())
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    outcomes = [line["outcome"] for line in lines if VENDOR_CALL in line]
    errors = [line[VENDOR_ERROR] for line in lines if VENDOR_ERROR in line]
    assert list(zip(outcomes, errors, strict=True)) == [
        ("ok", [0.0]),
        ("vendor_unavailable", [1.0]),
        ("vendor_unavailable", [1.0]),
        ("vendor_unavailable", [1.0]),
        ("vendor_rejected", [0.0]),
        ("vendor_auth_refused", [0.0]),
    ]


def test_vendor_call_without_a_namespace_counts_nothing_and_keeps_the_error(monkeypatch, capsys) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)
    with pytest.raises(VendorUnavailable), vendor_call("phonet"):
        raise VendorUnavailable("phonet timed out")
    assert "VendorCall" not in capsys.readouterr().out


def test_vendor_call_told_of_a_failure_counts_its_code(monkeypatch, capsys) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TelephonyHub")
    with vendor_call("phonet") as outcome:
        outcome.failed(VendorUnavailable("phonet answered 503"))
    line, error = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (line["vendor"], line["outcome"], error[VENDOR_ERROR]) == ("phonet", "vendor_unavailable", [1.0])


def test_sync_ran_counts_the_run_its_rows_and_lag_by_source(monkeypatch, capsys) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TelephonyHub")
    sync_ran("phonet_calls", "ok", read=120, failed=2, lag_ms=90_000)
    sync_ran("obzvonilka_bases", "error", read=0, failed=0)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    found = {(line["source"], name): line[name] for line in lines for name in line if name[0].isupper()}
    assert found == {
        ("phonet_calls", "SyncRun"): [1.0],
        ("phonet_calls", "SyncRowsRead"): [120.0],
        ("phonet_calls", "SyncRowsFailed"): [2.0],
        ("phonet_calls", "SyncLagSeconds"): [90.0],
        ("obzvonilka_bases", "SyncRun"): [1.0],
        ("obzvonilka_bases", "SyncRowsRead"): [0.0],
        ("obzvonilka_bases", "SyncRowsFailed"): [0.0],
    }
    assert [line["outcome"] for line in lines if "SyncRun" in line] == ["ok", "error"]
