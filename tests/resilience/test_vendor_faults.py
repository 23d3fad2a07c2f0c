"""Vendor faults: the fakes answer 5xx, 429, time out, drop sessions and send 200s that are no JSON,
while the hub (a) syncs a PBX's call history, (b) places click-to-call calls and (c) sends a dial
campaign. Nothing may be lost, and nobody may be called twice.

(a) and (b) run through the local runner over real HTTP, the faults injected at the Phonet fake
(hubtools.fakes.base.Fault): drawn at seeded rates for the history's pages, one chosen kind per
attempt for the calls, so every kind strikes in every run. (c) is the campaign fault test, whose
machinery lives in campaign_faults.py (`CAMPAIGN_FAULT_CHUNKS` sets its size).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from hubtools.fakes import PhonetFake
from hubtools.fakes.base import Hit
from hubtools.fakes.phonet_scenarios import INBOUND, OUTBOUND
from hubtools.local import lambdas
from hubtools.local.demo import seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from hubtools.template import Template
from tests.e2e.test_sync_history_http import api, tenant_pbx
from tests.resilience.campaign_faults import (
    RECORDS,
    Stage,
    check_campaign_run,
    open_stage,
    run_campaign_faults,
)
from tests.resilience.conftest import Ledger, scale
from tests.resilience.local_hub import (
    ANSWER_TIMEOUT_S,
    INIT_TIMEOUT_UNDER_LOAD_S,
    all_pages,
    local_hub,
    sync_once,
    wait_until,
)

HISTORY = "/rest/calls/company.api"
AUTHORIZE = "/rest/security/authorize"
MAKE_CALL = "/rest/user/makeCall"
NOT_JSON, HTML = "<html><body>502 Bad Gateway</body></html>", "text/html"
# Shares of the history's page requests, each drawn (seeded) in the order the requests come, as the
# campaign test draws its shares. The worker's client retries a GET twice on a 5xx, a 429 or a
# dropped connection; a 200 without JSON or a refused session is the sync's own to handle.
HISTORY_SHARES = (
    ("500", 0.08, {"kind": "status", "status": 500, "body": "Internal Server Error"}),
    ("503 without a body", 0.08, {"kind": "status", "status": 503, "body": ""}),
    ("429", 0.08, {"kind": "status", "status": 429, "body": "Too Many Requests", "retry_after": 1}),
    ("dropped", 0.08, {"kind": "timeout", "delay": 0.3}),
    (
        "200 without JSON",
        0.08,
        {"kind": "status", "status": 200, "body": NOT_JSON, "content_type": HTML},
    ),
    ("session expired", 0.08, {"kind": "expire_session"}),
)
READ_TIMEOUT_S = 10.0  # the workers' client (hub.vendors.accounts.WORKER_POLICY)
REST_READ_TIMEOUT_S = 5.0  # the REST API's client (REQUEST_POLICY): click-to-call waits this long
MAX_SYNC_RUNS = 20 + 10 * scale()  # a run ends at its first unreadable page; the next resumes


@pytest.fixture(scope="module")
def faults_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    with local_hub("faults", tmp_path_factory.mktemp("vendor-fault-logs")) as running:
        yield running


def finished(hit: Hit) -> bool:
    """Whether the fake is done with a request: answered, or dropped (a `timeout` fault never answers)."""
    return hit.status is not None or hit.fault == "timeout"


def history_label(hit: Hit) -> str:
    """What a history request met, in HISTORY_SHARES' words."""
    if hit.fault == "status":
        return next(
            name
            for name, _, spec in HISTORY_SHARES
            if spec.get("status") == hit.status and spec["kind"] == "status"
        )
    return {"timeout": "dropped", "expire_session": "session expired", "slow": "read timeout"}.get(
        hit.fault or "", "ok"
    )


# -- (a) history syncs -------------------------------------------------------------------------


