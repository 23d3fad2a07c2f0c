"""TelefUM's API over real HTTP through the local runner, with a demo employee's login."""

from __future__ import annotations

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
