"""Bad input on every public route, over real HTTP through the local runner (issue 17).

Each route of template.yaml (the greedy ones expanded into their resolvers' routes) is sent bodies
that are not UTF-8 (raw, and base64-flagged as API Gateway passes a binary body), JSON nested
10,000 levels deep, numbers no field holds (1e400, 2**70 as ids), lists for objects and objects for
strings, an oversized field and an oversized body, an empty body, the wrong content type, and then
bodies hypothesis makes up; a GET gets the same values in its query, a route taking ids gets them
in its path. Every answer must be below 500 and in the route's own format (a JSON error body,
TelefUM's XML with status 200, an HTML page), and what the route refused must leave every table as
it was (read through moto's server). tests/integration/test_hostile_inputs.py checks the same
in-process, over handler calls; its bodies are reused here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubtools.local.runner import LocalHub
from tests.integration.test_hostile_inputs import DEEP, HOSTILE, POLYGLOT
from tests.resilience.conftest import Ledger, scale
from tests.resilience.surface import (
    TIMEOUT,
    Browser,
    PublicRoute,
    SeededTenant,
    answer_problem,
    changes,
    demo_pbx,
    local_hub,
    path_for,
    public_routes,
    refused,
    seed_tenant,
    signed_in,
    snapshot,
)

ROUTES = public_routes()
OPENAPI = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text(encoding="utf-8"))
# Writes that read no body (the OpenAPI document gives them no requestBody; the pages' buttons
# send only their CSRF token): only their path and the edge's checks can be bad.
READS_NO_BODY = {
    ("POST", "/app/{tenant}/campaigns/{batch_id}/cancel"),
    ("POST", "/app/{tenant}/campaigns/{batch_id}/chunks/{number}/resend"),
    ("POST", "/app/{tenant}/campaigns/{batch_id}/chunks/{number}/done"),
} | {
    (method.upper(), path)
    for path, operations in OPENAPI["paths"].items()
    for method, operation in operations.items()
    if method != "get" and "requestBody" not in operation
}
# Path parameters that name no object of the tenant's: their values come from a fixed set.
FIXED_PARAMETERS = {"tenant", "token", "vendor", "source"}
INVALID_UTF8 = b"\xff\xfe\xc3("
HUGE_ID = 2**70
ID_FIELDS = ("uuid", "id", "contact_id", "employee_id", "batch_id", "job_id", "page", "number", "query_id")
FORM_FIELDS = (
    "name",
    "company",
    "phone",
    "description",
    "email",
    "login",
    "password",
    "next",
    "note",
    "reason",
    "id",
    "contact_id",
    "type",
)
QUERY_FIELDS = ("phone", "name", "cursor", "limit", "since")
TELEFUM_FIELDS = ("phone", "name", "typecont", "id", "subj", "desc", "x_pstn")


def _polyglot(**fields: Any) -> str:
    body = json.loads(POLYGLOT.replace('"NUMBER"', "1"))
    body.update(fields)
    return json.dumps(body)


def _strings_as(value: Any) -> str:
    body = json.loads(POLYGLOT.replace('"NUMBER"', "1"))
    body = {key: (value if isinstance(field, str) else field) for key, field in body.items()}
    body["phones"] = [{"number": value}]
    return json.dumps(body)


@dataclass(frozen=True)
class Hostile:
    """One bad input: the body a JSON route gets, the value a form field, query or path parameter
    gets, and the content type it is sent as."""

    name: str
    body: bytes
    value: bytes
    content_type: str = "application/json"
    edge: bool = False  # refused before any route reads it (so also by the writes that read no body)


def _bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


HOSTILES = [
    Hostile("invalid_utf8", _bytes(HOSTILE["invalid_utf8"]), INVALID_UTF8, edge=True),
    Hostile(
        "invalid_utf8_base64", _bytes(HOSTILE["invalid_utf8"]), INVALID_UTF8, "application/octet-stream", True
    ),
    Hostile("deep_json", _bytes(DEEP), _bytes(DEEP)),
    Hostile("deep_inside_an_event", _bytes(HOSTILE["deep_inside_an_event"]), _bytes(DEEP)),
    Hostile("number_1e400", _bytes(HOSTILE["number_1e400"]), b"1e400"),
    Hostile("nan", _bytes(HOSTILE["nan"]), b"NaN"),
    Hostile("ids_2_pow_70", _bytes(_polyglot(**dict.fromkeys(ID_FIELDS, HUGE_ID))), _bytes(str(HUGE_ID))),
    Hostile(
        "ids_minus_2_pow_70", _bytes(_polyglot(**dict.fromkeys(ID_FIELDS, -HUGE_ID))), _bytes(str(-HUGE_ID))
    ),
    Hostile("list_for_object", _bytes(json.dumps([[json.loads(_polyglot())], "x", 1])), b"[]"),
    Hostile("object_for_string", _bytes(_strings_as({"$gt": ""})), b'{"$gt": ""}'),
    Hostile("oversized_field", _bytes(_strings_as("x" * 100_000)), b"x" * 100_000),
    Hostile("oversized_body", _bytes(_polyglot(name="x" * 7_000_000)), b"x" * 7_000_000, edge=True),
    Hostile("empty_body", b"", b""),
    Hostile("wrong_content_type", _bytes(POLYGLOT.replace('"NUMBER"', "1")), b"1", "text/plain", True),
    Hostile(
        "xml_external_entity",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"&e;",
        "application/xml",
        True,
    ),
]
# Query values and path segments are cut to this: API Gateway refuses a request line over 10 KB
# before any function sees it (five such values percent-encoded stay under it).
URL_VALUE_LIMIT = 500


def _reads_body(route: PublicRoute) -> bool:
    return route.writes and (route.method, route.path) not in READS_NO_BODY


def _id_parameters(route: PublicRoute) -> list[str]:
    return [name for name in route.parameters if name not in FIXED_PARAMETERS]


def cases_of(route: PublicRoute) -> list[tuple[str, Hostile]]:
    """(where, hostile) for a route: in its body (or a GET's query), and in each id of its path."""
    found: list[tuple[str, Hostile]] = []
    for hostile in HOSTILES:
        if route.format == "static" and hostile.name != "invalid_utf8":
            continue
        if _reads_body(route) or not route.writes or (hostile.edge and route.format == "json"):
            found.append(("query" if not route.writes else "body", hostile))
    if _id_parameters(route):
        found += [("path", hostile) for hostile in HOSTILES if hostile.value and not hostile.edge]
    return found


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    with local_hub(tmp_path_factory.mktemp("bad-input-logs")) as running:
        yield running


@pytest.fixture(scope="module")
def tenant(hub: LocalHub) -> Iterator[SeededTenant]:
    with demo_pbx() as pbx:
        yield seed_tenant(hub, "hostile", pbx)


@pytest.fixture(scope="module")
def browser(hub: LocalHub, tenant: SeededTenant) -> Browser:
    return signed_in(hub, tenant)


@pytest.fixture(scope="module")
def tables(browser: Browser) -> dict[str, Any]:
    """The tables as the last test left them: its `after` is the next one's `before` (a scan of
    every table costs more than the requests of a route)."""
    return {}


def _form(fields: tuple[str, ...], value: bytes, **given: str) -> bytes:
    """A urlencoded form: each field the hostile value, raw (invalid UTF-8 stays invalid)."""
    parts = [urlencode(given).encode()] if given else []
    for name in fields:
        parts.append(name.encode() + b"=" + quote(value, safe="").encode())
        if len(value) > 200_000:
            break  # one oversized field is enough; seven would only cost time
    return b"&".join(parts)


FORM_TYPE = "application/x-www-form-urlencoded"
Parts = tuple[dict[str, str], bytes, bytes]  # headers, query, body


def _form_type(hostile: Hostile) -> str:
    """A form route gets the hostile's content type, except JSON's: its bad form is a bad form."""
    return FORM_TYPE if hostile.content_type == "application/json" else hostile.content_type


def _page_parts(
    route: PublicRoute, browser: Browser, where: str, hostile: Hostile, url_value: bytes
) -> Parts:
    """The signed-in employee's cookies, and a form's CSRF token (a bad one would only be a 403)."""
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items())}
    csrf = {"csrf": browser.cookies["hub_csrf"]}
    if where == "query":
        return headers, _form(QUERY_FIELDS, url_value), b""
    if where == "body" and route.format == "html":
        return (
            {**headers, "Content-Type": _form_type(hostile)},
            b"",
            _form(FORM_FIELDS, hostile.value, **csrf),
        )
    if where == "body":
        return {**headers, "Content-Type": hostile.content_type}, b"", hostile.body
    body = urlencode(csrf).encode() if route.writes else b""
    return {**headers, "Content-Type": FORM_TYPE}, b"", body


