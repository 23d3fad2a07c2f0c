"""Click-to-call over real HTTP: the REST API and the card's Call button reach the Phonet fake as the
employee's extension, with the credentials `make run` seeds; live calls listed and hung up."""

from __future__ import annotations

import re
from typing import Any

import requests

from hubtools.fakes import PhonetFake
from hubtools.local.demo import DEMO_EMPLOYEES, seed_credentials, seed_demo
from hubtools.local.runner import LocalHub

IVAN_IVANOV = "+380442246595"  # the demo contact's number


def demo_pbx() -> PhonetFake:
    staff = [{"id": 30 + i, "displayName": e["name"], "ext": e["ext"]} for i, e in enumerate(DEMO_EMPLOYEES)]
    return PhonetFake(employees=staff)


def api(hub: LocalHub, demo: dict[str, Any]) -> requests.Session:
    session = requests.Session()
    session.headers["X-API-Key"] = demo["tenant"]["api_key"]
    return session


def employee_and_contact(hub: LocalHub, session: requests.Session, ext: str) -> tuple[str, str]:
    employees = session.get(f"{hub.api_url}/api/v1/employees", timeout=30).json()["items"]
    employee = next(e["id"] for e in employees if e["ext"] == ext)
    found = session.get(f"{hub.api_url}/api/v1/contacts", params={"phone": IVAN_IVANOV}, timeout=30).json()
    return employee, found["items"][0]["id"]


def test_click_to_call_rest_places_lists_and_hangs_up_as_the_employees_extension(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="dialing")
    session = api(hub, demo)
    with demo_pbx() as pbx:
        seed_credentials(hub.aws, hub.template, "dialing", {"phonet": pbx})
        employee_id, contact_id = employee_and_contact(hub, session, "001")
        body = {"employee_id": employee_id, "contact_id": contact_id}
        placed = session.post(
            f"{hub.api_url}/api/v1/calls", json=body, headers={"Idempotency-Key": "e2e-call-1"}, timeout=30
        )
        assert placed.status_code == 201, placed.text
        uuid = placed.json()["uuid"]
        (make_call,) = [hit for hit in pbx.hits("POST", "/rest/user/makeCall") if hit.status == 200]
        assert make_call.body == {"legExt": "001", "otherLegNum": IVAN_IVANOV}
        # a retry with the same key answers the same call and dials nobody again
        again = session.post(
            f"{hub.api_url}/api/v1/calls", json=body, headers={"Idempotency-Key": "e2e-call-1"}, timeout=30
        )
        assert (again.status_code, again.json()["uuid"]) == (201, uuid)
        assert len([hit for hit in pbx.hits("POST", "/rest/user/makeCall") if hit.status == 200]) == 1

        active = session.get(f"{hub.api_url}/api/v1/calls/active", timeout=30)
        assert active.status_code == 200, active.text
        (live,) = active.json()["items"]
        assert (live["uuid"], live["employee_ext"], live["employee_id"]) == (uuid, "001", employee_id)
        assert (live["direction"], live["state"], live["other_number"]) == (
            "outbound",
            "ringing",
            IVAN_IVANOV,
        )

        hung_up = session.delete(f"{hub.api_url}/api/v1/calls/active/{uuid}", timeout=30)
        assert hung_up.status_code == 204, hung_up.text
        assert pbx.count("GET", f"/rest/calls/active/{uuid}/hangup") == 1
        assert session.get(f"{hub.api_url}/api/v1/calls/active", timeout=30).json()["items"] == []
        gone = session.delete(f"{hub.api_url}/api/v1/calls/active/{uuid}", timeout=30)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "call_not_active")
        # one sign-in to this PBX served every request: the session was kept (the tenants table
        # shares it between the runner's worker processes)
        assert len([hit for hit in pbx.hits("POST", "/rest/security/authorize") if hit.status == 200]) == 1