def test_vendor_faults_history_syncs_retried_sync_every_call_exactly_once(
    faults_hub: LocalHub, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, slug = faults_hub, "faultsync"
    rows = 100 * scale()
    rng = random.Random(5)
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=slug)
    session = api(demo)
    employee_ids = {e["ext"]: e["id"] for e in all_pages(session, f"{hub.api_url}/api/v1/employees")}
    now_ms = int(time.time() * 1000)
    with tenant_pbx(slug) as pbx:
        seed_credentials(hub.aws, hub.template, slug, {"phonet": pbx})
        expected: dict[str, dict[str, Any]] = {}
        for n in range(rows):  # ended in the last two hours, at least a minute ago (settled)
            talk = rng.choice((0, rng.randint(5, 300)))
            direction = rng.choice((INBOUND, OUTBOUND))
            ext = rng.choice(("001", "002"))
            row = pbx.add_finished_call(
                end_at=now_ms - 60_000 - rng.randint(0, 7_200_000),
                direction=direction,
                other_leg_num=f"+38050{n:07d}",
                ext=ext,
                bill_secs=talk,
            )
            unanswered = "missed" if direction == INBOUND else "no_answer"
            expected[row["uuid"]] = {
                "status": "answered" if talk else unanswered,
                "talk_seconds": talk or None,
                "total_seconds": row["duration"],
                "employee_ext": ext,
                "employee_id": employee_ids[ext],
                "other_number": row["otherLegNum"],
            }
        left = 1.0
        for offset, (_, share, spec) in enumerate(HISTORY_SHARES):
            pbx.fail(method="GET", path=HISTORY, times=10**6, rate=share / left, seed=40 + offset, **spec)
            left -= share
        # one answer slower than the worker reads (a read timeout, retried), one refused sign-in
        pbx.fail("slow", method="GET", path=HISTORY, skip=2, delay=READ_TIMEOUT_S + 1)
        pbx.fail(method="POST", path=AUTHORIZE, status=502, body="Bad Gateway")
        runs = []
        # until a run ends ok and caught up (an ok run may stop at its time budget, run_ms)
        while not runs or (runs[-1]["outcome"], runs[-1]["caught_up"]) != ("ok", True):
            assert len(runs) < MAX_SYNC_RUNS, [(r["outcome"], r.get("error_code")) for r in runs]
            runs.append(sync_once(hub, session))
        pbx.clear_faults()
        history_hits = pbx.hits("GET", HISTORY)
        wait_until(lambda: all(finished(h) for h in history_hits), "the slow answer to finish")
        met = Counter(history_label(hit) for hit in history_hits)
        authorize_answers = Counter(hit.status for hit in pbx.hits("POST", AUTHORIZE))

    found = all_pages(session, f"{hub.api_url}/api/v1/calls")
    uuids = Counter(item["uuid"] for item in found)
    missing = set(expected) - set(uuids)
    extra = sum(n - 1 for n in uuids.values()) + sum(1 for uuid in uuids if uuid not in expected)
    ledger.tried(rows)
    ledger.lost(len(missing))
    ledger.duplicated(extra)
    wrong = {
        item["uuid"]: item
        for item in found
        if item["uuid"] in expected
        and {key: item.get(key) for key in expected[item["uuid"]]} != expected[item["uuid"]]
    }
    outcomes = Counter(
        f"{r['outcome']} {r.get('error_code') or ('' if r['caught_up'] else 'not caught up')}".strip()
        for r in runs
    )
    with capsys.disabled():  # the report shows without -s; the rest stays captured
        print(
            f"\nhistory under faults: {rows} rows, {len(runs)} runs {dict(outcomes)}; "
            f"{sum(met.values())} page requests met {dict(met)}; authorize answered {dict(authorize_answers)}"
        )
    assert (missing, extra, wrong) == (set(), 0, {})
    # each call created once, by the run whose page's cursor write landed; never merged as new again
    assert sum(r["created"] for r in runs) == rows, runs
    assert sum(r["failed"] for r in runs) == 0, runs
    for name in [name for name, _, _ in HISTORY_SHARES] + ["read timeout"]:
        assert met[name] >= 1, f"no {name} fault struck: the test proves nothing about it"
    assert authorize_answers[502] == 1 and outcomes["ok"] >= 1


# -- (b) click-to-call -------------------------------------------------------------------------

# One fault for a request's first attempt, each kind in turn; odd requests meet another on their
# second attempt. Whether the PBX placed the call: only after a slow answer or a renewed session.
CALL_FAULTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("500", {"kind": "status", "status": 500, "body": "Internal Server Error"}),
    ("502 not JSON", {"kind": "status", "status": 502, "body": NOT_JSON, "content_type": HTML}),
    ("503 without a body", {"kind": "status", "status": 503, "body": ""}),
    ("429", {"kind": "status", "status": 429, "body": "Too Many Requests", "retry_after": 1}),
    ("dropped", {"kind": "timeout", "delay": 0.5}),
    ("slow", {"kind": "slow", "delay": REST_READ_TIMEOUT_S + 1.5}),
    ("200 without JSON", {"kind": "status", "status": 200, "body": NOT_JSON, "content_type": HTML}),
    ("session expired", {"kind": "expire_session"}),
)
# The answers a client may get, each a clear one in the API's error format: retry (503), or look at
# the live calls before trying again (502 call_outcome_unknown).
RETRY_CODES = {(503, "vendor_unavailable")}
LOOK_FIRST = (502, "call_outcome_unknown")


def processed(hit: Hit) -> bool:
    """Whether the fake placed the call of this makeCall (a fault of kind status never does)."""
    return hit.status == 200 and hit.fault in (None, "slow")