def _telefum_parts(
    route: PublicRoute, tenant: SeededTenant, where: str, hostile: Hostile, url_value: bytes
) -> Parts:
    """The employee's login and password, as TelefUM sends them with every request."""
    employee = tenant.employees[0]
    given = {"login": employee["login"], "password": employee["password"]}
    given["typereq"] = "addcont" if route.writes else "find"
    if where == "body":
        return {"Content-Type": _form_type(hostile)}, b"", _form(TELEFUM_FIELDS, hostile.value, **given)
    if where == "query":
        return {}, _form(TELEFUM_FIELDS[:5], url_value, **given), b""
    return {}, urlencode(given).encode(), b""


def _api_parts(tenant: SeededTenant, where: str, hostile: Hostile, url_value: bytes) -> Parts:
    """The REST API's key and a fresh Idempotency-Key (webhooks carry their token in the path)."""
    headers = {"X-API-Key": tenant.api_key, "Idempotency-Key": uuid.uuid4().hex}
    if where == "body":
        return {**headers, "Content-Type": hostile.content_type}, b"", hostile.body
    return headers, (_form(QUERY_FIELDS, url_value) if where == "query" else b""), b""


def send(
    hub: LocalHub, route: PublicRoute, tenant: SeededTenant, browser: Browser, where: str, hostile: Hostile
) -> requests.Response:
    """The request a client with the route's own credentials sends, bad where `where` says."""
    overrides = {}
    if where == "path":
        segment = quote(hostile.value[:URL_VALUE_LIMIT], safe="")
        overrides = dict.fromkeys(_id_parameters(route), segment)
    path = path_for(route, tenant, **overrides)
    url_value = hostile.value[:URL_VALUE_LIMIT]
    if route.function == "AppPagesFunction":
        headers, query, body = _page_parts(route, browser, where, hostile, url_value)
    elif route.function == "TelefumFunction":
        headers, query, body = _telefum_parts(route, tenant, where, hostile, url_value)
    else:
        headers, query, body = _api_parts(tenant, where, hostile, url_value)
    url = f"{hub.api_url}{path}" + (f"?{query.decode()}" if query else "")
    return requests.request(
        route.method, url, data=body or None, headers=headers, allow_redirects=False, timeout=TIMEOUT
    )


