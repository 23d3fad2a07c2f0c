"""PhonetFake over real loopback HTTP: REST API of spec §B and webhook scenarios of spec §A."""

from __future__ import annotations

import time

import pytest
import requests

from hubtools.fakes import PhonetFake

A2_FIELDS = {
    "event",
    "accountDomain",
    "uuid",
    "parentUuid",
    "dialAt",
    "bridgeAt",
    "serverTime",
    "lgDirection",
    "leg",
    "leg2",
    "otherLegs",
    "trunkNum",
    "trunkName",
}
ROW_FIELDS = {
    "parentUuid",
    "uuid",
    "endAt",
    "lgDirection",
    "otherLegNum",
    "otherLegName",
    "leg",
    "leg2",
    "billSecs",
    "duration",
    "disposition",
    "transferHistory",
    "audioRecUrl",
    "trunk",
}
ALL_TIME = {"timeFrom": 0, "timeTo": 10**13}


def login(fake: PhonetFake) -> requests.Session:
    s = requests.Session()
    r = s.post(f"{fake.url}/rest/security/authorize", json={"domain": fake.domain, "apiKey": fake.api_key})
    assert r.status_code == 200 and "JSESSIONID" in s.cookies
    return s


def received(receiver, path: str) -> list:
    """Bodies the stand-in hub got on ``path``, parsed from the raw bytes (proves they are valid JSON)."""
    return [h.body for h in receiver.hits("POST", path)]


# ---- session auth -----------------------------------------------------------------------------------
def test_phonet_authorize_wrong_key_401_plain_text(phonet: PhonetFake) -> None:
    r = requests.post(
        f"{phonet.url}/rest/security/authorize", json={"domain": phonet.domain, "apiKey": "nope"}, timeout=2
    )

    assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/plain")
    assert "JSESSIONID" not in r.cookies


def test_phonet_rest_without_session_403(phonet: PhonetFake) -> None:
    assert requests.get(f"{phonet.url}/rest/users", timeout=2).status_code == 403
    bad = requests.get(f"{phonet.url}/rest/users", cookies={"JSESSIONID": "forged"}, timeout=2)
    assert bad.status_code == 403


def test_phonet_session_expired_403_then_reauthorize_ok(phonet: PhonetFake) -> None:
    s = login(phonet)
    assert s.get(f"{phonet.url}/rest/user/status", timeout=2).json() == {"status": 0}

    phonet.expire_sessions()
    expired = s.get(f"{phonet.url}/rest/user/status", timeout=2)
    login_again = s.post(
        f"{phonet.url}/rest/security/authorize", json={"domain": phonet.domain, "apiKey": phonet.api_key}
    )

    assert expired.status_code == 403
    assert login_again.status_code == 200
    assert s.get(f"{phonet.url}/rest/user/status", timeout=2).status_code == 200
    assert phonet.count("POST", "/rest/security/authorize") == 2


def test_phonet_expire_session_fault_over_http_control_403_once(phonet: PhonetFake) -> None:
    s = login(phonet)
    fault = {"kind": "expire_session", "method": "GET", "path": "/rest/users"}
    assert requests.post(f"{phonet.url}/_fake/faults", json=fault, timeout=2).status_code == 201

    assert s.get(f"{phonet.url}/rest/users", timeout=2).status_code == 403
    login(phonet)  # another client's login does not revive the dead session
    assert s.get(f"{phonet.url}/rest/users", timeout=2).status_code == 403


def test_phonet_session_ttl_expires_by_itself() -> None:
    with PhonetFake(session_ttl=0.2) as fake:
        s = login(fake)
        assert s.get(f"{fake.url}/rest/users", timeout=2).status_code == 200
        time.sleep(0.3)
        assert s.get(f"{fake.url}/rest/users", timeout=2).status_code == 403


@pytest.mark.parametrize("status", [401, 302])
def test_phonet_expired_status_401_or_302_to_login_instead_of_403(status: int) -> None:
    with PhonetFake(expired_status=status) as fake:
        s = login(fake)
        fake.expire_sessions()

        r = s.get(f"{fake.url}/rest/users", timeout=2, allow_redirects=False)

    assert r.status_code == status
    assert status != 302 or r.headers["Location"] == f"https://{fake.domain}/login.jsp"


def test_phonet_expired_status_other_than_documented_refused() -> None:
    with pytest.raises(ValueError, match="expired_status"):
        PhonetFake(expired_status=500)


