"""FakeServer machinery: journal, failure injection (Python and HTTP control), lifecycle."""

from __future__ import annotations

import time

import pytest
import requests

from hubtools.fakes import FakeServer


def test_fakeserver_journal_records_requests_but_not_control_calls(receiver: FakeServer) -> None:
    requests.post(f"{receiver.url}/a/b?x=1", json={"k": "в"}, timeout=2)
    requests.post(f"{receiver.url}/a/b", data={"f": "1"}, timeout=2)
    requests.get(f"{receiver.url}/_fake/journal", timeout=2)

    hits = receiver.journal
    assert [(h.method, h.path, h.status) for h in hits] == [("POST", "/a/b", 200)] * 2
    assert hits[0].query == {"x": "1"} and hits[0].body == {"k": "в"}
    assert hits[1].body == {"f": "1"}
    assert receiver.count("POST", "/a/.*") == 2
    assert receiver.count("GET") == 0
    assert requests.get(f"{receiver.url}/_fake/count?method=POST&path=/a/b", timeout=2).json() == {"count": 2}


def test_fakeserver_status_fault_429_with_retry_after_then_recovers(receiver: FakeServer) -> None:
    receiver.fail("status", method="POST", path="/x", status=429, body="slow down", retry_after=7, times=2)

    first = requests.post(f"{receiver.url}/x", timeout=2)
    second = requests.post(f"{receiver.url}/x", timeout=2)
    third = requests.post(f"{receiver.url}/x", timeout=2)

    assert (first.status_code, first.text, first.headers["Retry-After"]) == (429, "slow down", "7")
    assert second.status_code == 429 and third.status_code == 200
    assert [h.fault for h in receiver.journal] == ["status", "status", None]


def test_fakeserver_status_fault_extra_headers_may_repeat_over_http_control(receiver: FakeServer) -> None:
    fault = {"status": 200, "path": "/login", "headers": [["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]]}
    assert requests.post(f"{receiver.url}/_fake/faults", json=fault, timeout=2).status_code == 201

    r = requests.get(f"{receiver.url}/login", timeout=2)

    assert r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_fakeserver_fault_skip_and_method_filter_spare_other_requests(receiver: FakeServer) -> None:
    receiver.fail("status", method="POST", path="/x", status=503, skip=1)

    assert requests.get(f"{receiver.url}/x", timeout=2).status_code == 200
    assert requests.post(f"{receiver.url}/x", timeout=2).status_code == 200
    assert requests.post(f"{receiver.url}/x", timeout=2).status_code == 503
    assert receiver.faults == []


def test_fakeserver_timeout_fault_client_times_out(receiver: FakeServer) -> None:
    receiver.fail("timeout", path="/x", delay=1.0)
    started = time.monotonic()

    with pytest.raises(requests.Timeout):
        requests.get(f"{receiver.url}/x", timeout=0.2)

    assert time.monotonic() - started < 0.9
    assert receiver.journal[0].fault == "timeout" and receiver.journal[0].status is None


def test_fakeserver_drop_fault_closes_connection_without_response(receiver: FakeServer) -> None:
    receiver.fail("drop", path="/x")

    with pytest.raises(requests.ConnectionError):
        requests.post(f"{receiver.url}/x", json={}, timeout=2)
    assert requests.post(f"{receiver.url}/x", json={}, timeout=2).status_code == 200


def test_fakeserver_slow_fault_answers_after_delay(receiver: FakeServer) -> None:
    receiver.fail("slow", path="/x", delay=0.3)
    started = time.monotonic()

    response = requests.get(f"{receiver.url}/x", timeout=2)

    assert response.status_code == 200 and time.monotonic() - started >= 0.3


def test_fakeserver_http_control_adds_lists_and_resets_faults(receiver: FakeServer) -> None:
    spec = {"kind": "status", "method": "GET", "path": "/y", "status": 500, "body": "boom"}
    added = requests.post(f"{receiver.url}/_fake/faults", json=spec, timeout=2)
    listed = requests.get(f"{receiver.url}/_fake/faults", timeout=2).json()
    failed = requests.get(f"{receiver.url}/y", timeout=2)
    requests.post(f"{receiver.url}/_fake/faults", json={"kind": "drop", "path": "/z"}, timeout=2)
    requests.post(f"{receiver.url}/_fake/reset", timeout=2)

    assert added.status_code == 201 and listed[0]["status"] == 500
    assert (failed.status_code, failed.text) == (500, "boom")
    assert receiver.faults == [] and receiver.journal == []
    assert requests.get(f"{receiver.url}/z", timeout=2).status_code == 200


def test_fakeserver_http_control_bad_fault_400(receiver: FakeServer) -> None:
    response = requests.post(f"{receiver.url}/_fake/faults", json={"kind": "explode"}, timeout=2)

    assert response.status_code == 400


def test_fakeserver_stop_refuses_then_restart_keeps_port(receiver: FakeServer) -> None:
    url = receiver.url
    receiver.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/x", timeout=1)

    receiver.start()

    assert receiver.url == url
    assert requests.get(f"{url}/x", timeout=2).status_code == 200


def faulted_requests(fake: FakeServer, n: int, path: str = "/x") -> list[int]:
    """Send `n` requests to `path` one after another; the 1-based positions the fake faulted."""
    with requests.Session() as session:
        statuses = [session.get(f"{fake.url}{path}", timeout=2).status_code for _ in range(n)]
    return [i for i, status in enumerate(statuses, start=1) if status == 503]


def test_fakeserver_rate_fault_strikes_about_its_share_the_same_requests_each_run(
    receiver: FakeServer,
) -> None:
    receiver.fail("status", path="/x", status=503, rate=0.5, times=1000, seed=7)
    first = faulted_requests(receiver, 200)
    receiver.reset()
    receiver.fail("status", path="/x", status=503, rate=0.5, times=1000, seed=7)
    again = faulted_requests(receiver, 200)
    receiver.reset()
    receiver.fail("status", path="/x", status=503, rate=0.5, times=1000, seed=8)
    other_seed = faulted_requests(receiver, 200)

    assert 70 <= len(first) <= 130
    assert again == first and other_seed != first
    assert [h.fault for h in receiver.journal].count("status") == len(other_seed)  # journaled as faults


def test_fakeserver_rate_fault_times_bounds_it_and_skip_goes_first(receiver: FakeServer) -> None:
    receiver.fail("status", path="/x", status=503, rate=0.5, times=5, skip=20)

    faulted = faulted_requests(receiver, 200)

    assert len(faulted) == 5 and min(faulted) > 20 and receiver.faults == []


def test_fakeserver_rate_fault_over_http_control(receiver: FakeServer) -> None:
    spec = {"kind": "status", "path": "/x", "status": 503, "rate": 0.25, "times": 1000, "seed": 3}
    added = requests.post(f"{receiver.url}/_fake/faults", json=spec, timeout=2)
    bad = requests.post(f"{receiver.url}/_fake/faults", json={**spec, "rate": 1.5}, timeout=2)

    faulted = faulted_requests(receiver, 200)

    assert added.status_code == 201 and (added.json()[0]["rate"], added.json()[0]["seed"]) == (0.25, 3)
    assert bad.status_code == 400 and "rate" in bad.text
    assert 25 <= len(faulted) <= 75
    (left,) = requests.get(f"{receiver.url}/_fake/faults", timeout=2).json()
    assert left["times"] == 1000 - len(faulted)