ROUTE_PARAMS = [pytest.param(route, id=str(route)) for route in ROUTES]
WEBHOOK_TAKES = {"ids_2_pow_70", "ids_minus_2_pow_70", "wrong_content_type"}
# What a write takes although it looks bad, and why; every other case must be refused.
TAKES: dict[str, set[str]] = {
    # A PBX's ids are read as their digits, and its Content-Type is not the hub's to demand.
    "/hooks/phonet/{token}/lookup": WEBHOOK_TAKES,
    "/hooks/phonet/{token}/events": {"ids_2_pow_70", "wrong_content_type"},  # -2**70: "-" is no uuid
    "/hooks/avtodialer/{token}/result": WEBHOOK_TAKES,
    # §A3: a batch is answered 200 with its items' rejections, the good ones queued.
    "/hooks/phonet/{token}/utm": WEBHOOK_TAKES | {"list_for_object", "object_for_string"},
    # Their body is optional: an empty one is the plain action.
    "/api/v1/callbacks/{phone}/close": {"empty_body"},
    "/api/v1/do-not-call/{phone}": {"empty_body"},
}
# A form the pages cannot use is answered by going back to its page with a notice (303); sign-out
# needs nothing but its CSRF token, so any other field is ignored and it signs out (303 to sign-in).
FORM_BACK = {
    "/app/{tenant}/callbacks/assign",
    "/app/{tenant}/callbacks/close",
    "/app/{tenant}/contacts/{contact_id}/call",
    "/app/{tenant}/contacts/{contact_id}/notes",
    "/app/{tenant}/logout",
}
# Path cases that may find something: the uuid 2**70 is a call's once the webhooks took it as digits.
MAY_FIND = {("/api/v1/calls/{uuid}", "ids_2_pow_70")}
# What a refused request may still write: the sign-in's failure count (the brute-force limit), a
# vendor's session opened to try the call (the PBX's, kept for the next one); and the employee's
# open sessions, which the cases' own sign-ins (before each sign-out case) change.
BOOKKEEPING = ('"sk": {"S": "LOGINFAIL#', '"pk": {"S": "VSESSION#')


