"""Security over real HTTP through the local runner (issue 17).

Another tenant's ids on every route that takes one, a forged X-Forwarded-For on Phonet's
address-checked webhooks, markup in every text field a client can set (escaped in TelefUM's XML and
in the pages), a revoked API key, an ended page session or a deactivated employee refused on the very
next request, and no secret used during the run in any worker's log. In-process, tests/integration
(test_auth.py, test_app_pages.py, test_numbers_and_links.py) checks the handlers one by one.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree as ET

import pytest
import requests

from hubtools.fakes import PhonetFake
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub
from tests.resilience.conftest import Ledger
from tests.resilience.surface import (
    TIMEOUT,
    Browser,
    PublicRoute,
    SeededTenant,
    demo_pbx,
    local_hub,
    path_for,
    public_routes,
    rest,
    seed_tenant,
    signed_in,
    snapshot,
)
from tests.support import load_event

ROUTES = public_routes()
# Path parameters naming no object of a tenant's (its slug and tokens are the route's own business).
NOT_IDS = {"tenant", "token", "vendor", "source"}
ID_ROUTES = [route for route in ROUTES if set(route.parameters) - NOT_IDS]
PHONET_SENDER = "89.184.65.208"  # one of Phonet's own addresses (hub.models.tenant.PHONET_SOURCE_IPS)
# What a client may claim about its address: API Gateway passes every one of them on as a header.
FORGED = [
    {"X-Forwarded-For": PHONET_SENDER},
    {"X-Forwarded-For": f"{PHONET_SENDER}, 127.0.0.1"},
    {"X-Real-IP": PHONET_SENDER},
    {"Forwarded": f"for={PHONET_SENDER}"},
    {"True-Client-IP": PHONET_SENDER},
    {"CF-Connecting-IP": PHONET_SENDER},
]
# Markup that would be live if any page or XML answer printed it unescaped; `]]>` ends a CDATA.
INJECTED = "<hub-x id=\"x\" onclick='alert(1)'>&amp;\"'</hub-x><script>alert(1)</script>]]>"
LIVE_TAGS = {"hub-x"}


class Tags(HTMLParser):
    """The start tags of a page, and what its scripts hold."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def live_markup(page: str) -> list[str]:
    """What of INJECTED a browser would run or render as markup in this page."""
    parser = Tags()
    parser.feed(page)
    found = [tag for tag in parser.tags if tag in LIVE_TAGS]
    found += [script for script in parser.scripts if "alert(1)" in script]
    return found


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("security-logs")


@pytest.fixture(scope="module")
def gateway_log(log_dir: Path) -> Iterator[Path]:
    """The runner's own log lines (its gateway's, in this process) beside the workers' files."""
    path = log_dir / "gateway.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    # werkzeug's access log (the local server's, raw URLs) is left out: API Gateway's access log is
    # not enabled by template.yaml, so no deployed log holds a request's URL.
    watched = [logging.getLogger("hubtools.local")]
    for logger in watched:
        logger.addHandler(handler)
    yield path
    for logger in watched:
        logger.removeHandler(handler)
    handler.close()


@pytest.fixture(scope="module")
def hub(log_dir: Path, gateway_log: Path) -> Iterator[LocalHub]:
    with local_hub(log_dir) as running:
        yield running


@pytest.fixture(scope="module")
def pbx() -> Iterator[PhonetFake]:
    with demo_pbx() as fake:
        yield fake


@pytest.fixture(scope="module")
def own(hub: LocalHub, pbx: PhonetFake) -> SeededTenant:
    return seed_tenant(hub, "own", pbx)


@pytest.fixture(scope="module")
def other(hub: LocalHub, pbx: PhonetFake) -> SeededTenant:
    return seed_tenant(hub, "other", pbx)


def items_of(hub: LocalHub, tenant: SeededTenant) -> dict[str, set[str]]:
    """Every item of the tenant's, table by table (its slug is in each of its keys)."""
    return {
        table: {item for item in items if f'"{tenant.slug}#' in item or f'#{tenant.slug}"' in item}
        for table, items in snapshot(hub).items()
    }