# ---- calls ------------------------------------------------------------------------------------------
def test_phonet_make_call_active_then_hangup_moves_to_history(phonet: PhonetFake) -> None:
    s = login(phonet)
    made = s.post(f"{phonet.url}/rest/user/makeCall", json={"legExt": "001", "otherLegNum": "+380993034330"})
    uuid = made.json()["uuid"]
    active = s.get(f"{phonet.url}/rest/calls/active/v3", timeout=2).json()

    hung = s.get(f"{phonet.url}/rest/calls/active/{uuid}/hangup", timeout=2)
    after = s.get(f"{phonet.url}/rest/calls/active/v3", timeout=2).json()
    history = s.get(f"{phonet.url}/rest/calls/company.api", params=ALL_TIME, timeout=2).json()

    assert made.status_code == 200
    assert [c["uuid"] for c in active] == [uuid]
    assert active[0]["lastEvent"] == "call.dial"
    assert set(active[0]) == A2_FIELDS - {"event", "accountDomain", "serverTime"} | {"lastEvent"}
    assert hung.status_code == 200 and after == []
    assert [(r["uuid"], r["disposition"], r["audioRecUrl"]) for r in history] == [(uuid, 1, None)]
    assert phonet.count("POST", "/rest/user/makeCall") == 1


def test_phonet_make_call_unknown_ext_400_plain_text(phonet: PhonetFake) -> None:
    s = login(phonet)

    r = s.post(f"{phonet.url}/rest/user/makeCall", json={"legExt": "999", "otherLegNum": "+380993034330"})

    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/plain") and "999" in r.text


def test_phonet_hangup_unknown_call_404(phonet: PhonetFake) -> None:
    s = login(phonet)

    assert s.get(f"{phonet.url}/rest/calls/active/nope/hangup", timeout=2).status_code == 404


def test_phonet_injected_500_on_active_calls(phonet: PhonetFake) -> None:
    s = login(phonet)
    phonet.fail("status", method="GET", path="/rest/calls/active/v3", status=500, body="PBX down")

    r = s.get(f"{phonet.url}/rest/calls/active/v3", timeout=2)

    assert (r.status_code, r.text) == (500, "PBX down")
    assert s.get(f"{phonet.url}/rest/calls/active/v3", timeout=2).status_code == 200


def test_phonet_users_lists_seeded_employees(phonet: PhonetFake) -> None:
    users = login(phonet).get(f"{phonet.url}/rest/users", timeout=2).json()

    assert {"id", "displayName", "ext", "email"} <= set(users[0]) and users[0]["ext"] == "001"


# ---- history paging ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"timeFrom": 0},
        {"timeFrom": "x", "timeTo": 1},
        {"timeFrom": 5, "timeTo": 1},
        {**ALL_TIME, "limit": 0},
    ],
)
def test_phonet_company_api_bad_params_400(phonet: PhonetFake, params: dict) -> None:
    r = login(phonet).get(f"{phonet.url}/rest/calls/company.api", params=params, timeout=2)

    assert r.status_code == 400


def test_phonet_company_api_limit_over_50_rejected(phonet: PhonetFake) -> None:
    r = login(phonet).get(f"{phonet.url}/rest/calls/company.api", params={**ALL_TIME, "limit": 51}, timeout=2)

    assert r.status_code == 400


def test_phonet_company_api_limit_over_50_clamped_when_configured() -> None:
    with PhonetFake(limit_policy="clamp") as fake:
        for i in range(60):
            fake.add_finished_call(end_at=1_000_000 + i)
        rows = login(fake).get(f"{fake.url}/rest/calls/company.api", params={**ALL_TIME, "limit": 100}).json()

    assert len(rows) == 50


def test_phonet_company_api_offset_paging_reads_all_rows_sorted(phonet: PhonetFake) -> None:
    for i in reversed(range(120)):
        phonet.add_finished_call(uuid=f"c{i:03d}", end_at=1_000_000 + i)
    s = login(phonet)
    seen, offset = [], 0
    while True:
        page = s.get(
            f"{phonet.url}/rest/calls/company.api", params={**ALL_TIME, "limit": 50, "offset": offset}
        ).json()
        seen += page
        offset += len(page)
        if len(page) < 50:
            break

    assert [r["uuid"] for r in seen] == [f"c{i:03d}" for i in range(120)]
    assert phonet.count("GET", "/rest/calls/company.api") == 3
    assert set(seen[0]) == ROW_FIELDS - {"parentUuid"}  # as in the seed's external row