def _stored(changed: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
    """The changes that are data, not BOOKKEEPING."""
    kept = {}
    for table, sides in changed.items():
        added, removed = (
            {_without_sessions(i) for i in sides[side] if not _bookkeeping(i)} for side in sides
        )
        if added != removed:
            kept[table] = {"added": sorted(added - removed), "removed": sorted(removed - added)}
    return kept


def _bookkeeping(item: str) -> bool:
    return any(mark in item for mark in BOOKKEEPING)


def _without_sessions(item: str) -> str:
    fields = json.loads(item)
    fields.pop("sessions", None)
    return json.dumps(fields, sort_keys=True)


def expected(route: PublicRoute, where: str, hostile: Hostile) -> str:
    """`takes` (a 2xx), `refuses` (its own refusal), `tolerates` (a GET's query: either, never a 5xx)."""
    if where == "query" or (where == "path" and (route.path, hostile.name) in MAY_FIND):
        return "tolerates"
    if where == "body" and hostile.name in TAKES.get(route.path, set()):
        return "takes"
    if where == "body" and route.path in FORM_BACK and len(hostile.value) < 10_000:
        return "back"
    return "refuses"


def outcome(route: PublicRoute, answer: requests.Response) -> str:
    if refused(route, answer):
        return "refuses"
    if answer.status_code == 303 and route.format == "html":
        return "back"
    return "takes" if 200 <= answer.status_code < 300 else f"answers {answer.status_code}"


@pytest.mark.parametrize("route", ROUTE_PARAMS)
def test_bad_input_on_a_route_never_5xx_answers_in_its_format_and_refusals_store_nothing(
    hub: LocalHub,
    tenant: SeededTenant,
    browser: Browser,
    tables: dict[str, Any],
    ledger: Ledger,
    route: PublicRoute,
) -> None:
    # the cases a route takes run last, so what the others stored is seen on its own
    cases = sorted(cases_of(route), key=lambda case: expected(route, *case) == "takes")
    before = tables.get("last") or snapshot(hub)
    problems, wrong = [], []
    refusals_done = False
    for where, hostile in cases:
        if expected(route, where, hostile) == "takes" and not refusals_done:
            refusals_done, after_refusals = True, snapshot(hub)
        if route.path.endswith("/logout"):  # each case may end the session it was sent with
            browser = signed_in(hub, tenant)
        answer = send(hub, route, tenant, browser, where, hostile)
        ledger.tried()
        signed_out = route.function == "AppPagesFunction" and "sign_in_required" in answer.text
        to_sign_in = answer.headers.get("location", "").startswith(f"/app/{tenant.slug}/login")
        if (to_sign_in and not route.path.endswith("/logout")) or signed_out:
            problem = "the employee's session was not taken"  # the case never reached the route
        else:
            problem = answer_problem(route, answer)
        if problem:
            problems.append(f"{where} {hostile.name}: {problem} {answer.text[:300]!r}")
            continue
        want, got = expected(route, where, hostile), outcome(route, answer)
        if want != "tolerates" and want != got:
            wrong.append(f"{where} {hostile.name}: {want} expected, {got}: {answer.text[:200]!r}")
    if not refusals_done:
        after_refusals = snapshot(hub)
    tables["last"] = snapshot(hub) if refusals_done else after_refusals
    assert problems == []
    assert wrong == []
    assert _stored(changes(before, after_refusals)) == {}


def _json_bodies() -> st.SearchStrategy[Any]:
    """JSON of any shape, with the keys the hub's bodies use more often than chance would."""
    keys = st.sampled_from(
        [*ID_FIELDS, *FORM_FIELDS, "event", "phones", "records", "rows", "settings"]
    ) | st.text(max_size=8)
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
        max_leaves=20,
    )