# -- another tenant's ids -------------------------------------------------------------------------

# A request each write would take if the ids were the caller's own: a refusal is then the ids' doing.
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/api/v1/contacts/{contact_id}"): {"name": "Hijacked"},
    ("PATCH", "/api/v1/employees/{employee_id}"): {"name": "Hijacked"},
    ("PUT", "/api/v1/do-not-call/{phone}"): {"reason": "Hijacked"},
    ("PUT", "/api/v1/dial-batches/{batch_id}/pages/{page}"): {"records": [{"phone": "+380501119999"}]},
    ("POST", "/api/v1/callbacks/{phone}/close"): {},
    ("PUT", "/api/v1/callbacks/{phone}/assignee"): {"employee_id": None, "version": 0},
}
# What another tenant's number does in the caller's tenant: it is not listed there (GET), is added
# to or taken off the caller's own list (PUT, DELETE), has no callback there (POST close, PUT assignee).
OWN_NUMBER = {"GET": 404, "PUT": 201, "DELETE": 204, "POST": 404}
NO_CALLBACK = {("PUT", "/api/v1/callbacks/{phone}/assignee"): 404}
PAGE_FORMS: dict[str, dict[str, str]] = {
    "/app/{tenant}/contacts/{contact_id}/call": {"phone": "+380501119999"},
    "/app/{tenant}/contacts/{contact_id}/do-not-call": {"listed": "1", "reason": "Hijacked"},
    "/app/{tenant}/contacts/{contact_id}/notes": {"text": "Hijacked"},
}


