"""The hub's public surface as a client on the internet sees it, for the bad-input and security parts.

Every route comes from template.yaml's HttpApi events; a greedy one (`/app/{proxy+}`,
`/api/v1/{proxy+}`) is expanded into the routes of the function's own resolver, so a route added to
the template or to a router is in `public_routes()` the day it is added, and the tests that need a
case per route fail until it has one. Requests go over real HTTP to a LocalHub of this suite's own
(its workers' logs in files, its pollers stopped so the tables change only by the requests sent).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import requests

from hubtools.fakes import PhonetFake
from hubtools.local.demo import DEMO_EMPLOYEES, seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from hubtools.template import Template
from tests.integration.test_dial_batches_api import ALL_WEEK, midday_zone
from tests.resilience.local_hub import local_hub as shared_local_hub
from tests.support import load_event, load_function

# What each function answers in; the others speak JSON.
FORMATS = {"TelefumFunction": "xml", "AppPagesFunction": "html"}
TIMEOUT = 60


@dataclass(frozen=True)
class PublicRoute:
    function: str
    method: str
    path: str  # with {name} for each path parameter: /api/v1/contacts/{contact_id}

    @property
    def format(self) -> str:
        if self.path.startswith("/app/static/"):
            return "static"
        if self.function == "AppPagesFunction" and self.path.endswith("/progress"):
            return "json"  # what the campaign page's script polls
        return FORMATS.get(self.function, "json")

    @property
    def parameters(self) -> list[str]:
        return re.findall(r"\{([^}]+)\}", self.path)

    @property
    def writes(self) -> bool:
        return self.method != "GET"

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _resolver_routes(function: str, template: Template) -> list[tuple[str, str]]:
    """(method, path) of every route the function's resolver serves, `<x>` written `{x}`."""
    code = str(template.resources[function]["Properties"]["CodeUri"]).strip("/").rsplit("/", 1)[-1]
    app = load_function(code).app
    return [
        (route.method, re.sub(r"<(\w+)>", r"{\1}", route.path))
        for route in app._static_routes + app._dynamic_routes
    ]


@cache
def public_routes() -> tuple[PublicRoute, ...]:
    """Every route a client can call, most of them straight from the template."""
    template = Template()
    found = []
    for function, method, path in template.http_routes():
        if "+}" not in path:
            found.append(PublicRoute(function, method, path))
            continue
        prefix = path.split("{", 1)[0]
        for inner_method, inner_path in _resolver_routes(function, template):
            assert inner_path.startswith(prefix), f"{function} serves {inner_path} outside {path}"
            found.append(PublicRoute(function, inner_method, inner_path))
    return tuple(found)


# -- a tenant with one of everything ---------------------------------------------------------------


@dataclass
class SeededTenant:
    """A tenant with a contact, a call, a callback, a dial batch, an import job, an API key, a
    number on the do-not-call list, and its secrets (to look for in the logs)."""

    slug: str
    api_key: str
    phonet_token: str
    avtodialer_token: str
    employees: list[dict[str, Any]]
    ids: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    marker: str = ""  # a word only this tenant's data holds

    def values(self) -> dict[str, str]:
        """A value for every path parameter, each naming one of this tenant's own objects."""
        return {
            "tenant": self.slug,
            "phonet_token": self.phonet_token,
            "avtodialer_token": self.avtodialer_token,
            "vendor": "phonet",
            "source": "phonet_calls",
            "page": "1",
            "number": "0",
            **self.ids,
        }


def path_for(route: PublicRoute, tenant: SeededTenant, **overrides: str) -> str:
    """The route's path with every parameter naming `tenant`'s own objects (a token by vendor)."""
    values = {**tenant.values(), **overrides}
    path = route.path
    if "{token}" in path:
        vendor = path.split("/")[2]
        path = path.replace("{token}", values[f"{vendor}_token"])
    for name in route.parameters:
        if name == "token":
            continue
        assert name in values, f"{route}: give {{{name}}} a value in SeededTenant.values()"
        path = path.replace(f"{{{name}}}", values[name])
    return path