def _form_values() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(
        st.sampled_from([*FORM_FIELDS, *TELEFUM_FIELDS, "typereq"]), st.text(max_size=40), max_size=8
    )


@pytest.mark.parametrize("route", [pytest.param(r, id=str(r)) for r in ROUTES if r.writes])
def test_bad_input_generated_bodies_never_5xx_and_answer_in_the_routes_format(
    hub: LocalHub,
    tenant: SeededTenant,
    browser: Browser,
    tables: dict[str, Any],
    ledger: Ledger,
    route: PublicRoute,
) -> None:
    """Bodies hypothesis makes up (some may be valid: what matters is that none gives a 5xx or an
    answer in another format, and that a route refusing them all stored nothing)."""
    before = tables.get("last") or snapshot(hub)
    outcomes: list[str] = []
    strategy = _json_bodies() if route.format == "json" else _form_values()

    @settings(max_examples=5 * scale(), deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(body=strategy)
    def check(body: Any) -> None:
        session = signed_in(hub, tenant) if route.path.endswith("/logout") else browser
        if route.format == "json":
            data, content_type = json.dumps(body).encode(), "application/json"
        else:
            extra = {"csrf": session.cookies["hub_csrf"]} if route.function == "AppPagesFunction" else {}
            if route.function == "TelefumFunction":
                extra = {"login": tenant.employees[0]["login"], "password": tenant.employees[0]["password"]}
            data, content_type = urlencode({**body, **extra}).encode(), "application/x-www-form-urlencoded"
        answer = send(hub, route, tenant, session, "body", Hostile("generated", data, b"", content_type))
        ledger.tried()
        assert answer_problem(route, answer) is None, (body, answer.status_code, answer.text[:300])
        outcomes.append(outcome(route, answer))

    check()
    after = snapshot(hub)
    tables["last"] = after
    if set(outcomes) == {"refuses"}:
        assert _stored(changes(before, after)) == {}


def test_bad_input_every_template_route_is_covered() -> None:
    """Every HttpApi route of the template is in the cases (its greedy ones by their resolvers'
    routes), and every name TAKES or FORM_BACK gives is a route."""
    from hubtools.template import Template

    template_routes = {(function, path) for function, _, path in Template().http_routes()}
    covered = {route.function for route in ROUTES} | {
        path for _, _, path in Template().http_routes() if "+}" not in path
    }
    assert {function for function, _ in template_routes} <= covered
    assert set(TAKES) | FORM_BACK <= {route.path for route in ROUTES}
    assert all(cases_of(route) for route in ROUTES)
    assert len(ROUTES) >= 70