def test_phonet_company_api_time_window_and_directions_filter(phonet: PhonetFake) -> None:
    phonet.add_finished_call(uuid="in", direction=4, end_at=2000)
    phonet.add_finished_call(uuid="out", direction=2, end_at=3000)
    phonet.add_finished_call(uuid="late", direction=2, end_at=9000)
    s = login(phonet)

    both = s.get(f"{phonet.url}/rest/calls/company.api", params={"timeFrom": 1000, "timeTo": 5000}).json()
    outs = s.get(f"{phonet.url}/rest/calls/company.api", params={**ALL_TIME, "directions": "2"}).json()
    bad = s.get(f"{phonet.url}/rest/calls/company.api", params={**ALL_TIME, "directions": "32"})

    assert [r["uuid"] for r in both] == ["in", "out"]
    assert [r["uuid"] for r in outs] == ["out", "late"]
    assert bad.status_code == 400


# ---- scenarios --------------------------------------------------------------------------------------
def test_phonet_play_inbound_answered_lookup_then_three_full_events(phonet: PhonetFake, receiver) -> None:
    receiver.replies["/lookup"] = {"otherLeg": {"name": "Иван", "url": "http://crm/c/1", "urlText": "Иван"}}

    result = phonet.play("inbound_answered", receiver.url, caller="+380501112233", ext="002", uuid="u1")

    lookups, events = received(receiver, "/lookup"), received(receiver, "/events")
    assert lookups == [
        {"request": "call.settings", "otherLegNum": "+380501112233", "trunkNum": "+380442246500"}
    ]
    assert [e["event"] for e in events] == ["call.dial", "call.bridge", "call.hangup"]
    assert all(set(e) == A2_FIELDS for e in events)
    assert {e["uuid"] for e in events} == {"u1"} and events[0]["lgDirection"] == 4
    assert events[0]["bridgeAt"] is None and events[1]["bridgeAt"] > events[0]["dialAt"] > 10**11
    assert events[0]["leg"] == {"id": 37, "ext": "002", "displayName": "Анна Петренко"}
    assert events[0]["otherLegs"][0]["name"] == "Иван" and events[0]["otherLegs"][0]["num"] == "+380501112233"
    assert result.statuses == [200, 200, 200, 200]
    assert result.recording_urls == ["https://demo.phonet.com.ua/rest/public/calls/u1/audio"]


def test_phonet_play_bodies_are_valid_json_objects(phonet: PhonetFake, receiver) -> None:
    phonet.play("department_call", receiver.url, utm=True)

    hits = receiver.journal
    assert {h.path for h in hits} == {"/lookup", "/events", "/utm"}
    assert all(h.headers["Content-Type"] == "application/json" for h in hits)
    # the receiver journals unparseable bodies as str: dict/list proves valid JSON on the wire
    assert all(isinstance(h.body, list if h.path == "/utm" else dict) for h in hits)


def test_phonet_play_inbound_answered_adds_history_row(phonet: PhonetFake, receiver) -> None:
    receiver.replies["/lookup"] = {"otherLeg": None}
    phonet.play("inbound_answered", receiver.url, uuid="u2", talk_secs=20, ring_secs=4)

    rows = login(phonet).get(f"{phonet.url}/rest/calls/company.api", params=ALL_TIME).json()

    assert len(rows) == 1 and set(rows[0]) == ROW_FIELDS - {"parentUuid"}
    row = rows[0]
    assert (row["uuid"], row["billSecs"], row["duration"], row["disposition"]) == ("u2", 20, 24, 0)
    assert row["audioRecUrl"] == "https://demo.phonet.com.ua/rest/public/calls/u2/audio"


def test_phonet_play_inbound_missed_listed_in_missed_api_until_answered(phonet: PhonetFake, receiver) -> None:
    phonet.play("inbound_missed", receiver.url, uuid="m1", caller="+380671234567")
    s = login(phonet)
    missed = s.get(f"{phonet.url}/rest/calls/missed.api", params=ALL_TIME).json()

    phonet.play("outbound_answered", receiver.url, caller="+380671234567", start=time.time() + 1)
    after = s.get(f"{phonet.url}/rest/calls/missed.api", params=ALL_TIME).json()

    assert [(r["uuid"], r["disposition"], r["billSecs"]) for r in missed] == [("m1", 1, 0)]
    assert [e["event"] for e in received(receiver, "/events")][:2] == ["call.dial", "call.hangup"]
    assert after == []