def test_click_to_call_without_credentials_or_key_is_refused_before_the_pbx(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="nodial")
    session = api(hub, demo)
    employee_id, contact_id = employee_and_contact(hub, session, "001")
    body = {"employee_id": employee_id, "contact_id": contact_id}
    unkeyed = session.post(f"{hub.api_url}/api/v1/calls", json=body, timeout=30)
    assert (unkeyed.status_code, unkeyed.json()["error"]["code"]) == (400, "idempotency_key_required")
    missing = session.post(
        f"{hub.api_url}/api/v1/calls", json=body, headers={"Idempotency-Key": "e2e-nodial"}, timeout=30
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (409, "credentials_missing")


class Browser:
    """A cookie jar that sends the pages' Secure cookies over the runner's plain http, as a browser
    does for localhost."""

    def __init__(self, base: str) -> None:
        self.base, self.cookies = base, {}

    def send(self, method: str, path: str, **form: str) -> requests.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = requests.request(
            method,
            f"{self.base}{path}",
            data=form or None,
            headers={"Cookie": cookie},
            allow_redirects=False,
            timeout=30,
        )
        self.cookies.update(answer.cookies.get_dict())
        return answer

    def post(self, path: str, **form: str) -> requests.Response:
        return self.send("POST", path, csrf=self.cookies.get("hub_csrf", ""), **form)


def test_click_to_call_card_button_dials_as_the_signed_in_employee(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="cardcall")
    olena = next(e for e in demo["employees"] if e["login"] == "olena")
    _, contact_id = employee_and_contact(hub, api(hub, demo), "002")
    browser = Browser(f"{hub.api_url}/app/cardcall")
    with demo_pbx() as pbx:
        seed_credentials(hub.aws, hub.template, "cardcall", {"phonet": pbx})
        browser.send("GET", "/login")
        signed_in = browser.post("/login", login="olena", password=olena["password"], next="")
        assert signed_in.status_code == 303, signed_in.text
        card = browser.send("GET", f"/contacts/{contact_id}").text
        assert re.search(r'action="/app/cardcall/contacts/[^"]+/call"', card), card
        called = browser.post(f"/contacts/{contact_id}/call", phone=IVAN_IVANOV)
        assert called.status_code == 303 and called.headers["Location"].endswith("?notice=call_placed")
        # the session the other tests' PBX opened (same domain and key) is refused here: authorized
        # again, the refused makeCall is sent once more and goes through
        (make_call,) = [hit for hit in pbx.hits("POST", "/rest/user/makeCall") if hit.status == 200]
        assert make_call.body == {"legExt": "002", "otherLegNum": IVAN_IVANOV}
        notice = browser.send("GET", called.headers["Location"].removeprefix("/app/cardcall")).text
        assert 'data-notice="call_placed"' in notice


def test_click_to_call_outcome_unknown_is_the_keys_answer_so_a_retry_dials_nobody(hub: LocalHub) -> None:
    """The PBX answers after the hub stopped waiting (it placed the call): the 502 call_outcome_unknown
    is kept as the key's answer, so a client retrying with the same key cannot ring the customer
    twice (the old code ran the request again and dialed again)."""
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="dialunknown")
    session = api(hub, demo)
    with demo_pbx() as pbx:
        seed_credentials(hub.aws, hub.template, "dialunknown", {"phonet": pbx})
        employee_id, contact_id = employee_and_contact(hub, session, "001")
        pbx.fail("slow", method="POST", path="/rest/user/makeCall", delay=6.5)  # the hub waits 5 s
        body, headers = {"employee_id": employee_id, "contact_id": contact_id}, {"Idempotency-Key": "e2e-u"}
        url = f"{hub.api_url}/api/v1/calls"
        first = session.post(url, json=body, headers=headers, timeout=30)
        assert (first.status_code, first.json()["error"]["code"]) == (502, "call_outcome_unknown"), first.text
        again = session.post(url, json=body, headers=headers, timeout=30)
        assert (again.status_code, again.json()) == (502, first.json())
        assert len(pbx.hits("POST", "/rest/user/makeCall")) == 1
