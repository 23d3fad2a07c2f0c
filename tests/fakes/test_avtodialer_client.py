"""AvtodialerClient against AvtodialerFake over real loopback HTTP: make / newcall / cdr, nothing resent
that may have been queued, job ids above 2^53 kept exact (spec/avtodialer.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from typing import Any

import pytest

from hub.errors import BadRequest, VendorRejected, VendorUnavailable
from hub.vendors.avtodialer.client import MAX_RECORDS, AvtodialerClient, RobotCall
from hub.vendors.http import HttpPolicy
from hubtools.fakes import AvtodialerFake
from hubtools.fakes.avtodialer import FIRST_JOB_ID

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
TEN, SEVEN = dt.time(10, 0), dt.time(19, 0)
DAY = dt.date(2024, 5, 6)


def client_for(fake: AvtodialerFake, **kwargs: Any) -> AvtodialerClient:
    kwargs.setdefault("policy", FAST)
    return AvtodialerClient(fake.url, kwargs.pop("api_key", fake.api_key), fake.access_token, **kwargs)


def robot_calls(n: int) -> list[RobotCall]:
    return [
        RobotCall(
            phone=f"8922{i:07d}",
            client_id=f"c{i}",
            scenario="1",
            window_start=TEN,
            window_stop=SEVEN,
            name=f"Клиент {i}",
            variables=("Иван", "1500"),
        )
        for i in range(n)
    ]


def test_avtodialer_client_make_sends_strings_with_windows_and_keeps_job_id_exact(
    avtodialer: AvtodialerFake,
) -> None:
    client = client_for(avtodialer)

    first = client.make(robot_calls(2))
    second = client.make(robot_calls(1))

    assert (first.lines, first.ok, first.inserted, first.errorcode) == (2, 2, 2, "0")
    assert FIRST_JOB_ID > 2**53 and first.job_id == str(FIRST_JOB_ID)
    assert second.job_id == str(FIRST_JOB_ID + 1)  # as floats the two would be one id
    body = avtodialer.hits("POST", "/.*/make")[0].body
    assert body["query"]["access_token"] == avtodialer.access_token
    assert body["query"]["data"][0] == {
        "id": "1",
        "name": "Клиент 0",
        "phone": "89220000000",
        "UUID": "c0",
        "var1": "Иван",
        "var2": "1500",
        "maxcount": "1",
        "generationtype": "1",
        "statdialertime": "10:00:00",
        "stopdialertime": "19:00:00",
    }
    assert [c.window for c in avtodialer.queued()] == [("10:00:00", "19:00:00")] * 3


def test_avtodialer_client_make_1001_records_refused_before_sending(avtodialer: AvtodialerFake) -> None:
    with pytest.raises(BadRequest, match="1 to 1000"):
        client_for(avtodialer).make(robot_calls(MAX_RECORDS + 1))

    assert avtodialer.count() == 0


def test_avtodialer_client_make_1000_records_one_request(avtodialer: AvtodialerFake) -> None:
    report = client_for(avtodialer).make(robot_calls(MAX_RECORDS))

    assert report.inserted == MAX_RECORDS and avtodialer.count("POST", "/.*/make") == 1


@pytest.mark.parametrize("field", ["phone", "client_id"])
def test_avtodialer_client_make_same_person_twice_refused_before_sending(
    avtodialer: AvtodialerFake, field: str
) -> None:
    calls = robot_calls(2)
    twice = [calls[0], dataclasses.replace(calls[1], **{field: getattr(calls[0], field)})]

    with pytest.raises(BadRequest, match="twice"):
        client_for(avtodialer).make(twice)

    assert avtodialer.count() == 0


def test_avtodialer_client_make_read_timeout_not_resent_maybe_done(avtodialer: AvtodialerFake) -> None:
    client = client_for(avtodialer, policy=HttpPolicy(read_timeout=0.3, backoff_factor=0))
    avtodialer.fail("slow", method="POST", path="/.*/make", delay=0.8)

    with pytest.raises(VendorUnavailable) as lost:
        client.make(robot_calls(2))

    assert lost.value.details["maybe_done"] is True
    deadline = time.monotonic() + 3
    while len(avtodialer.queued()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(avtodialer.queued()) == 2 and avtodialer.count("POST", "/.*/make") == 1
    assert avtodialer.dialed_twice() == []


@pytest.mark.parametrize(
    ("status", "body", "maybe_done"),
    [(503, "", False), (429, "slow down", False), (503, "overloaded", True), (500, "error", True)],
)
def test_avtodialer_client_make_failure_says_whether_anything_may_be_queued(
    avtodialer: AvtodialerFake, status: int, body: str, maybe_done: bool
) -> None:
    avtodialer.fail("status", method="POST", path="/.*/make", status=status, body=body)

    with pytest.raises(VendorUnavailable) as busy:
        client_for(avtodialer).make(robot_calls(1))

    assert busy.value.details == {
        "vendor": "avtodialer",
        "operation": "make",
        "status": status,
        "retry_after": None,
        "maybe_done": maybe_done,
    }
    assert avtodialer.count("POST", "/.*/make") == 1


def test_avtodialer_client_unreachable_never_sent_and_key_not_in_message(avtodialer: AvtodialerFake) -> None:
    client = client_for(avtodialer)
    avtodialer.stop()

    with pytest.raises(VendorUnavailable) as down:
        client.make(robot_calls(1))

    assert down.value.details["maybe_done"] is False
    assert avtodialer.api_key not in f"{down.value.message} {down.value.details}"


def test_avtodialer_client_wrong_key_refused(avtodialer: AvtodialerFake) -> None:
    with pytest.raises(VendorRejected) as refused:
        client_for(avtodialer, api_key="nope").make(robot_calls(1))

    assert refused.value.code == "vendor_auth_refused" and not refused.value.retryable


def test_avtodialer_client_every_request_counted_by_outcome(
    avtodialer: AvtodialerFake, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "TelephonyHub")
    capsys.readouterr()
    client_for(avtodialer).make(robot_calls(1))
    with pytest.raises(VendorRejected):
        client_for(avtodialer, api_key="nope").make(robot_calls(1))
    avtodialer.stop()
    with pytest.raises(VendorUnavailable):
        client_for(avtodialer).newcall(robot_calls(1)[0])

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"VendorCall"' in line]
    assert [(line["vendor"], line["outcome"], line["VendorCall"]) for line in lines] == [
        ("avtodialer", "ok", [1.0]),
        ("avtodialer", "vendor_auth_refused", [1.0]),
        ("avtodialer", "vendor_unavailable", [1.0]),
    ]


def test_avtodialer_client_newcall_one_record_with_window(avtodialer: AvtodialerFake) -> None:
    result = client_for(avtodialer).newcall(robot_calls(1)[0])

    assert result.count == 1 and result.job_id == str(FIRST_JOB_ID)
    query = avtodialer.hits("POST", "/.*/newcall")[0].body["query"]
    assert query["id"] == "0" and (query["timestart"], query["timestop"]) == ("10:00", "19:00")
    assert query["name"] == "Клиент 0" and query["generationtype"] == "1"
    assert [c.window for c in avtodialer.queued()] == [("10:00", "19:00")]


def test_avtodialer_client_newcall_without_name_refused_before_sending(avtodialer: AvtodialerFake) -> None:
    nameless = RobotCall(
        phone="89220000000", client_id="c0", scenario="1", window_start=TEN, window_stop=SEVEN
    )

    with pytest.raises(BadRequest, match="name"):
        client_for(avtodialer).newcall(nameless)

    assert avtodialer.count() == 0


def test_avtodialer_client_cdr_rows_match_job_ids_exactly(avtodialer: AvtodialerFake) -> None:
    client = client_for(avtodialer)
    job = client.make(robot_calls(2)).job_id
    when = dt.datetime(2024, 5, 6, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    avtodialer.complete("c0", code="ANSWERED", sec=17, when=when)
    avtodialer.complete("c1", code="NOANSWER", sec=0, when=when)

    rows = client.cdr(DAY, DAY).rows
    one = client.cdr(DAY, DAY, number="89220000001").rows
    before = client.cdr(DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=1)).rows

    assert [(r.job_id, r.number, r.code, r.seconds) for r in rows] == [
        (job, "89220000000", "ANSWERED", 17),
        (job, "89220000001", "NOANSWER", 0),
    ]
    assert rows[0].time == when and [r.number for r in one] == ["89220000001"] and before == []
    assert avtodialer.hits("POST", "/.*/cdr")[0].body["query"] == {
        "access_token": avtodialer.access_token,
        "date_from": "2024-05-06",
        "date_to": "2024-05-06",
    }


def test_avtodialer_client_cdr_non_json_answer_is_an_error(avtodialer: AvtodialerFake) -> None:
    avtodialer.fail("status", path="/.*/cdr", status=200, body="<html>maintenance</html>")

    with pytest.raises(VendorUnavailable, match="without JSON"):
        client_for(avtodialer).cdr(DAY, DAY)