def test_phonet_play_outbound_lookup_has_no_trunk(phonet: PhonetFake, receiver) -> None:
    phonet.play("outbound_no_answer", receiver.url, caller="+380931112233", disposition=4)

    assert received(receiver, "/lookup") == [{"request": "call.settings", "otherLegNum": "+380931112233"}]
    events = received(receiver, "/events")
    assert [(e["event"], e["lgDirection"]) for e in events] == [("call.dial", 2), ("call.hangup", 2)]
    assert phonet.finished[0]["disposition"] == 4


def test_phonet_play_duplicated_sends_each_event_two_or_three_times(phonet: PhonetFake, receiver) -> None:
    result = phonet.play("duplicated", receiver.url, seed=3)

    names = [e["event"] for e in received(receiver, "/events")]
    runs = [(n, names.count(n)) for n in dict.fromkeys(names)]
    assert [n for n, _ in runs] == ["call.dial", "call.bridge", "call.hangup"]
    assert all(c in (2, 3) for _, c in runs)
    assert len(phonet.finished) == 1 and len(result.events) == len(names)


def test_phonet_play_reordered_is_deterministic_per_seed(phonet: PhonetFake, receiver) -> None:
    first = [e["event"] for e in phonet.play("reordered", receiver.url, seed=7).events]
    second = [e["event"] for e in phonet.play("reordered", receiver.url, seed=7).events]

    assert first == second != ["call.dial", "call.bridge", "call.hangup"]
    assert sorted(first) == ["call.bridge", "call.dial", "call.hangup"]
    assert phonet.active == {}  # a late dial after the hangup does not resurrect the call


def test_phonet_play_internal_has_no_lookup_and_no_trunk(phonet: PhonetFake, receiver) -> None:
    phonet.play("internal", receiver.url, ext="001", ext2="003")

    events = received(receiver, "/events")
    assert received(receiver, "/lookup") == []
    assert {e["lgDirection"] for e in events} == {1}
    assert (
        events[0]["leg2"]["ext"] == "003" and events[0]["trunkNum"] is None and events[0]["otherLegs"] is None
    )


def test_phonet_play_department_call_rings_two_legs_one_answers(phonet: PhonetFake, receiver) -> None:
    result = phonet.play("department_call", receiver.url, ext="001", ext2="002", parent_uuid="P")

    events = received(receiver, "/events")
    assert {e["parentUuid"] for e in events} == {"P"} and len({e["uuid"] for e in events}) == 2
    bridged = [e for e in events if e["event"] == "call.bridge"]
    assert [e["leg"]["ext"] for e in bridged] == ["002"] and bridged[0]["uuid"] == result.uuid
    assert [(r["parentUuid"], r["leg"]["ext"]) for r in phonet.finished] == [("P", "002")]


def test_phonet_play_pause_unpause_directions_32_64_in_users_api_only(phonet: PhonetFake, receiver) -> None:
    phonet.play("pause_unpause", receiver.url)
    s = login(phonet)

    events = received(receiver, "/events")
    users_rows = s.get(
        f"{phonet.url}/rest/calls/users.api", params={**ALL_TIME, "directions": "32,64"}
    ).json()
    company_rows = s.get(f"{phonet.url}/rest/calls/company.api", params=ALL_TIME).json()

    assert [e["lgDirection"] for e in events] == [32, 64]
    assert [r["lgDirection"] for r in users_rows] == [32, 64] and company_rows == []


def test_phonet_play_seconds_unit_keeps_servertime_ms(phonet: PhonetFake, receiver) -> None:
    phonet.play("inbound_answered", receiver.url, time_unit="s", start=1431686100)

    dial, bridge, _ = received(receiver, "/events")
    assert dial["dialAt"] == 1431686100 and bridge["bridgeAt"] == 1431686105
    assert dial["serverTime"] == 1431686100000


def test_phonet_play_split_recording_and_utm_served(phonet: PhonetFake, receiver) -> None:
    result = phonet.play("inbound_answered", receiver.url, uuid="r1", split_recording=True, utm=True)

    utm = received(receiver, "/utm")
    assert [u["callParentUuid"] for u in utm[0]] == ["r1"] and utm[0][0]["trunkSource"] == "380442246500"
    assert [u.rsplit("/", 2)[1] for u in result.recording_urls] == ["r1", "r1-rx", "r1-tx"]
    audio = requests.get(f"{phonet.url}/rest/public/calls/r1-rx/audio", timeout=2)
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert requests.get(f"{phonet.url}/rest/public/calls/zz/audio", timeout=2).status_code == 404


