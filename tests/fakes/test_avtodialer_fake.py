"""AvtodialerFake over real loopback HTTP: make / newcall / cdr, result webhook, dial counting."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import requests

from hubtools.fakes import AvtodialerFake


def records(n: int, start: int = 0) -> list[dict[str, str]]:
    return [
        {"id": str(i), "name": f"Клиент {i}", "phone": f"8922{i:07d}", "UUID": f"c{i}", "maxcount": "1"}
        for i in range(start, start + n)
    ]


def make(fake: AvtodialerFake, data: list, *, apikey: str | None = None, token: str | None = None, **kw):
    body = {"query": {"access_token": token or fake.access_token, "data": data}}
    return requests.post(f"{fake.url}/{apikey or fake.api_key}/make", json=body, timeout=kw.get("timeout", 2))


def test_avtodialer_make_queues_records_report_all_strings_big_id(avtodialer: AvtodialerFake) -> None:
    r = make(avtodialer, records(3))

    report = r.json()["report"]
    assert r.status_code == 200
    assert report == {"lines": "3", "ok": "3", "inserted": "3", "errorcode": "0", "id": report["id"]}
    assert report["id"].isdigit() and int(report["id"]) > 2**53
    assert [c.uuid for c in avtodialer.queued()] == ["c0", "c1", "c2"]


def test_avtodialer_make_consecutive_job_ids_collide_as_floats(avtodialer: AvtodialerFake) -> None:
    first = make(avtodialer, records(1)).json()["report"]["id"]
    second = make(avtodialer, records(1, 1)).json()["report"]["id"]

    assert first != second and float(first) == float(second)


@pytest.mark.parametrize(("apikey", "token", "status"), [("wrong", None, 401), (None, "wrong", 403)])
def test_avtodialer_make_bad_credentials_rejected(avtodialer: AvtodialerFake, apikey, token, status) -> None:
    r = make(avtodialer, records(1), apikey=apikey, token=token)

    assert r.status_code == status and avtodialer.queued() == []


def test_avtodialer_make_1001_records_rejected_nothing_queued(avtodialer: AvtodialerFake) -> None:
    r = make(avtodialer, records(1001))

    assert r.status_code == 400 and r.json()["report"]["inserted"] == "0"
    assert avtodialer.queued() == []


def test_avtodialer_make_1000_records_accepted(avtodialer: AvtodialerFake) -> None:
    r = make(avtodialer, records(1000))

    assert r.json()["report"]["inserted"] == "1000" and len(avtodialer.queued()) == 1000


def test_avtodialer_make_invalid_records_skipped_with_errorcode(avtodialer: AvtodialerFake) -> None:
    data = [*records(1), {"phone": "89220000001"}, {"UUID": "x"}, {"phone": "89220000002", "UUID": 5}]

    report = make(avtodialer, data).json()["report"]

    assert (report["lines"], report["ok"], report["inserted"], report["errorcode"]) == ("4", "1", "1", "1")
    assert len(avtodialer.rejected) == 3


def test_avtodialer_dial_counts_expose_a_resent_chunk(avtodialer: AvtodialerFake) -> None:
    make(avtodialer, records(2))
    make(avtodialer, records(1, 1))

    counts = requests.get(f"{avtodialer.url}/_fake/dial_counts", timeout=2).json()

    assert counts["uuid"] == {"c0": 1, "c1": 2} and counts["phone"]["89220000001"] == 2
    assert avtodialer.dialed_twice() == ["c1"]


def test_avtodialer_dedupe_uuid_reports_not_inserted() -> None:
    with AvtodialerFake(dedupe_uuid=True) as fake:
        make(fake, records(2))
        report = make(fake, records(3)).json()["report"]

    assert (report["ok"], report["inserted"], report["errorcode"]) == ("3", "1", "2")


def test_avtodialer_make_503_without_body_queues_nothing(avtodialer: AvtodialerFake) -> None:
    avtodialer.fail("status", method="POST", path="/.*/make", status=503, body="")

    r = make(avtodialer, records(2))

    assert (r.status_code, r.text) == (503, "") and avtodialer.queued() == []
    assert avtodialer.count("POST", "/.*/make") == 1


def test_avtodialer_make_timeout_after_body_sent_still_queues(avtodialer: AvtodialerFake) -> None:
    avtodialer.fail("slow", method="POST", path="/.*/make", delay=0.4)

    with pytest.raises(requests.Timeout):
        make(avtodialer, records(2), timeout=0.1)
    deadline = time.monotonic() + 2
    while len(avtodialer.queued()) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert len(avtodialer.queued()) == 2  # the ambiguous case: the client gave up, the dialer did not


def test_avtodialer_newcall_query_id_count_and_inherited_window(avtodialer: AvtodialerFake) -> None:
    data = [
        {
            "id": "0",
            "name": "A",
            "phone": "89220000001",
            "UUID": "a",
            "generationtype": 1,
            "timestart": "10:00",
            "timestop": "19:00",
        },
        {"id": "0", "name": "B", "phone": "89220000002", "UUID": "b", "generationtype": 1},
        {"id": "0", "phone": "89220000003", "UUID": "c", "generationtype": 1},
    ]
    body = {"query": {"access_token": avtodialer.access_token, "data": data}}

    r = requests.post(f"{avtodialer.url}/{avtodialer.api_key}/newcall", json=body, timeout=2).json()

    assert isinstance(r["QUERY_ID"], int) and r["QUERY_COUNT"] == 2
    assert [c.window for c in avtodialer.queued()] == [("10:00", "19:00"), ("10:00", "19:00")]


def test_avtodialer_newcall_flat_record_without_window_is_flagged(avtodialer: AvtodialerFake) -> None:
    body = {
        "access_token": avtodialer.access_token,
        "name": "A",
        "phone": "89220000001",
        "UUID": "a",
        "generationtype": "1",
    }

    r = requests.post(f"{avtodialer.url}/{avtodialer.api_key}/newcall", json=body, timeout=2).json()

    assert r["QUERY_COUNT"] == 1 and avtodialer.queued()[0].window is None


def test_avtodialer_cdr_returns_completed_calls(avtodialer: AvtodialerFake) -> None:
    job = int(make(avtodialer, records(2)).json()["report"]["id"])
    when = dt.datetime(2024, 5, 6, 12, 30, 0, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    avtodialer.complete("c0", code="ANSWERED", sec=17, when=when)
    query = {"access_token": avtodialer.access_token, "date_from": "2024-05-06", "date_to": "2024-05-06"}

    rows = requests.post(
        f"{avtodialer.url}/{avtodialer.api_key}/cdr", json={"query": query}, timeout=2
    ).json()
    by_to = requests.post(
        f"{avtodialer.url}/{avtodialer.api_key}/cdr",
        json={"query": {**query, "to": "89220000001"}},
        timeout=2,
    ).json()
    bad = requests.post(
        f"{avtodialer.url}/{avtodialer.api_key}/cdr", json={"query": {**query, "date_from": "06.05.2024"}}
    )

    assert rows == [
        {
            "QUERY_ID": job,
            "DST": "89220000000",
            "TIME": "2024-05-06 12:30:00 +0300",
            "CODE": "ANSWERED",
            "SEC": 17,
        }
    ]
    assert by_to == [] and bad.status_code == 400
    assert [c.uuid for c in avtodialer.queued()] == ["c1"]


def test_avtodialer_complete_fires_json_webhook(avtodialer: AvtodialerFake, receiver) -> None:
    make(avtodialer, records(1))

    done = avtodialer.complete("c0", sec=9, answer="да, удобно")

    (hit,) = receiver.hits("POST", "/avtodialer/result")
    assert hit.body["UUID"] == "c0" and hit.body["phone"] == "89220000000" and hit.body["duration"] == 9
    assert hit.body["answer"] == "да, удобно" and done[0]["webhook"]["status"] == 200
    wav = requests.get(hit.body["record"], timeout=2)
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"


def test_avtodialer_complete_fires_form_webhook_with_custom_names(receiver) -> None:
    fields = {
        "phone": "number",
        "duration": "dur",
        "recording": "wav",
        "answer": "reply",
        "uuid": "client",
        "code": None,
    }
    with AvtodialerFake(
        webhook_url=f"{receiver.url}/hook", webhook_format="form", webhook_fields=fields
    ) as fake:
        make(fake, records(1))
        requests.post(f"{fake.url}/_fake/complete", json={"uuid": "c0", "sec": 5}, timeout=5)

    (hit,) = receiver.hits("POST", "/hook")
    assert hit.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert hit.body["client"] == "c0" and hit.body["dur"] == "5" and hit.body["wav"].endswith(".wav")
    assert "code" not in hit.body and "number" in hit.body


def test_avtodialer_webhook_codes_filter_skips_other_codes(receiver) -> None:
    with AvtodialerFake(webhook_url=f"{receiver.url}/hook", webhook_codes={"ANSWERED"}) as fake:
        make(fake, records(2))
        fake.complete("c0", code="BUSY", sec=0)
        fake.complete("c1", code="ANSWERED")

    assert [h.body["UUID"] for h in receiver.hits("POST", "/hook")] == ["c1"]


# ---- faithful to the seed (issue 11 item 10) --------------------------------------------------------
def test_avtodialer_make_window_inherited_from_previous_record(avtodialer: AvtodialerFake) -> None:
    data = records(3)
    data[0] |= {"statdialertime": "09:00:00", "stopdialertime": "18:00:00"}
    data[2] |= {"stopdialertime": "20:00:00"}

    make(avtodialer, data)

    windows = [c.window for c in avtodialer.queued()]
    assert windows == [("09:00:00", "18:00:00"), ("09:00:00", "18:00:00"), ("09:00:00", "20:00:00")]


def test_avtodialer_make_without_window_defaults_10_19_today(avtodialer: AvtodialerFake) -> None:
    make(avtodialer, records(2))

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=3))).date().isoformat()
    assert [(c.window, c.day) for c in avtodialer.queued()] == [(("10:00", "19:00"), today)] * 2


def test_avtodialer_make_window_inherits_across_a_rejected_record(avtodialer: AvtodialerFake) -> None:
    data = [{"phone": "bad", "UUID": "x", "statdialertime": "11:00", "stopdialertime": "12:00"}, *records(1)]

    make(avtodialer, data)

    assert [c.window for c in avtodialer.queued()] == [("11:00", "12:00")]


def test_avtodialer_newcall_without_access_token_as_in_seed(avtodialer: AvtodialerFake) -> None:
    body = {"id": "0", "name": "User1", "phone": "89222220000", "UUID": "code1", "generationtype": 1}

    r = requests.post(f"{avtodialer.url}/{avtodialer.api_key}/newcall", json=body, timeout=2)
    wrong_key = requests.post(f"{avtodialer.url}/nope/newcall", json=body, timeout=2)

    assert r.status_code == 200 and r.json()["QUERY_COUNT"] == 1
    assert wrong_key.status_code == 401 and len(avtodialer.queued()) == 1


def test_avtodialer_cdr_without_access_token_as_in_seed(avtodialer: AvtodialerFake) -> None:
    make(avtodialer, records(1))
    avtodialer.complete("c0", when=dt.datetime(2024, 5, 6, 12, 0, tzinfo=dt.UTC))
    fields = {"date_from": "2024-05-06", "date_to": "2024-05-06", "to": "89220000000"}

    r = requests.post(f"{avtodialer.url}/{avtodialer.api_key}/cdr", json=fields, timeout=2)
    wrong_key = requests.post(f"{avtodialer.url}/nope/cdr", json=fields, timeout=2)

    assert r.status_code == 200 and [row["DST"] for row in r.json()] == ["89220000000"]
    assert wrong_key.status_code == 401