def seed_tenant(hub: LocalHub, slug: str, pbx: PhonetFake) -> SeededTenant:
    """A demo tenant (`make run`'s) and one of every object the routes take an id of, made through
    the hub's own HTTP routes. Phonet's credentials are the fake PBX's (the live-call routes ask
    it); the dialers' point at an address nothing listens on (the pollers are stopped: no worker
    ever sends to them)."""
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=slug)
    credentials = {
        "phonet": pbx,
        "avtodialer": SimpleNamespace(
            url=DEAD_URL, api_key=f"avto-key-{slug}", access_token=f"avto-at-{slug}"
        ),
        "obzvonilka": SimpleNamespace(url=DEAD_URL, api_key=f"obzv-key-{slug}"),
    }
    seed_credentials(hub.aws, hub.template, slug, credentials)
    tenant = SeededTenant(
        slug=slug,
        api_key=demo["tenant"]["api_key"],
        phonet_token=demo["tenant"]["phonet_token"],
        avtodialer_token=demo["tenant"]["avtodialer_token"],
        employees=demo["employees"],
        marker=f"Secret{slug.title().replace('-', '')}",
    )
    tenant.secrets = [
        tenant.api_key,
        tenant.phonet_token,
        tenant.avtodialer_token,
        *(employee["password"] for employee in tenant.employees),
        *(
            getattr(c, name)
            for c in credentials.values()
            for name in ("api_key", "access_token")
            if hasattr(c, name)
        ),
    ]
    api = rest(hub, tenant)
    base = f"{hub.api_url}/api/v1"

    def phone(n: int) -> str:
        """This tenant's own numbers: another tenant's ids are never also its own."""
        return f"+3805{sum(slug.encode()) % 100:02d}11100{n}"

    assert api.patch(f"{base}/settings", json={"timezone": midday_zone()}).status_code == 200
    contact = api.post(
        f"{base}/contacts",
        json={
            "name": f"{tenant.marker} Contact",
            "company": f"{tenant.marker} Company",
            "description": f"{tenant.marker} notes",
            "phones": [{"number": phone(1)}],
            "external_codes": {"crm": f"code-{slug}"},
        },
    )
    assert contact.status_code == 201, contact.text
    tenant.ids.update(contact_id=contact.json()["id"], system="crm", code=f"code-{slug}")
    employees = api.get(f"{base}/employees").json()["items"]
    tenant.ids["employee_id"] = employees[0]["id"]
    tenant.ids["key_id"] = api.get(f"{base}/api-keys").json()["items"][0]["key_id"]
    # a missed call from the contact: a call and an open callback
    uuid = f"{slug.replace('-', '')}0000000000000000000000000000"[:32]
    for sample in ("phonet_events/call_dial.json", "phonet_events/missed_hangup.json"):
        event = json.loads(load_event(sample)["body"])
        event.update(uuid=uuid, trunkNum=phone(1))
        event["otherLegs"][0].update(num=phone(1), name=f"{tenant.marker} Caller")
        sent = requests.post(
            f"{hub.api_url}/hooks/phonet/{tenant.phonet_token}/events", json=event, timeout=TIMEOUT
        )
        assert sent.status_code == 200, sent.text
    tenant.ids.update(uuid=uuid, phone=phone(1))
    assert api.put(f"{base}/do-not-call/{quote(phone(1))}", json={"reason": tenant.marker}).status_code in (
        200,
        201,
    )
    batch = api.post(
        f"{base}/dial-batches",
        json={
            "provider": "avtodialer",
            "scenario": "1",
            "window": ALL_WEEK,
            "records": [{"phone": phone(3), "name": f"{tenant.marker} Callee"}],
        },
        headers={"Idempotency-Key": f"seed-{slug}"},
    )
    assert batch.status_code == 202, batch.text
    tenant.ids["batch_id"] = batch.json()["id"]
    job = api.post(
        f"{base}/contacts/import",
        json={"rows": [{"name": f"{tenant.marker} Imported", "phones": [{"number": phone(4)}]}]},
    )
    assert job.status_code in (200, 201, 202), job.text
    tenant.ids["job_id"] = job.json()["job_id"]
    return tenant


DEAD_URL = "http://127.0.0.1:9"  # the discard port: nothing answers


def demo_pbx() -> PhonetFake:
    """A fake Phonet PBX whose staff are the demo tenant's employees."""
    staff = [{"id": 30 + i, "displayName": e["name"], "ext": e["ext"]} for i, e in enumerate(DEMO_EMPLOYEES)]
    return PhonetFake(employees=staff)


def rest(hub: LocalHub, tenant: SeededTenant) -> requests.Session:
    session = requests.Session()
    session.headers["X-API-Key"] = tenant.api_key
    original = session.request

    def request(method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return original(method, url, **kwargs)

    session.request = request  # type: ignore[method-assign]
    return session


class Browser:
    """A signed-in employee's browser: the pages' cookies (Secure, sent here over plain http as a
    browser does for localhost) and the CSRF token every form carries."""

    def __init__(self, hub: LocalHub, slug: str) -> None:
        self.base, self.slug, self.cookies = hub.api_url, slug, {}

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **kwargs.pop("headers", {}),
        }
        answer = requests.request(
            method, f"{self.base}{path}", headers=headers, allow_redirects=False, timeout=TIMEOUT, **kwargs
        )
        self.cookies.update(answer.cookies.get_dict())
        return answer

    def sign_in(self, login: str, password: str) -> requests.Response:
        self.send("GET", f"/app/{self.slug}/login")
        return self.send(
            "POST",
            f"/app/{self.slug}/login",
            data={"csrf": self.cookies.get("hub_csrf", ""), "login": login, "password": password, "next": ""},
        )


# -- what the tables hold --------------------------------------------------------------------------


def signed_in(hub: LocalHub, tenant: SeededTenant, employee: int = 0) -> Browser:
    """A Browser signed in at `tenant` as its `employee`-th seeded employee."""
    browser = Browser(hub, tenant.slug)
    person = tenant.employees[employee]
    signed = browser.sign_in(person["login"], person["password"])
    assert signed.status_code == 303, signed.text
    return browser