def test_phonet_play_records_hub_errors_without_raising(phonet: PhonetFake, receiver) -> None:
    receiver.fail("status", path="/events", status=503, times=1)
    receiver.fail("drop", path="/events", skip=0, times=1)

    result = phonet.play("inbound_answered", receiver.url)

    assert result.statuses[:3] == [200, 503, None] and result.deliveries[2].error


def test_phonet_play_over_http_control(phonet: PhonetFake, receiver) -> None:
    body = {"scenario": "inbound_missed", "hook_base_url": receiver.url, "uuid": "h1"}

    r = requests.post(f"{phonet.url}/_fake/play", json=body, timeout=5)
    bad = requests.post(
        f"{phonet.url}/_fake/play", json={"scenario": "nope", "hook_base_url": "x"}, timeout=2
    )

    assert r.status_code == 200 and r.json()["uuid"] == "h1" and len(r.json()["deliveries"]) == 3
    assert bad.status_code == 400
    assert phonet.count() == 0  # control calls are not journaled


def test_phonet_make_call_plays_configured_scenario(receiver) -> None:
    with PhonetFake(hook_base_url=receiver.url, on_make_call="outbound_answered") as fake:
        uuid = login(fake).post(
            f"{fake.url}/rest/user/makeCall", json={"legExt": "003", "otherLegNum": "+380441"}
        )
        uuid = uuid.json()["uuid"]
        deadline = time.monotonic() + 5
        while len(receiver.hits("POST", "/events")) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)

    events = received(receiver, "/events")
    assert {e["uuid"] for e in events} == {uuid} and events[0]["leg"]["ext"] == "003"


# ---- faithful to the seed (issue 11 item 10) --------------------------------------------------------
def test_phonet_make_call_numeric_leg_ext_as_in_seed_curl_accepted(phonet: PhonetFake) -> None:
    s = login(phonet)

    r = s.post(f"{phonet.url}/rest/user/makeCall", json={"legExt": 2, "otherLegNum": "+380993000000"})
    padded = s.post(f"{phonet.url}/rest/user/makeCall", json={"legExt": 202, "otherLegNum": "+380993000000"})

    assert r.status_code == 400 and "2" in r.text  # 2 is ext "2", not "002": no such employee
    with PhonetFake(employees=[{"id": 9, "displayName": "Ext 202", "ext": "202", "email": "e@x"}]) as fake:
        made = login(fake).post(
            f"{fake.url}/rest/user/makeCall", json={"legExt": 202, "otherLegNum": "+380993000000"}
        )
        active = list(fake.active.values())
    assert padded.status_code == 400
    assert made.status_code == 200 and made.json()["uuid"] == active[0]["uuid"]
    assert active[0]["leg"]["ext"] == "202"


@pytest.mark.parametrize("ext", [True, None, 1.5, ["001"]])
def test_phonet_make_call_leg_ext_not_an_id_400(phonet: PhonetFake, ext) -> None:
    r = login(phonet).post(f"{phonet.url}/rest/user/makeCall", json={"legExt": ext, "otherLegNum": "+38099"})

    assert r.status_code == 400 and r.headers["Content-Type"].startswith("text/plain")


def test_phonet_users_api_without_directions_only_1_2_4(phonet: PhonetFake, receiver) -> None:
    phonet.play("pause_unpause", receiver.url)
    phonet.add_finished_call(uuid="in", direction=4)
    s = login(phonet)

    default = s.get(f"{phonet.url}/rest/calls/users.api", params=ALL_TIME).json()
    asked = s.get(f"{phonet.url}/rest/calls/users.api", params={**ALL_TIME, "directions": "4,32"}).json()

    assert [r["lgDirection"] for r in default] == [4]
    assert sorted(r["lgDirection"] for r in asked) == [4, 32]


def test_phonet_internal_history_row_other_leg_null(phonet: PhonetFake, receiver) -> None:
    phonet.play("internal", receiver.url, ext="001", ext2="002")

    rows = login(phonet).get(f"{phonet.url}/rest/calls/company.api", params=ALL_TIME).json()

    assert len(rows) == 1
    row = rows[0]
    assert (row["lgDirection"], row["otherLegNum"], row["otherLegName"]) == (1, None, None)
    assert row["trunk"] is None
    assert row["leg2"] == {"id": 37, "type": 1, "displayName": "Анна Петренко", "ext": "002"}
    assert row["transferHistory"] is None  # as the seed's internal example