def test_security_every_route_taking_an_id_has_a_case() -> None:
    """A route added with an id in its path is refused here until the cases below know its body."""
    writes = {(r.method, r.path) for r in ID_ROUTES if r.writes and r.format == "json"}
    bodiless = {
        (method.upper(), path)
        for path, operations in json.loads(
            (Path(__file__).parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8")
        )["paths"].items()
        for method, operation in operations.items()
        if "requestBody" not in operation
    }
    assert writes - bodiless - set(BODIES) == set()
    assert len(ID_ROUTES) >= 30


def _request(
    hub: LocalHub, route: PublicRoute, caller: SeededTenant, browser: Browser, path: str
) -> requests.Response:
    url = f"{hub.api_url}{path}"
    if route.function == "AppPagesFunction":
        form = (
            {"csrf": browser.cookies["hub_csrf"], **PAGE_FORMS.get(route.path, {})} if route.writes else None
        )
        return browser.send(route.method, path, data=form)
    headers = {"X-API-Key": caller.api_key, "Idempotency-Key": f"other-{route.method}-{path}"[:255]}
    body = BODIES.get((route.method, route.path))
    return requests.request(
        route.method, url, json=body, headers=headers, allow_redirects=False, timeout=TIMEOUT
    )


@pytest.mark.parametrize("route", [pytest.param(r, id=str(r)) for r in ID_ROUTES])
def test_security_another_tenants_id_is_404_and_shows_or_changes_nothing(
    hub: LocalHub, own: SeededTenant, other: SeededTenant, ledger: Ledger, route: PublicRoute
) -> None:
    # given: own's credentials, other's ids
    browser = signed_in(hub, own)
    before = items_of(hub, other)
    path = path_for(route, own, **{name: quote(value, safe="") for name, value in other.ids.items()})
    # when
    answer = _request(hub, route, own, browser, path)
    ledger.tried()
    # then: not found, in the route's format, nothing of theirs shown or changed
    if "{phone}" in route.path:  # a number is no tenant's id: the caller's own list is read or written
        wanted = NO_CALLBACK.get((route.method, route.path), OWN_NUMBER[route.method])
        assert answer.status_code == wanted, answer.text[:500]
    else:
        assert answer.status_code == 404, answer.text[:500]
    error = answer.json().get("error") if route.format == "json" and answer.status_code >= 400 else None
    if isinstance(error, dict):
        code = error["code"]
        assert code in ("not_found", "not_listed") or code.endswith(("_not_found", "_not_active")), code
    elif route.format == "html":
        assert answer.headers["content-type"].startswith("text/html")
    assert other.marker not in answer.text
    assert items_of(hub, other) == before


@pytest.mark.parametrize(
    "route", [pytest.param(r, id=str(r)) for r in ROUTES if r.format == "html" and "{tenant}" in r.path]
)
def test_security_own_session_on_another_tenants_pages_is_sent_to_its_sign_in(
    hub: LocalHub, own: SeededTenant, other: SeededTenant, ledger: Ledger, route: PublicRoute
) -> None:
    """A session is signed with its tenant's key: on another tenant's pages there is none, so every
    page but sign-in itself sends to that tenant's sign-in, and no form is taken."""
    browser = signed_in(hub, own)
    before = items_of(hub, other)
    path = path_for(route, other)
    answer = _request(hub, route, own, browser, path)
    ledger.tried()
    if route.path.endswith("/login"):  # the sign-in page itself: shown (GET), or a wrong sign-in
        assert answer.status_code == (200 if route.method == "GET" else 401), answer.text[:300]
    elif route.path.endswith("/language"):  # needs no session (the sign-in page offers it): it only
        # sets this browser's language, and a choice that is no language is refused
        assert answer.status_code in (403, 404), answer.text[:300]
    elif route.path in ("/app/{tenant}", "/app/{tenant}/"):
        assert (answer.status_code, answer.headers["location"]) == (303, f"/app/{other.slug}/callbacks")
    else:
        assert answer.status_code == 303, answer.text[:300]
        assert answer.headers["location"].startswith(f"/app/{other.slug}/login")
    assert other.marker not in answer.text
    assert items_of(hub, other) == before


def test_security_telefum_with_another_tenants_login_is_refused_and_its_card_shows_nothing(
    hub: LocalHub, own: SeededTenant, other: SeededTenant, ledger: Ledger
) -> None:
    person = own.employees[0]
    for password in (person["password"], own.api_key):
        answer = requests.get(
            f"{hub.api_url}/telefum/{other.slug}/rest",
            params={
                "typereq": "find",
                "phone": other.ids["phone"],
                "login": person["login"],
                "password": password,
            },
            timeout=TIMEOUT,
        )
        ledger.tried()
        assert answer.status_code == 200
        root = ET.fromstring(answer.content)
        assert root.findtext("result") == "error" and root.find("item") is None, answer.text
        assert other.marker not in answer.text
    card = requests.get(
        f"{hub.api_url}/telefum/{other.slug}/card",
        params={"id": other.ids["contact_id"]},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    ledger.tried()
    assert card.status_code == 302 and card.headers["location"].startswith(f"/app/{other.slug}/")
    followed = signed_in(hub, own).send("GET", card.headers["location"])
    assert followed.status_code == 303 and followed.headers["location"].startswith(f"/app/{other.slug}/login")


def test_security_webhook_events_naming_another_tenants_call_leave_it_alone(
    hub: LocalHub, own: SeededTenant, other: SeededTenant, ledger: Ledger
) -> None:
    """Ids inside a webhook's body are read in the token's tenant: another tenant's call uuid
    makes (at most) a call of the sender's own."""
    before = items_of(hub, other)
    hangup = json.loads(load_event("phonet_events/call_hangup.json")["body"])
    hangup["uuid"] = other.ids["uuid"]
    sent = requests.post(
        f"{hub.api_url}/hooks/phonet/{own.phonet_token}/events", json=hangup, timeout=TIMEOUT
    )
    result = {"phone": other.ids["phone"], "duration": "5", "UUID": other.ids["uuid"], "code": "ANSWERED"}
    robot = requests.post(
        f"{hub.api_url}/hooks/avtodialer/{own.avtodialer_token}/result",
        json={**result, "query_id": other.ids["batch_id"]},
        timeout=TIMEOUT,
    )
    ledger.tried(2)
    assert (sent.status_code, robot.status_code) == (200, 200), (sent.text, robot.text)
    assert items_of(hub, other) == before
    theirs = rest(hub, other).get(f"{hub.api_url}/api/v1/calls/{other.ids['uuid']}")
    assert theirs.status_code == 200 and theirs.json()["status"] == "missed"


# -- forged sender addresses -----------------------------------------------------------------------

PHONET_ROUTES = [route for route in ROUTES if route.path.startswith("/hooks/phonet/")]
PHONET_BODIES = {
    "lookup": json.loads(load_event("phonet_lookup/known_contact.json")["body"]),
    "events": json.loads(load_event("phonet_events/call_dial.json")["body"]),
    "utm": json.loads(load_event("phonet_utm/spec_example.json")["body"]),
}


@pytest.fixture(scope="module")
def fenced(hub: LocalHub) -> dict[str, Any]:
    """A tenant taking Phonet's webhooks from Phonet's addresses only (loopback is not one)."""
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="fenced")
    changed = requests.patch(
        f"{hub.api_url}/api/v1/settings",
        json={
            "settings": {"phonet_ip_allowlist_enabled": True, "phonet_ip_allowlist": [f"{PHONET_SENDER}/32"]}
        },
        headers={"X-API-Key": demo["tenant"]["api_key"]},
        timeout=TIMEOUT,
    )
    assert changed.status_code == 200, changed.text
    return demo["tenant"]


def test_security_phonet_webhooks_every_route_has_a_body() -> None:
    assert {route.path.rsplit("/", 1)[-1] for route in PHONET_ROUTES} == set(PHONET_BODIES)


@pytest.mark.parametrize("route", [pytest.param(r, id=str(r)) for r in PHONET_ROUTES])
def test_security_phonet_webhook_with_a_forged_forwarded_address_is_403_and_stores_nothing(
    hub: LocalHub, own: SeededTenant, fenced: dict[str, Any], ledger: Ledger, route: PublicRoute
) -> None:
    body = PHONET_BODIES[route.path.rsplit("/", 1)[-1]]
    fenced_url = f"{hub.api_url}{route.path.replace('{token}', fenced['phonet_token'])}"
    before = snapshot(hub)
    for forged in FORGED:
        answer = requests.post(fenced_url, json=body, headers=forged, timeout=TIMEOUT)
        ledger.tried()
        assert answer.status_code == 403, (forged, answer.text)
        assert answer.json()["error"]["code"] == "forbidden"
    assert snapshot(hub) == before
    # the same body from an allowed address (loopback, for `own`) is taken: the address refused it
    allowed = requests.post(f"{hub.api_url}{path_for(route, own)}", json=body, timeout=TIMEOUT)
    ledger.tried()
    assert allowed.status_code == 200, allowed.text


# -- markup in every text field ---------------------------------------------------------------------

INJECTED_PHONE = "+380509990001"
INJECTED_CALLER = "+380509990002"


@pytest.fixture(scope="module")
def injected(hub: LocalHub, own: SeededTenant) -> dict[str, str]:
    """INJECTED in every text field a client sets, through each way in: the REST API (a contact,
    an employee as its responsible), TelefUM (addcont, addevent), Phonet's events (names, the
    trunk), its UTM labels (applied by the UTM worker, run once here), Avtodialer's result (the
    recognized answer)."""
    api = rest(hub, own)
    base = f"{hub.api_url}/api/v1"
    employee = api.post(
        f"{base}/employees",
        json={
            "name": INJECTED,
            "ext": "077",
            "email": "inj@example.com",
            "login": "inj",
            "password": "Inj-pass-77",
        },
    )
    assert employee.status_code == 201, employee.text
    fields = ("name", "company", "description", "address", "source", "category")
    contact = api.post(
        f"{base}/contacts",
        json={
            **dict.fromkeys(fields, INJECTED),
            "phones": [{"number": INJECTED_PHONE, "remark": INJECTED}],
            "external_codes": {"crm": "inj-1"},
            "extra_fields": {"note": [INJECTED]},
            "responsible_employee_id": employee.json()["id"],
        },
    )
    assert contact.status_code == 201, contact.text
    person = own.employees[0]
    login = {"login": person["login"], "password": person["password"]}
    telefum = f"{hub.api_url}/telefum/{own.slug}/rest"
    for form in (
        {"typereq": "addcont", "phone": INJECTED_CALLER, "name": INJECTED, "typecont": "contact"},
        {
            "typereq": "addevent",
            "id": contact.json()["id"],
            "phone": INJECTED_PHONE,
            "subj": INJECTED,
            "desc": INJECTED,
        },
    ):
        answer = requests.post(telefum, data={**form, **login}, timeout=TIMEOUT)
        assert ET.fromstring(answer.content).findtext("result") == "ok", answer.text
    uuid = "inj00000000000000000000000000001"
    for sample in ("phonet_events/call_dial.json", "phonet_events/missed_hangup.json"):
        event = json.loads(load_event(sample)["body"])
        event.update(uuid=uuid, trunkNum=INJECTED_PHONE, trunkName=INJECTED)
        event["leg"]["displayName"] = INJECTED
        event["otherLegs"][0].update(num=INJECTED_PHONE, name=INJECTED, companyName=INJECTED)
        sent = requests.post(
            f"{hub.api_url}/hooks/phonet/{own.phonet_token}/events", json=event, timeout=TIMEOUT
        )
        assert sent.status_code == 200, sent.text
    label = json.loads(load_event("phonet_utm/spec_example.json")["body"])[0]
    label.update(
        dict.fromkeys(("utmSource", "utmMedium", "utmCampaign", "utmContent", "utmTerm", "label"), INJECTED),
        otherLegNum=INJECTED_PHONE,
        callParentUuid=uuid,
        referrer=f"https://example.com/?q={quote(INJECTED)}",
    )
    utm = requests.post(f"{hub.api_url}/hooks/phonet/{own.phonet_token}/utm", json=[label], timeout=TIMEOUT)
    assert (utm.status_code, utm.json()["accepted"]) == (200, 1), utm.text
    (worker,) = [poller for poller in hub.pollers if poller.source.function == "UtmWorkerFunction"]
    assert worker.poll_once() >= 1
    robot = requests.post(
        f"{hub.api_url}/hooks/avtodialer/{own.avtodialer_token}/result",
        json={
            "phone": INJECTED_PHONE,
            "duration": "12",
            "answer": INJECTED,
            "UUID": "inj",
            "code": "ANSWERED",
        },
        timeout=TIMEOUT,
    )
    assert robot.status_code == 200, robot.text
    return {"contact_id": contact.json()["id"], "uuid": uuid}


def test_security_markup_in_every_text_field_is_escaped_in_telefums_xml(
    hub: LocalHub, own: SeededTenant, injected: dict[str, str], ledger: Ledger
) -> None:
    person = own.employees[0]
    for phone in (INJECTED_PHONE, INJECTED_CALLER):
        answer = requests.get(
            f"{hub.api_url}/telefum/{own.slug}/rest",
            params={
                "typereq": "find",
                "phone": phone,
                "login": person["login"],
                "password": person["password"],
            },
            timeout=TIMEOUT,
        )
        ledger.tried()
        root = ET.fromstring(answer.content)  # a strict parser: ill-formed XML raises
        assert {element.tag for element in root.iter()} & {"hub-x", "script"} == set(), answer.text
        names = [item.findtext("name") for item in root.iter("item")]
        assert INJECTED in names, answer.text  # the text as it was sent, escaped on the wire
        assert "<hub-x" not in answer.text


def test_security_markup_in_every_text_field_is_never_live_in_the_pages(
    hub: LocalHub, own: SeededTenant, injected: dict[str, str], ledger: Ledger
) -> None:
    browser = signed_in(hub, own)
    base = f"/app/{own.slug}"
    prefill = {"phone": INJECTED_CALLER, "name": INJECTED}
    pages = {
        "card": f"{base}/contacts/{injected['contact_id']}",
        "search by name": f"{base}/search?name={quote(INJECTED)}",
        "search by number": f"{base}/search?phone={quote(INJECTED_PHONE)}",
        "callbacks": f"{base}/callbacks",
        "new contact, prefilled": f"{base}/contacts/new?" + urlencode(prefill),
        "campaigns": f"{base}/campaigns",
    }
    shown = {}
    for name, path in pages.items():
        answer = browser.send("GET", path)
        ledger.tried()
        assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])
        assert live_markup(answer.text) == [], name
        shown[name] = "&lt;hub-x" in answer.text
    # the markup is on the pages that show it, as text
    assert shown["card"] and shown["search by number"] and shown["new contact, prefilled"], shown
    signed_out = Browser(hub, own.slug).send("GET", f"{base}/login?next={quote(INJECTED)}")
    ledger.tried()
    assert signed_out.status_code == 200 and live_markup(signed_out.text) == []