def table_names(hub: LocalHub) -> list[str]:
    return [hub.template.table_name(name) for name in hub.template.of_type("AWS::DynamoDB::Table")]


_CLIENTS: dict[str, Any] = {}


def _dynamodb(hub: LocalHub) -> Any:
    """One client per local AWS (making one takes longer than a scan)."""
    if hub.aws.url not in _CLIENTS:
        _CLIENTS[hub.aws.url] = hub.aws.client("dynamodb")
    return _CLIENTS[hub.aws.url]


def snapshot(hub: LocalHub) -> dict[str, set[str]]:
    """Every item of every table, read through moto's server, as canonical JSON."""
    dynamodb = _dynamodb(hub)
    found: dict[str, set[str]] = {}
    for table in table_names(hub):
        items: set[str] = set()
        kwargs: dict[str, Any] = {"TableName": table}
        while True:
            page = dynamodb.scan(**kwargs)
            items.update(json.dumps(item, sort_keys=True) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        found[table] = items
    return found


def changes(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, dict[str, list[str]]]:
    """What was added or removed per table (a changed item is both)."""
    return {
        table: {
            "added": sorted(after[table] - before[table]),
            "removed": sorted(before[table] - after[table]),
        }
        for table in before
        if before[table] != after[table]
    }


# -- answers ---------------------------------------------------------------------------------------


def answer_problem(route: PublicRoute, answer: requests.Response) -> str | None:
    """Why an answer is not in the route's own format (None: it is), whatever its status."""
    if answer.status_code >= 500:
        return f"a {answer.status_code}"
    check = {"json": _json_problem, "xml": _xml_problem, "html": _html_problem}.get(
        route.format, _static_problem
    )
    return check(route, answer, answer.headers.get("content-type", ""))


def _json_problem(route: PublicRoute, answer: requests.Response, content_type: str) -> str | None:
    if answer.status_code in (204, 304):
        return None
    pages_404 = route.function == "AppPagesFunction" and answer.status_code == 404
    if pages_404 and content_type.startswith("text/html"):
        return None  # a path no page serves (an id no route's pattern takes): the pages' own 404
    if not content_type.startswith("application/json"):
        return f"content type {content_type!r}"
    try:
        body = answer.json()
    except ValueError:
        return "a body that is not JSON"
    # the pages' own JSON (a campaign's progress) names its error; the REST API's is an object
    shape = str if route.function == "AppPagesFunction" else dict
    if answer.status_code >= 400 and not (isinstance(body, dict) and isinstance(body.get("error"), shape)):
        return f"an error without the error body: {answer.text[:200]}"
    return None


def _xml_problem(route: PublicRoute, answer: requests.Response, content_type: str) -> str | None:
    if answer.status_code == 302 and answer.headers.get("location", "").startswith("/app/"):
        return None  # TelefUM's card and search links open the hub's pages
    if answer.status_code != 200 or not content_type.startswith("application/xml"):
        return f"{answer.status_code} {content_type!r} (TelefUM reads only a 200's XML)"
    try:
        ET.fromstring(answer.content)
    except ET.ParseError as exc:
        return f"XML that does not parse: {exc}"
    return None


def _html_problem(route: PublicRoute, answer: requests.Response, content_type: str) -> str | None:
    if answer.status_code in (302, 303) and answer.headers.get("location", "").startswith("/app/"):
        return None
    return None if content_type.startswith("text/html") else f"content type {content_type!r}"


def _static_problem(route: PublicRoute, answer: requests.Response, content_type: str) -> str | None:
    return None if answer.status_code == 200 else f"a {answer.status_code} for a static file"


def refused(route: PublicRoute, answer: requests.Response) -> bool:
    """Whether the route refused the request (in its own way: TelefUM says so in a 200's XML)."""
    if route.format == "xml" and answer.status_code == 200:
        try:
            return ET.fromstring(answer.content).findtext("result") == "error"
        except ET.ParseError:
            return False
    return 400 <= answer.status_code < 500


@contextmanager
def local_hub(log_dir: Path) -> Iterator[LocalHub]:
    """The hub on free loopback ports, pollers and schedules stopped, each worker's log in a file;
    every HTTP function is started before the tests (see `warm`). A worker's init may take a minute
    here, not Lambda's 10 s: on a machine busy with other suites a cold import overruns 10 s, and
    what these tests judge is the answer to the input, not the machine's load."""
    with shared_local_hub("resilience", log_dir, background=False) as running:
        warm(running)
        yield running


def warm(hub: LocalHub, attempts: int = 4) -> None:
    """One request per HTTP function until it answers below 500: on a loaded machine a cold import
    may overrun Lambda's 10 s init limit once (the runner then kills the worker, as Lambda would),
    and the cases must not count that as the input's doing."""
    seen = set()
    for route in public_routes():
        if route.function in seen:
            continue
        seen.add(route.function)
        path = re.sub(r"\{[^}]+\}", "warm", route.path)
        for _ in range(attempts):
            if requests.request(route.method, f"{hub.api_url}{path}", timeout=TIMEOUT).status_code < 500:
                break
