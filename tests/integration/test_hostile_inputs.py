"""No input gives a 5xx, on any route of template.yaml (issue 10).

Every HttpApi route the template declares is sent bodies that are not UTF-8, JSON nested 10,000
levels deep and numbers no field can hold; each must answer a clear refusal in that route's own
format (JSON error, TelefUM's error XML with status 200, an HTML page) and store nothing. The routes
are read from the template, so a new route is covered the day it is added: it only needs a line in
WRITES if its path is greedy, and in FORMATS if it does not speak JSON.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import boto3
import pytest

from hub import pages as hub_pages
from hub.domain.auth import PageSessions
from hub.domain.tenants import add_employee, create_api_key
from hubtools.template import Template
from tests.conftest import Seeded
from tests.support import ACME_AVTODIALER_TOKEN, ACME_PHONET_TOKEN, load_function

ROUTES = Template().http_routes()
# What each function answers in; anything else speaks JSON.
FORMATS = {"TelefumFunction": "xml", "AppPagesFunction": "html"}
# Greedy routes: the writes behind them, each a (method, path) of its own router.
WRITES = {
    "/app/{proxy+}": [
        ("POST", "/app/acme/login"),
        ("POST", "/app/acme/contacts/new"),
        ("POST", "/app/acme/callbacks/close"),
        ("POST", "/app/acme/contacts/hostile/do-not-call"),
        ("POST", "/app/acme/contacts/hostile/edit"),
        ("POST", "/app/acme/contacts/hostile/notes"),
        ("POST", "/app/acme/contacts/hostile/convert"),
        ("POST", "/app/acme/campaigns/0123456789abcdef01234567/cancel"),
        ("POST", "/app/acme/campaigns/0123456789abcdef01234567/chunks/0/resend"),
    ],
    "/api/v1/{proxy+}": [
        ("POST", "/api/v1/contacts"),
        ("POST", "/api/v1/contacts/import"),
        ("POST", "/api/v1/employees"),
        ("POST", "/api/v1/api-keys"),
        ("POST", "/api/v1/callbacks/%2B380501234567/close"),
        ("PUT", "/api/v1/do-not-call/%2B380501234567"),
        ("POST", "/api/v1/do-not-call/imports"),
        ("PATCH", "/api/v1/settings"),
        ("PUT", "/api/v1/settings/credentials/phonet"),
        ("POST", "/api/v1/dial-batches"),
        ("PUT", "/api/v1/dial-batches/0123456789abcdef01234567/pages/2"),
        ("POST", "/api/v1/dial-batches/0123456789abcdef01234567/chunks/0/resend"),
    ],
}
PATH_VALUES = {"{tenant}": "acme"}
TOKENS = {"/hooks/phonet/": ACME_PHONET_TOKEN, "/hooks/avtodialer/": ACME_AVTODIALER_TOKEN}
# A body every route would take if its numbers were numbers: an event, a UTM label, a robot call
# result, a contact. NUMBER is replaced by the value under test.
POLYGLOT = json.dumps(
    {
        "event": "call.dial",
        "request": None,
        "uuid": "hostile00000000000000000001",
        "lgDirection": 2,
        "dialAt": "NUMBER",
        "serverTime": "NUMBER",
        "callDate": "NUMBER",
        "duration": "NUMBER",
        "phone": "+380501234567",
        "otherLegNum": "+380501234567",
        "name": "Hostile",
        "phones": [{"number": "+380501234567"}],
    }
)
DEEP = "[" * 10_000 + "]" * 10_000  # 20 KB
HOSTILE = {
    "invalid_utf8": b'{"event": "call.dial", "name": "\xff\xfe\xc3("}',
    "deep_json": DEEP,
    "deep_inside_an_event": POLYGLOT.replace('"NUMBER"', "1").replace('"name"', f'"deep": {DEEP}, "name"'),
    "number_1e400": POLYGLOT.replace('"NUMBER"', "1e400"),
    "infinity": POLYGLOT.replace('"NUMBER"', "Infinity"),
    "minus_infinity": POLYGLOT.replace('"NUMBER"', "-Infinity"),
    "nan": POLYGLOT.replace('"NUMBER"', "NaN"),
}
STORED = ("CallsTable", "WebhookLogTable", "ContactsTable", "IdempotencyTable")


def requests_of_the_template() -> list[tuple[str, str, str, str]]:
    """`(function, route, method, concrete path)` for every write the template routes."""
    found = []
    for function, method, path in ROUTES:
        if "+}" in path:
            assert path in WRITES, f"{path} is greedy: name the writes behind it in WRITES"
            found += [(function, path, m, concrete) for m, concrete in WRITES[path]]
            continue
        concrete = path
        for prefix, token in TOKENS.items():
            if path.startswith(prefix):
                concrete = concrete.replace("{token}", token)
        for variable, value in PATH_VALUES.items():
            concrete = concrete.replace(variable, value)
        assert "{" not in concrete, f"{path}: give its path parameters a value in PATH_VALUES or TOKENS"
        found.append((function, path, method, concrete))
    return found


CASES = [
    pytest.param(*request, name, id=f"{request[2]} {request[3]} {name}")
    for request in requests_of_the_template()
    for name in HOSTILE
]


def event(
    route: str, method: str, path: str, body: bytes | str, content_type: str, query: str, headers: dict
) -> dict[str, Any]:
    """An API Gateway HTTP API v2 event as API Gateway builds it: bytes that are not UTF-8 come
    base64-encoded."""
    raw = body if isinstance(body, bytes) else body.encode()
    try:
        text, is_base64 = raw.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(raw).decode(), True
    if method == "GET":
        text, is_base64 = "", False
    host = "abc123.execute-api.eu-central-1.amazonaws.com"
    route_key = f"{method} {route}" if "+}" not in route else f"ANY {route}"
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": host, "content-type": content_type, "x-forwarded-proto": "https", **headers},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": host,
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "89.184.65.208",  # one of Phonet's senders
                "userAgent": "hostile",
            },
            "requestId": "hostile",
            "routeKey": route_key,
            "stage": "$default",
            "time": "23/Nov/2026:20:00:00 +0000",
            "timeEpoch": 1795464000000,
        },
        "isBase64Encoded": is_base64,
        **({"body": text} if text else {}),
    }


@pytest.fixture
def credentials(seeded: Seeded) -> dict[str, Any]:
    """Every route's own credentials, so a refusal is the input's doing, not a missing login."""
    employee = add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Оператор", ext="005", login="op", password="op-pass-1"
    )
    _, api_key = create_api_key(seeded.tenant_store, seeded.acme.tenant, "hostile")
    session = PageSessions(seeded.tenant_store).open(seeded.acme.tenant, employee)
    return {"api_key": api_key, "session": session, "csrf": hub_pages.new_csrf_token()}


def item_count(template: Any, table: str) -> int:
    return boto3.client("dynamodb").scan(TableName=template.table_name(table), Select="COUNT")["Count"]


@pytest.mark.parametrize(("function", "route", "method", "path", "hostile"), CASES)
def test_every_route_refuses_hostile_input_in_its_own_format_and_stores_nothing(
    seeded,
    template,
    credentials,
    lambda_context,
    function: str,
    route: str,
    method: str,
    path: str,
    hostile: str,
) -> None:
    # given: the route's own credentials and format
    fmt = FORMATS.get(function, "json")
    body = HOSTILE[hostile]
    content_type = "application/json" if fmt == "json" else "application/x-www-form-urlencoded"
    query = "login=op&password=op-pass-1" if fmt == "xml" else ""
    if method == "GET":  # the input goes where a GET carries it
        text = body if isinstance(body, bytes) else body.encode()
        query += f"&phone={quote(text[:2000])}&id={quote(text[:2000])}"
    headers = {"x-api-key": credentials["api_key"], "idempotency-key": "hostile-key-0001"}
    cookies = [f"hub_session={credentials['session']}", f"hub_csrf={credentials['csrf']}"]
    before = {table: item_count(template, table) for table in STORED}
    request = event(route, method, path, body, content_type, query, headers)
    request["cookies"] = cookies
    module = load_function(template.resources[function]["Properties"]["CodeUri"].strip("/").split("/")[-1])
    # when
    response = module.handler(request, lambda_context)
    # then: a refusal in the route's format
    status, answer = response["statusCode"], response.get("body") or ""
    content = {k.lower(): v for k, v in (response.get("headers") or {}).items()}.get("content-type", "")
    if fmt == "json":
        assert 400 <= status < 500, answer
        assert content.startswith("application/json") and "error" in json.loads(answer)
    elif fmt == "xml" and status == 302:
        assert response["headers"]["Location"].startswith("/app/acme/")  # TelefUM's links open our pages
    elif fmt == "xml":
        assert status == 200, answer  # TelefUM's client may not read a 4xx's body
        assert content.startswith("application/xml")
        assert ET.fromstring(answer.encode()).findtext("result") == "error"
    else:
        assert 400 <= status < 500 and content.startswith("text/html"), answer
    # and nothing stored: no call, no webhook log, no contact, no remembered answer
    assert {table: item_count(template, table) for table in STORED} == before
    assert before["CallsTable"] == before["WebhookLogTable"] == 0


def test_every_template_route_is_covered() -> None:
    covered = {(function, route) for function, route, *_ in requests_of_the_template()}
    assert covered == {(function, path) for function, _, path in ROUTES}
    assert len(CASES) >= 7 * len(ROUTES)