# -- refused at once -------------------------------------------------------------------------------


def test_security_revoked_api_key_is_refused_on_the_very_next_request(
    hub: LocalHub, own: SeededTenant, ledger: Ledger
) -> None:
    api = rest(hub, own)
    created = api.post(
        f"{hub.api_url}/api/v1/api-keys",
        json={"name": "soon revoked"},
        headers={"Idempotency-Key": "revoke-me"},
    )
    assert created.status_code == 201, created.text
    key, key_id = created.json()["secret"], created.json()["key_id"]
    own.secrets.append(key)
    person = own.employees[0]
    telefum = {"typereq": "find", "phone": own.ids["phone"], "login": person["login"], "password": key}
    assert (
        requests.get(
            f"{hub.api_url}/api/v1/contacts", headers={"X-API-Key": key}, timeout=TIMEOUT
        ).status_code
        == 200
    )
    found = requests.get(f"{hub.api_url}/telefum/{own.slug}/rest", params=telefum, timeout=TIMEOUT)
    assert ET.fromstring(found.content).findtext("total") == "1", found.text
    assert api.delete(f"{hub.api_url}/api/v1/api-keys/{key_id}").status_code == 204
    refused = requests.get(f"{hub.api_url}/api/v1/contacts", headers={"X-API-Key": key}, timeout=TIMEOUT)
    in_query = requests.get(f"{hub.api_url}/api/v1/contacts", params={"api_key": key}, timeout=TIMEOUT)
    telefum_refused = requests.get(f"{hub.api_url}/telefum/{own.slug}/rest", params=telefum, timeout=TIMEOUT)
    ledger.tried(3)
    assert (refused.status_code, in_query.status_code) == (401, 401), refused.text
    assert refused.json()["error"]["code"] == "unauthorized"
    assert ET.fromstring(telefum_refused.content).findtext("result") == "error"