def test_phonet_history_row_parent_uuid_only_for_group_calls(phonet: PhonetFake, receiver) -> None:
    phonet.play("department_call", receiver.url, parent_uuid="P")
    phonet.play("inbound_answered", receiver.url, uuid="solo")

    page = login(phonet).get(f"{phonet.url}/rest/calls/company.api", params=ALL_TIME).json()
    rows = {r["uuid"]: r for r in page}

    assert "parentUuid" not in rows["solo"]
    assert [r["parentUuid"] for u, r in rows.items() if u != "solo"] == ["P"]


def test_phonet_active_calls_lack_event_only_fields(phonet: PhonetFake, receiver) -> None:
    s = login(phonet)
    s.post(f"{phonet.url}/rest/user/makeCall", json={"legExt": "001", "otherLegNum": "+380993034330"})
    phonet.play("inbound_answered", receiver.url, ext="002")  # leaves nothing active
    phonet._track({**phonet.plays[0].events[0], "uuid": "live"})  # a call still ringing

    active = s.get(f"{phonet.url}/rest/calls/active/v3", timeout=2).json()

    assert len(active) == 2
    for call in active:
        assert not {"event", "accountDomain", "serverTime"} & set(call)
        assert {"uuid", "lastEvent", "dialAt", "lgDirection", "leg", "otherLegs", "trunkNum"} <= set(call)


def test_phonet_missed_api_ignores_directions_like_any_unknown_param(phonet: PhonetFake, receiver) -> None:
    phonet.play("inbound_missed", receiver.url, uuid="m1")

    r = login(phonet).get(f"{phonet.url}/rest/calls/missed.api", params={**ALL_TIME, "directions": "2"})

    assert r.status_code == 200 and [row["uuid"] for row in r.json()] == ["m1"]


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("demo.phonet.com.ua", 200),
        ("DEMO.phonet.com.ua:8443", 200),
        ("other.phonet.com.ua", 401),
        ("my.phonet.com.ua", 401),
    ],
)
def test_phonet_authorize_must_be_sent_to_the_domain_host(phonet: PhonetFake, host: str, status: int) -> None:
    body = {"domain": phonet.domain, "apiKey": phonet.api_key}

    r = requests.post(f"{phonet.url}/rest/security/authorize", json=body, headers={"Host": host}, timeout=2)

    assert r.status_code == status
    assert ("JSESSIONID" in r.cookies) == (status == 200)
    if status != 200:
        assert r.headers["Content-Type"].startswith("text/plain") and r.text


def test_phonet_authorize_other_domain_at_this_host_401(phonet: PhonetFake) -> None:
    body = {"domain": "other.phonet.com.ua", "apiKey": phonet.api_key}

    r = requests.post(f"{phonet.url}/rest/security/authorize", json=body, timeout=2)

    assert r.status_code == 401 and "JSESSIONID" not in r.cookies and "other.phonet.com.ua" in r.text


def test_phonet_authorize_domain_given_as_the_fakes_own_address_ok(phonet: PhonetFake) -> None:
    own = phonet.url.removeprefix("http://")

    r = requests.post(
        f"{phonet.url}/rest/security/authorize", json={"domain": own, "apiKey": phonet.api_key}, timeout=2
    )

    assert r.status_code == 200 and "JSESSIONID" in r.cookies


def test_phonet_play_seed_shape_events_lack_server_time_and_priority(phonet: PhonetFake, receiver) -> None:
    phonet.play("inbound_answered", receiver.url, seed_shape=True, time_unit="s")

    events = received(receiver, "/events")
    assert [e["event"] for e in events] == ["call.dial", "call.bridge", "call.hangup"]
    assert all(set(e) == A2_FIELDS - {"serverTime"} for e in events)
    assert all("priority" not in o for e in events for o in e["otherLegs"])
    assert events[0]["dialAt"] < 10**11 and len(phonet.finished) == 1


def test_phonet_authorize_own_address_is_the_domain_other_port_is_not(phonet: PhonetFake) -> None:
    body = {"domain": phonet.domain, "apiKey": phonet.api_key}
    url = f"{phonet.url}/rest/security/authorize"

    local = requests.post(url, json=body, headers={"Host": f"localhost:{phonet.port}"}, timeout=2)
    other_port = requests.post(url, json=body, headers={"Host": f"127.0.0.1:{phonet.port + 1}"}, timeout=2)

    assert local.status_code == 200 and other_port.status_code == 401
