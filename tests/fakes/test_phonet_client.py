"""PhonetClient against PhonetFake over real loopback HTTP: the session, retries, paging and the row
shapes public integrations met (spec/phonet.md §B)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from hub.errors import BadRequest, VendorAuthExpired, VendorRejected, VendorUnavailable
from hub.vendors.http import HttpPolicy
from hub.vendors.phonet.client import MemorySessionCache, PhonetClient
from hub.vendors.phonet.rest import PbxUserStatus
from hubtools.fakes import PhonetFake

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=2.0, retries=2, backoff_factor=0)
ALL_TIME = (0, 10**13)
AUTHORIZE = "/rest/security/authorize"
COMPANY = "/rest/calls/company.api"


def client_for(fake: PhonetFake, **kwargs: Any) -> PhonetClient:
    kwargs.setdefault("policy", FAST)
    return PhonetClient(fake.domain, kwargs.pop("api_key", fake.api_key), base_url=fake.url, **kwargs)


def pages(client: PhonetClient) -> list[int]:
    return [len(page) for page in client.company_calls(*ALL_TIME)]


def seed_calls(fake: PhonetFake, n: int) -> None:
    for i in range(n):
        fake.add_finished_call(end_at=1_700_000_000_000 + i * 1000)


# ---- session -------------------------------------------------------------------------------------
def test_phonet_client_session_authorized_once_and_sent_as_cookie(phonet: PhonetFake) -> None:
    client = client_for(phonet)

    client.users()
    client.user_status()

    assert phonet.count("POST", AUTHORIZE) == 1
    cookies = [h.headers.get("Cookie", "") for h in phonet.hits("GET")]
    assert len(cookies) == 2 and all(c.startswith("JSESSIONID=") and ";" not in c for c in cookies)
    assert phonet.hits("POST", AUTHORIZE)[0].body == {"domain": phonet.domain, "apiKey": phonet.api_key}


def test_phonet_client_session_cache_shared_by_clients_of_one_account(phonet: PhonetFake) -> None:
    cache = MemorySessionCache()

    client_for(phonet, session_cache=cache).users()
    client_for(phonet, session_cache=cache).users()

    assert phonet.count("POST", AUTHORIZE) == 1


def test_phonet_client_session_cache_not_reused_after_key_change(phonet: PhonetFake) -> None:
    cache = MemorySessionCache()
    client_for(phonet, session_cache=cache).users()

    with pytest.raises(VendorRejected) as refused:
        client_for(phonet, session_cache=cache, api_key="rotated-key").users()

    assert refused.value.code == "vendor_auth_refused" and phonet.count("POST", AUTHORIZE) == 2


def test_phonet_client_session_cache_expiry_authorizes_again(phonet: PhonetFake) -> None:
    now = [1000.0]
    cache = MemorySessionCache(clock=lambda: now[0])
    client_for(phonet, session_cache=cache, session_ttl=60).users()
    now[0] += 61

    client_for(phonet, session_cache=cache).users()

    assert phonet.count("POST", AUTHORIZE) == 2


def test_phonet_client_wrong_key_refused_not_retryable(phonet: PhonetFake) -> None:
    with pytest.raises(VendorRejected) as refused:
        client_for(phonet, api_key="nope").users()

    assert refused.value.code == "vendor_auth_refused" and not refused.value.retryable
    assert "nope" not in refused.value.message and phonet.count("GET") == 0


def test_phonet_client_authorize_200_without_cookie_is_failed_authorization(phonet: PhonetFake) -> None:
    phonet.fail("status", path=AUTHORIZE, status=200, body="")

    with pytest.raises(VendorAuthExpired, match="without a JSESSIONID"):
        client_for(phonet).users()

    assert phonet.count("GET") == 0


def test_phonet_client_authorize_reads_jsessionid_among_several_set_cookie_lines(phonet: PhonetFake) -> None:
    cookies = [
        ("Set-Cookie", "AWSALB=a.b-c; Expires=Tue, 08 Dec 2026 10:00:00 GMT; Path=/"),
        ("Set-Cookie", "lang=uk; Path=/"),
        ("Set-Cookie", "JSESSIONID=4F2A-91.node-7; Path=/; Secure; HttpOnly"),
    ]
    phonet.fail("status", path=AUTHORIZE, status=200, headers=cookies)
    client = client_for(phonet)

    assert client.authorize() == "4F2A-91.node-7"
    client.users()  # the fake never issued that id: 403, authorize again, 200
    sent = [h.headers.get("Cookie") for h in phonet.hits("GET", "/rest/users")]
    assert sent[0] == "JSESSIONID=4F2A-91.node-7" and sent[1] != sent[0]
    assert all("AWSALB" not in c and "lang" not in c for c in sent)  # only the session cookie goes back


def test_phonet_client_session_expired_mid_paging_reauthorizes_once(phonet: PhonetFake) -> None:
    seed_calls(phonet, 60)
    client = client_for(phonet)
    phonet.fail("expire_session", method="GET", path=COMPANY, skip=1)

    assert pages(client) == [50, 10]
    assert phonet.count("POST", AUTHORIZE) == 2
    assert [h.status for h in phonet.hits("GET", COMPANY)] == [200, 403, 200]
    assert [h.query["offset"] for h in phonet.hits("GET", COMPANY)] == ["0", "50", "50"]


@pytest.mark.parametrize("status", [401, 302])
def test_phonet_client_expiry_as_401_or_login_redirect_reauthorizes(status: int) -> None:
    with PhonetFake(expired_status=status) as fake:
        client = client_for(fake)
        client.users()
        fake.expire_sessions()

        assert [u.ext for u in client.users().rows] == ["001", "002", "003"]
        assert fake.count("POST", AUTHORIZE) == 2 and fake.count("GET", "/login.jsp") == 0


def test_phonet_client_refused_twice_vendor_auth_expired(phonet: PhonetFake) -> None:
    phonet.fail("status", method="GET", path="/rest/users", status=403, times=2, body="Forbidden")

    with pytest.raises(VendorAuthExpired) as expired:
        client_for(phonet).users()

    assert expired.value.retryable and expired.value.details["status"] == 403
    assert phonet.count("POST", AUTHORIZE) == 2 and phonet.count("GET", "/rest/users") == 2


# ---- retries and timeouts ------------------------------------------------------------------------
def test_phonet_client_get_5xx_then_success_retried(phonet: PhonetFake) -> None:
    phonet.fail("status", method="GET", path="/rest/users", status=503, body="busy")

    assert len(client_for(phonet).users().rows) == 3
    assert [h.status for h in phonet.hits("GET", "/rest/users")] == [503, 200]


def test_phonet_client_get_5xx_every_time_vendor_unavailable_after_retries(phonet: PhonetFake) -> None:
    phonet.fail("status", method="GET", path="/rest/users", status=502, times=5, body="bad gateway")

    with pytest.raises(VendorUnavailable) as busy:
        client_for(phonet).users()

    assert busy.value.retryable and busy.value.details["status"] == 502
    assert phonet.count("GET", "/rest/users") == 1 + FAST.retries


def test_phonet_client_make_call_5xx_not_retried(phonet: PhonetFake) -> None:
    phonet.fail("status", method="POST", path="/rest/user/makeCall", status=500, body="oops")

    with pytest.raises(VendorUnavailable) as busy:
        client_for(phonet).make_call("001", "+380993034330")

    assert busy.value.details["maybe_done"] is True
    assert phonet.count("POST", "/rest/user/makeCall") == 1


def test_phonet_client_make_call_read_timeout_not_resent(phonet: PhonetFake) -> None:
    client = client_for(phonet, policy=HttpPolicy(read_timeout=0.3, backoff_factor=0))
    client.users()  # authorized before the slow request
    phonet.fail("slow", method="POST", path="/rest/user/makeCall", delay=0.8)

    with pytest.raises(VendorUnavailable) as lost:
        client.make_call("001", "+380993034330")

    assert lost.value.details["maybe_done"] is True and "timed out" in lost.value.message
    deadline = time.monotonic() + 3
    while not phonet.active and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(phonet.active) == 1  # the PBX placed the call the client never heard about
    assert phonet.count("POST", "/rest/user/makeCall") == 1


def test_phonet_client_get_read_timeout_retried(phonet: PhonetFake) -> None:
    client = client_for(phonet, policy=HttpPolicy(read_timeout=0.3, backoff_factor=0))
    phonet.fail("slow", method="GET", path="/rest/users", delay=0.8)

    assert len(client.users().rows) == 3
    assert phonet.count("GET", "/rest/users") == 2


def test_phonet_client_unreachable_vendor_unavailable_never_sent(phonet: PhonetFake) -> None:
    client = client_for(phonet)
    phonet.stop()

    with pytest.raises(VendorUnavailable) as down:
        client.make_call("001", "+380993034330")

    assert down.value.details["maybe_done"] is False and "127.0.0.1" not in down.value.message


class RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.sent.append({"method": method, **kwargs})
        return super().request(method, url, **kwargs)


def test_phonet_client_every_request_has_explicit_timeout_and_no_redirects(phonet: PhonetFake) -> None:
    session = RecordingSession()
    policy = HttpPolicy(connect_timeout=1.5, read_timeout=4.0)
    client = client_for(phonet, session=session, policy=policy)

    uuid = client.make_call("001", "+380993034330")
    client.active_calls()
    client.hangup(uuid)
    list(client.company_calls(*ALL_TIME))

    assert [s["method"] for s in session.sent] == ["POST", "POST", "GET", "GET", "GET"]
    assert all(s["timeout"] == (1.5, 4.0) and s["allow_redirects"] is False for s in session.sent)
    retry = session.get_adapter(phonet.url).max_retries
    assert retry.allowed_methods == frozenset({"GET"}) and 503 in retry.status_forcelist


# ---- calls ---------------------------------------------------------------------------------------
def test_phonet_client_make_call_sends_ext_as_string_then_hangup(phonet: PhonetFake) -> None:
    client = client_for(phonet)

    uuid = client.make_call("001", "+380993034330")
    active = client.active_calls().rows
    client.hangup(uuid)

    assert phonet.hits("POST", "/rest/user/makeCall")[0].body == {
        "legExt": "001",
        "otherLegNum": "+380993034330",
    }
    assert [(c.uuid, c.leg.ext if c.leg else None) for c in active] == [(uuid, "001")]
    assert phonet.hits("GET", f"/rest/calls/active/{uuid}/hangup")[0].status == 200
    assert uuid not in phonet.active


def test_phonet_client_make_call_unknown_ext_rejected(phonet: PhonetFake) -> None:
    with pytest.raises(VendorRejected, match="Unknown legExt") as refused:
        client_for(phonet).make_call("999", "+380993034330")

    assert refused.value.details["status"] == 400 and not refused.value.retryable


def test_phonet_client_hangup_unknown_call_rejected_and_bad_uuid_not_sent(phonet: PhonetFake) -> None:
    client = client_for(phonet)

    with pytest.raises(VendorRejected):
        client.hangup("0123456789abcdef")
    with pytest.raises(BadRequest):
        client.hangup("../users")

    assert phonet.count("GET", "/rest/calls/active/.*") == 1


def test_phonet_client_active_calls_read_seed_shapes(phonet: PhonetFake) -> None:
    seed_rows = [
        {
            "uuid": "47a968893984475b8c20e29dec144ce3",
            "parentUuid": None,
            "lastEvent": "call.dial",
            "dialAt": 1431686100,  # seconds, as in the seed's example
            "bridgeAt": None,
            "lgDirection": 2,
            "leg": {"id": 36, "ext": "001", "displayName": "Иван Иванов"},
            "leg2": None,
            "otherLegs": [
                {"id": "6137", "name": "Telecom company", "num": "+380442249895", "companyName": None}
            ],
            "trunkNum": "+380442246595",
            "trunkName": "+380442246595",
        },
        {
            "uuid": "68333cd7aa94421e89dbc8acfe5027bb",
            "dialAt": 1431686001000,
            "bridgeAt": 1431686019000,
            "lgDirection": 1,
            "lastEvent": "call.bridge",
            "leg": {"id": 36, "ext": "001", "displayName": "Иван Иванов"},
            "leg2": {"id": 27, "ext": "002", "displayName": "Петр Петров"},
            "otherLegs": None,  # internal call
        },
    ]
    with phonet._lock:
        phonet.active.update({r["uuid"]: r for r in seed_rows})

    active = client_for(phonet).active_calls()

    outbound, internal = active.rows
    assert outbound.dial_at == 1431686100000 and outbound.leg and outbound.leg.id == "36"
    assert outbound.other_legs[0].id == "6137" and internal.other_legs == []
    assert internal.bridge_at == 1431686019000 and internal.leg2 and internal.leg2.ext == "002"


# ---- history -------------------------------------------------------------------------------------
def test_phonet_client_history_page_of_exactly_50_then_empty_page(phonet: PhonetFake) -> None:
    seed_calls(phonet, 50)

    read = list(client_for(phonet).company_calls(*ALL_TIME))

    assert [(p.offset, len(p)) for p in read] == [(0, 50), (50, 0)]
    queries = [h.query for h in phonet.hits("GET", COMPANY)]
    assert all(q["limit"] == "50" and "directions" not in q for q in queries)
    assert len({r.uuid for p in read for r in p.rows}) == 50


def test_phonet_client_history_empty_window_one_empty_page(phonet: PhonetFake) -> None:
    assert pages(client_for(phonet)) == [0]


def test_phonet_client_history_non_json_200_is_an_error_not_the_end(phonet: PhonetFake) -> None:
    seed_calls(phonet, 60)
    html = "<html><body>Service temporarily unavailable</body></html>"
    phonet.fail("status", path=COMPANY, skip=1, status=200, body=html, content_type="text/html")
    read = client_for(phonet).company_calls(*ALL_TIME)

    assert len(next(read)) == 50
    with pytest.raises(VendorUnavailable, match="without JSON"):
        next(read)


def test_phonet_client_history_rows_with_public_clients_quirks(phonet: PhonetFake) -> None:
    t = 1_700_000_000_000
    phonet.add_finished_call(uuid="a", end_at=t)  # no parentUuid key at all
    phonet.add_finished_call(
        uuid="b", end_at=t + 1, audioRecUrl="https://pbx.example/rest/public/calls/b/audio "
    )
    phonet.add_finished_call(uuid="c", end_at=t + 2, leg=None, audioRecUrl=None)
    ivr = {"id": 4, "type": 4, "displayName": "Меню", "ext": None}
    phonet.add_finished_call(uuid="d", end_at=t + 3, leg=ivr, parentUuid=12345)
    phonet.add_finished_call(uuid="e", end_at=t + 4, disposition="answered?")  # does not read

    (page,) = client_for(phonet).company_calls(*ALL_TIME)

    rows = {r.uuid: r for r in page.rows}
    assert rows["a"].parent_uuid is None and rows["a"].leg and rows["a"].leg.id == "36"
    assert rows["b"].audio_rec_url == "https://pbx.example/rest/public/calls/b/audio"
    assert rows["c"].leg is None and rows["c"].audio_rec_url is None
    assert rows["d"].leg and rows["d"].leg.ext is None and rows["d"].parent_uuid == "12345"
    assert [(i.index, i.raw["uuid"]) for i in page.invalid] == [(4, "e")] and "disposition" in page.invalid[
        0
    ].reason


def test_phonet_client_missed_and_employee_calls_paged_the_same_way(phonet: PhonetFake) -> None:
    t = 1_700_000_000_000
    phonet.add_finished_call(uuid="missed", end_at=t, bill_secs=0)
    phonet.add_finished_call(uuid="talked", end_at=t - 10, bill_secs=20)
    client = client_for(phonet)

    missed = [r.uuid for p in client.missed_calls(*ALL_TIME) for r in p.rows]
    legs = [r.uuid for p in client.employee_calls(*ALL_TIME) for r in p.rows]

    assert missed == ["missed"] and legs == ["talked", "missed"]
    assert phonet.hits("GET", "/rest/calls/users.api")[0].query == {
        "timeFrom": "0",
        "timeTo": str(10**13),
        "limit": "50",
        "offset": "0",
    }


def test_phonet_client_history_bad_window_refused_before_sending(phonet: PhonetFake) -> None:
    with pytest.raises(BadRequest):
        next(client_for(phonet).company_calls(10, 5))

    assert phonet.count() == 0


# ---- users ---------------------------------------------------------------------------------------
def test_phonet_client_users_and_status(phonet: PhonetFake) -> None:
    phonet.user_status = 2
    client = client_for(phonet)

    users = client.users().rows

    assert [(u.id, u.ext, u.email) for u in users][0] == ("36", "001", "ivan@example.com")
    assert client.user_status() is PbxUserStatus.NOT_MONITORED