def test_security_signed_out_session_is_refused_on_the_very_next_request(
    hub: LocalHub, own: SeededTenant, ledger: Ledger
) -> None:
    browser = signed_in(hub, own)
    session = dict(browser.cookies)
    base = f"/app/{own.slug}"
    assert browser.send("GET", f"{base}/callbacks").status_code == 200
    assert browser.send("POST", f"{base}/logout", data={"csrf": session["hub_csrf"]}).status_code == 303
    before = snapshot(hub)
    browser.cookies = session  # the old cookie, kept by hand
    page = browser.send("GET", f"{base}/callbacks")
    form = browser.send(
        "POST",
        f"{base}/contacts/new",
        data={"csrf": session["hub_csrf"], "name": "After logout", "phone": "+380509990009"},
    )
    ledger.tried(2)
    assert page.status_code == 303 and page.headers["location"].startswith(f"{base}/login")
    assert form.status_code == 303 and form.headers["location"].startswith(f"{base}/login")
    assert snapshot(hub) == before


def test_security_deactivated_employee_is_refused_on_the_very_next_request(
    hub: LocalHub, other: SeededTenant, ledger: Ledger
) -> None:
    browser = signed_in(hub, other, employee=1)
    base = f"/app/{other.slug}"
    person = other.employees[1]
    telefum = {
        "typereq": "find",
        "phone": other.ids["phone"],
        "login": person["login"],
        "password": person["password"],
    }
    assert browser.send("GET", f"{base}/callbacks").status_code == 200
    employees = rest(hub, other).get(f"{hub.api_url}/api/v1/employees").json()["items"]
    (employee_id,) = [e["id"] for e in employees if e["login"] == person["login"]]
    changed = rest(hub, other).patch(f"{hub.api_url}/api/v1/employees/{employee_id}", json={"active": False})
    assert changed.status_code == 200, changed.text
    page = browser.send("GET", f"{base}/callbacks")
    found = requests.get(f"{hub.api_url}/telefum/{other.slug}/rest", params=telefum, timeout=TIMEOUT)
    ledger.tried(2)
    assert page.status_code == 303 and page.headers["location"].startswith(f"{base}/login")
    assert ET.fromstring(found.content).findtext("result") == "error", found.text


