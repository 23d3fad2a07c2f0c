"""TelefUM's API over real HTTP through the local runner, with a demo employee's login."""

from __future__ import annotations

import json
import socket
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree as ET

import requests

from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub


def test_telefum_find_and_addcont_over_http(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="telefum-demo")
    ivan = demo["employees"][0]
    url = f"{hub.api_url}/telefum/telefum-demo/rest"
    found = requests.get(
        url,
        params={
            "typereq": "find",
            "phone": "044 224 65 95",
            "login": ivan["login"],
            "password": ivan["password"],
        },
        timeout=15,
    )
    assert found.status_code == 200 and found.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(found.content)
    assert (root.findtext("item/name"), root.findtext("total")) == ("Иван Иванов", "1")
    added = requests.post(
        url,
        data={
            "typereq": "addcont",
            "phone": "0671234500",
            "name": "Новый",
            "login": ivan["login"],
            "password": ivan["password"],
        },
        timeout=15,
    )
    assert ET.fromstring(added.content).findtext("result") == "ok"
    denied = requests.get(
        url, params={"typereq": "find", "phone": "1", "login": "ivan", "password": "x"}, timeout=15
    )
    assert denied.status_code == 200 and "Неправильный логин или пароль" in denied.content.decode()


def raw_get(url: str, target: str) -> tuple[int, bytes]:
    """A GET whose request line carries raw UTF-8 bytes, as TelefUM's own example sends them (HTTP
    clients such as requests percent-encode them first, so this one speaks HTTP itself)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def test_telefum_addcont_with_raw_utf8_query_stores_the_name_as_sent(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="telefum-utf8")
    ivan = demo["employees"][0]
    creds = f"login={ivan['login']}&password={quote(ivan['password'], safe='')}"
    rest = "/telefum/telefum-utf8/rest"
    # the seed's own example: raw UTF-8 and a percent escape in one value
    status, body = raw_get(
        hub.api_url, f"{rest}?typereq=addcont&phone=0671234511&name=Имя%20контакта&{creds}"
    )
    assert status == 200 and ET.fromstring(body).findtext("result") == "ok"
    status, body = raw_get(hub.api_url, f"{rest}?typereq=addcont&phone=0671234512&name=Сергій&{creds}")
    assert status == 200 and ET.fromstring(body).findtext("result") == "ok"
    encoded = requests.get(
        f"{hub.api_url}{rest}",
        params={
            "typereq": "find",
            "phone": "0671234512",
            "login": ivan["login"],
            "password": ivan["password"],
        },
        timeout=15,
    )
    assert ET.fromstring(encoded.content).findtext("item/name") == "Сергій"
    _, body = raw_get(hub.api_url, f"{rest}?typereq=find&phone=0671234511&{creds}")
    assert ET.fromstring(body).findtext("item/name") == "Имя контакта"
    # the README's example: the REST API's queryStringParameters are UTF-8 too
    status, body = raw_get(hub.api_url, f"/api/v1/contacts?name=Серг&api_key={demo['tenant']['api_key']}")
    assert status == 200 and [c["name"] for c in json.loads(body)["items"]] == ["Сергій"]