@dataclass
class Caller:
    """A client of POST /calls that follows the API's word: retry a 503 with the same key; after a
    502 `call_outcome_unknown`, look at the live calls before trying again."""

    hub: LocalHub
    session: requests.Session
    pbx: PhonetFake
    employee: str
    answers: Counter[tuple[int, str]] = field(default_factory=Counter)
    unclear: list[Any] = field(default_factory=list)

    def attempt(self, number: str, key: str) -> requests.Response:
        body = {"employee_id": self.employee, "number": number}
        headers = {"Idempotency-Key": key}
        return self.session.post(
            f"{self.hub.api_url}/api/v1/calls", json=body, headers=headers, timeout=ANSWER_TIMEOUT_S
        )

    def place(self, number: str, key: str, faults: list[dict[str, Any]]) -> str | None:
        """The call's uuid as the client learns it (None: it never did), the PBX meeting `faults`
        on the first attempts."""
        for attempt_no in range(6):
            if attempt_no < len(faults):
                self.pbx.fail(method="POST", path=MAKE_CALL, **faults[attempt_no])
            before = self.pbx.count("POST", MAKE_CALL)
            answer = self.attempt(number, key)
            code = answer.json().get("error", {}).get("code", "") if answer.status_code != 201 else ""
            self.answers[(answer.status_code, code)] += 1
            if answer.status_code == 201:
                uuid = answer.json()["uuid"]
                again = self.attempt(number, key)  # a retry of an answered request: the same call
                assert (again.status_code, again.json().get("uuid")) == (201, uuid), again.text
                return uuid
            if (answer.status_code, code) in RETRY_CODES:
                time.sleep(float(answer.headers.get("Retry-After", "1")))
                continue
            if (answer.status_code, code) != LOOK_FIRST:
                self.unclear.append((number, answer.status_code, answer.text))
                return None
            # The live calls, once the PBX has finished the request the hub gave up on (a real
            # client cannot know when: it would look a little later).
            sent = self.pbx.hits("POST", MAKE_CALL)[before:]
            wait_until(lambda sent=sent: all(finished(h) for h in sent), "the PBX's answer")
            live = self.session.get(
                f"{self.hub.api_url}/api/v1/calls/active", timeout=ANSWER_TIMEOUT_S
            ).json()["items"]
            mine = [call["uuid"] for call in live if call["other_number"] == number]
            if mine:
                return mine[0]
            # Not placed: trying again is a new request (the key's answer is that 502 for good).
            key = f"{key}-again-{attempt_no}"
        self.unclear.append((number, "no answer after 6 attempts"))
        return None


def test_vendor_faults_click_to_call_places_each_request_once(
    faults_hub: LocalHub, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    hub, slug = faults_hub, "faultcall"
    # Twice round the faults at scale 1; each round repeats the same kinds, so larger runs add fewer.
    numbers = [f"+38067555{n:04d}" for n in range(len(CALL_FAULTS) * (2 + scale() // 3))]
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=slug)
    session = api(demo)
    employees = all_pages(session, f"{hub.api_url}/api/v1/employees")
    with tenant_pbx(slug) as pbx:
        seed_credentials(hub.aws, hub.template, slug, {"phonet": pbx})
        caller = Caller(hub, session, pbx, next(e["id"] for e in employees if e["ext"] == "001"))
        placed = {}
        for n, number in enumerate(numbers):
            faults = [CALL_FAULTS[n % len(CALL_FAULTS)][1]]
            if n % 2:
                faults.append(CALL_FAULTS[(n + 3) % len(CALL_FAULTS)][1])
            placed[number] = caller.place(number, f"faults-call-{n}", faults)
        assert pbx.faults == [], "a fault was never used"
        hits = pbx.hits("POST", MAKE_CALL)
        wait_until(lambda: all(finished(h) for h in hits), "the slow answers to finish")
        dialed = Counter(hit.body["otherLegNum"] for hit in hits if processed(hit))
        live_uuids = {call["uuid"] for call in pbx.state()["active"]}

    ledger.tried(len(numbers))
    ledger.lost(sum(1 for number in numbers if dialed[number] == 0))
    ledger.duplicated(sum(max(0, dialed[number] - 1) for number in numbers))
    with capsys.disabled():  # the report shows without -s; the rest stays captured
        print(
            f"\nclick-to-call under faults: {len(numbers)} requests, {len(hits)} makeCalls; "
            f"answers {dict(caller.answers)}"
        )
    assert caller.unclear == []
    assert {number: dialed[number] for number in numbers} == dict.fromkeys(numbers, 1)
    assert None not in placed.values() and set(placed.values()) <= live_uuids
    assert {status for status, _ in caller.answers} <= {201, 502, 503}, caller.answers  # never a 500


# -- (c) campaigns -----------------------------------------------------------------------------


@pytest.fixture
def stage(
    tables: Any, template: Template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stage]:
    """The campaign test's stage, on the `tables` fixture's moto; its dial worker's init may take
    as long as local_hub's workers' (see there)."""
    monkeypatch.setattr(lambdas, "INIT_TIMEOUT_S", INIT_TIMEOUT_UNDER_LOAD_S)
    with open_stage(template, tmp_path) as staged:
        yield staged


def test_vendor_faults_campaign_dials_nobody_twice_and_settles_every_chunk(
    stage: Stage, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    run = run_campaign_faults(stage)
    ledger.tried(RECORDS)
    ledger.lost(run.lost_records)
    ledger.duplicated(run.duplicates)
    with capsys.disabled():  # its report shows without -s; the service's metric lines stay captured
        check_campaign_run(stage, run)