# -- secrets in the logs ---------------------------------------------------------------------------


def test_security_no_secret_used_in_the_run_is_in_any_log(
    hub: LocalHub, own: SeededTenant, other: SeededTenant, pbx: PhonetFake, log_dir: Path, ledger: Ledger
) -> None:
    """Every way a secret comes in, then every worker's log and the gateway's searched for each: API
    keys (header and query), webhook tokens (in the path), passwords (sign-in, TelefUM, a new
    employee's), a session cookie, vendor credentials (stored, then used to place a call)."""
    api = rest(hub, own)
    base = f"{hub.api_url}/api/v1"
    password = "Fresh-pass-4242"
    made = api.post(
        f"{base}/employees",
        json={
            "name": "Logged",
            "ext": "078",
            "email": "logged@example.com",
            "login": "logged",
            "password": password,
        },
    )
    assert made.status_code == 201, made.text
    vendor_secret = pbx.api_key
    stored = api.put(
        f"{base}/settings/credentials/phonet",
        json={"domain": pbx.domain, "api_key": vendor_secret, "base_url": pbx.url},
    )
    assert stored.status_code in (200, 204), stored.text
    assert (
        requests.get(f"{base}/contacts", params={"api_key": own.api_key}, timeout=TIMEOUT).status_code == 200
    )
    bad_sign_in = Browser(hub, own.slug).sign_in("logged", password + "x")
    browser = signed_in(hub, own)
    assert Browser(hub, own.slug).sign_in("logged", password).status_code == 303
    person = own.employees[0]
    requests.get(
        f"{hub.api_url}/telefum/{own.slug}/rest",
        params={"typereq": "find", "phone": "1", "login": person["login"], "password": person["password"]},
        timeout=TIMEOUT,
    )
    employee_id = next(e["id"] for e in api.get(f"{base}/employees").json()["items"] if e["ext"] == "001")
    placed = api.post(
        f"{base}/calls",
        json={"employee_id": employee_id, "contact_id": own.ids["contact_id"]},
        headers={"Idempotency-Key": "logged-call"},
    )
    assert placed.status_code == 201, placed.text
    assert bad_sign_in.status_code == 401
    secrets = {
        *own.secrets,
        *other.secrets,
        password,
        password + "x",
        vendor_secret,
        browser.cookies["hub_session"],
    }
    logs = {path.name: path.read_text(encoding="utf-8", errors="replace") for path in log_dir.glob("*.log")}
    ledger.tried(len(secrets) * len(logs))
    assert "RestApiFunction.log" in logs and "PhonetEventsFunction.log" in logs
    assert sum(len(text) for text in logs.values()) > 10_000  # the logs are there to be searched
    leaks = sorted(
        {(name, secret[:6] + "…") for name, text in logs.items() for secret in secrets if secret in text}
    )
    assert leaks == []
