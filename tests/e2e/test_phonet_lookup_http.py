"""The Phonet caller lookup over real HTTP through the local runner, driven by curl-like requests and
by the fake PBX."""

from __future__ import annotations

import requests

from hubtools.fakes import PhonetFake
from hubtools.local.demo import seed_demo
from hubtools.local.runner import LocalHub

SPEC_BODY = {"request": "call.settings", "otherLegNum": "+380442246595", "trunkNum": "0800218500"}


def test_lookup_over_http_answers_spec_shapes(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="http-demo")
    lookup_url = demo["tenant"]["webhooks"]["phonet"][0]
    known = requests.post(lookup_url, json=SPEC_BODY, timeout=15)
    assert known.status_code == 200
    leg = known.json()["otherLeg"]
    assert leg["name"] == "Иван Иванов" and leg["newEntry"] is False
    assert leg["url"].startswith(f"{hub.api_url}/app/http-demo/contacts/")
    assert (leg["responsibleEmployeeExt"], leg["responsibleEmployeeEmail"]) == ("001", "ivan@demo.example")
    unknown = requests.post(lookup_url, json={**SPEC_BODY, "otherLegNum": "0509998877"}, timeout=15).json()
    assert unknown["otherLeg"]["url"] == f"{hub.api_url}/app/http-demo/contacts/new?phone=%2B380509998877"
    bad = requests.post(lookup_url, data="{otherLegNum: 1", timeout=15)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_request"
    wrong = requests.post(
        lookup_url.replace(demo["tenant"]["phonet_token"], "x" * 32), json=SPEC_BODY, timeout=15
    )
    assert wrong.status_code == 404


def test_lookup_played_by_the_fake_pbx_shows_the_customer(hub: LocalHub) -> None:
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug="pbx-demo")
    hook_base = demo["tenant"]["webhooks"]["phonet"][0].rsplit("/", 1)[0]
    with PhonetFake(hook_base_url=hook_base) as pbx:
        result = pbx.play("inbound_answered", caller="(044) 224-65-95", ext="001")
    lookup = result.deliveries[0]
    assert lookup.kind == "lookup" and lookup.status == 200
    assert lookup.response["otherLeg"]["name"] == "Иван Иванов"
