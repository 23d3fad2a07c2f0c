"""A PBX storm through the local runner over real HTTP: many calls at once, each event delivered one to
three times, the whole stream shuffled (a hangup may come before its dial) and about one delivery in
ten lost, while history syncs of the same minutes run at the same time and merge the PBX's rows into
the very records the webhooks are writing. Afterwards every call is in the REST API exactly once, in
the state the PBX saw (answered / missed / no answer, talk time, employee), and the callbacks are
what the missed and returned calls make them.

The calls come in groups of six, so every kind of call and callback is in every run: an inbound call
answered; two inbound calls missed from one number (its callback open, counting both); an inbound
call missed and later returned by an outbound call that was answered (the callback closed by it);
an outbound call nobody answered. `RESILIENCE_SCALE` multiplies the groups (4 at scale 1).

Every call's history row appears at the fake PBX when its first hangup is delivered (or lost), as
the PBX writes a call's history when it ends; the syncs run back to back until the storm is over,
then once more, which reads every row.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from hubtools.fakes import PhonetFake
from hubtools.fakes.phonet_scenarios import (
    BRIDGE,
    DIAL,
    HANGUP,
    INBOUND,
    OUTBOUND,
    Leg,
    other_legs_from_lookup,
)
from hubtools.local.demo import seed_credentials, seed_demo
from hubtools.local.runner import LocalHub
from tests.e2e.test_sync_history_http import api, tenant_pbx
from tests.resilience.conftest import Ledger, scale
from tests.resilience.local_hub import ANSWER_TIMEOUT_S, all_pages, local_hub, sync_once

SLUG = "storm"
GROUPS = 4 * scale()
SEED = 17
POSTERS = 6  # the PBX's concurrent deliveries: more than the runner's 4 workers per function
LOST_SHARE = 0.1  # deliveries the hub never gets (the history brings what they said)
PBX_RETRIES = 5  # a 5xx or a dropped connection is sent again, as the PBX retries a webhook


@dataclass(frozen=True)
class PlannedCall:
    """One call of the storm and what the hub must end up with for it (times in epoch seconds)."""

    uuid: str
    direction: int
    ext: str
    number: str
    dial_at: float
    talk: int  # 0: nobody answered
    ring: int = 5

    @property
    def end_at(self) -> float:
        return self.dial_at + self.ring + self.talk

    @property
    def answered(self) -> bool:
        return self.talk > 0

    def leg(self, pbx: PhonetFake) -> Leg:
        return Leg(
            uuid=self.uuid,
            direction=self.direction,
            employee=pbx.staff(self.ext),
            dial_at=self.dial_at,
            bridge_at=self.dial_at + self.ring if self.answered else None,
            end_at=self.end_at,
            other_num=self.number,
            trunk_num=pbx.trunk_num,
            trunk_name=pbx.trunk_name,
        )

    def events(self, pbx: PhonetFake) -> list[dict[str, Any]]:
        names = [DIAL, BRIDGE, HANGUP] if self.answered else [DIAL, HANGUP]
        other_legs = other_legs_from_lookup(None, self.number)
        leg = self.leg(pbx)
        return [leg.event(name, domain=pbx.domain, other_legs=other_legs, unit="ms") for name in names]

    def add_history_row(self, pbx: PhonetFake) -> None:
        pbx.add_finished_call(
            uuid=self.uuid,
            end_at=int(self.end_at * 1000),
            direction=self.direction,
            other_leg_num=self.number,
            ext=self.ext,
            bill_secs=self.talk,
            duration=self.ring + self.talk,
            disposition=0 if self.answered else 1,
        )

    def expected(self, employee_ids: dict[str, str]) -> dict[str, Any]:
        """The fields of the call's CallSummary the storm must not get wrong."""
        unanswered = "missed" if self.direction == INBOUND else "no_answer"
        status = "answered" if self.answered else unanswered
        return {
            "uuid": self.uuid,
            "direction": "inbound" if self.direction == INBOUND else "outbound",
            "state": "ended",
            "status": status,
            "talk_seconds": self.talk or None,
            "employee_ext": self.ext,
            "employee_id": employee_ids[self.ext],
            "other_number": self.number,
            "dial_at": int(self.dial_at * 1000),
        }


@dataclass(frozen=True)
class Storm:
    calls: list[PlannedCall]
    open_callbacks: dict[str, set[str]]  # number -> the missed calls it counts
    closed_callbacks: dict[str, str]  # number -> the call that returned it (never open afterwards)


def plan_storm(rng: random.Random, now: float) -> Storm:
    """GROUPS groups of six calls, all ended in the last five minutes, numbers unique per group."""
    calls: list[PlannedCall] = []
    open_callbacks: dict[str, set[str]] = {}
    closed_callbacks: dict[str, str] = {}

    def call(direction: int, number: str, dial_at: float, talk: int) -> PlannedCall:
        planned = PlannedCall(
            uuid=f"storm{len(calls):06d}{rng.getrandbits(64):016x}",
            direction=direction,
            ext=rng.choice(("001", "002")),
            number=number,
            dial_at=dial_at,
            talk=talk,
        )
        calls.append(planned)
        return planned

    for group in range(GROUPS):
        numbers = [f"+38067{group:05d}{kind:02d}" for kind in range(4)]
        # Ended one to five minutes ago: settled for a sync (a minute), inside the overlap every
        # later window starts with (ten minutes). The returned call ends up to 105 s later.
        start = now - 300 + rng.uniform(0, 120)
        call(INBOUND, numbers[0], start, rng.randint(10, 59))
        first = call(INBOUND, numbers[1], start + rng.uniform(0, 5), 0)
        second = call(INBOUND, numbers[1], start + rng.uniform(10, 20), 0)
        open_callbacks[numbers[1]] = {first.uuid, second.uuid}
        call(INBOUND, numbers[2], start + rng.uniform(0, 5), 0)
        closed_callbacks[numbers[2]] = call(OUTBOUND, numbers[2], start + 60, rng.randint(10, 40)).uuid
        call(OUTBOUND, numbers[3], start + rng.uniform(0, 30), 0)
    return Storm(calls, open_callbacks, closed_callbacks)


@pytest.fixture(scope="module")
def storm_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    with local_hub("storm", tmp_path_factory.mktemp("storm-logs")) as running:
        yield running


class Deliveries:
    """The PBX's side of the storm: posts each delivery (retrying a 5xx, as the PBX does), writes a
    call's history row when its first hangup goes out, counts what the hub answered."""

    def __init__(self, url: str, pbx: PhonetFake, calls: dict[str, PlannedCall]) -> None:
        self.url, self.pbx, self.calls = url, pbx, calls
        self.session = requests.Session()
        self.lock = threading.Lock()
        self.ended: set[str] = set()
        self.answers: Counter[str] = Counter()

    def deliver(self, body: dict[str, Any], lost: bool) -> None:
        if body["event"] == HANGUP:
            with self.lock:
                first_hangup = body["uuid"] not in self.ended
                self.ended.add(body["uuid"])
            if first_hangup:
                self.calls[body["uuid"]].add_history_row(self.pbx)
        if lost:
            self.count("lost")
            return
        for attempt in range(PBX_RETRIES):
            time.sleep(0.5 * attempt)
            try:
                answer = requests.post(self.url, json=body, timeout=30)
            except requests.RequestException:
                self.count("connection error, retried")
                continue
            if answer.status_code < 500:
                self.count(str(answer.status_code))
                return
            self.count(f"{answer.status_code}, retried")
        self.count("given up")

    def count(self, what: str) -> None:
        with self.lock:
            self.answers[what] += 1


def test_storm_duplicated_reordered_events_and_concurrent_syncs_log_every_call_once(
    storm_hub: LocalHub, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = storm_hub
    started = time.monotonic()
    rng = random.Random(SEED)
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=SLUG)
    session = api(demo)
    employee_ids = {e["ext"]: e["id"] for e in all_pages(session, f"{hub.api_url}/api/v1/employees")}
    storm = plan_storm(rng, time.time())
    calls = {call.uuid: call for call in storm.calls}
    with tenant_pbx(SLUG) as pbx:
        seed_credentials(hub.aws, hub.template, SLUG, {"phonet": pbx})
        # A first run walks the empty week (the backfill), so the storm's syncs are the windows of
        # the storm's minutes; and the events function is loaded by a body it refuses.
        runs = [sync_once(hub, session)]
        warm = requests.post(demo["tenant"]["webhooks"]["phonet"][1], json={}, timeout=ANSWER_TIMEOUT_S)
        assert warm.status_code == 400, warm.text
        copies = [(body, rng.choice((1, 2, 3))) for call in storm.calls for body in call.events(pbx)]
        stream = [body for body, times in copies for _ in range(times)]
        rng.shuffle(stream)
        lost = [rng.random() < LOST_SHARE for _ in stream]
        deliveries = Deliveries(demo["tenant"]["webhooks"]["phonet"][1], pbx, calls)

        storm_over = threading.Event()

        def sync_back_to_back() -> None:
            while not storm_over.is_set():
                runs.append(sync_once(hub, session))

        syncing = threading.Thread(target=sync_back_to_back, daemon=True)
        syncing.start()
        storm_started = time.monotonic()
        with ThreadPoolExecutor(POSTERS) as posters:
            list(posters.map(deliveries.deliver, stream, lost))
        storm_over.set()
        storm_s = time.monotonic() - storm_started
        syncing.join(60)
        assert not syncing.is_alive(), "a sync never finished"
        runs.append(sync_once(hub, session))  # every row is at the PBX now
        assert pbx.errors == []

    found = all_pages(session, f"{hub.api_url}/api/v1/calls")
    found_uuids = Counter(item["uuid"] for item in found)
    missing = set(calls) - set(found_uuids)
    extra = sum(n - 1 for n in found_uuids.values()) + sum(1 for u in found_uuids if u not in calls)
    ledger.tried(len(calls))
    ledger.lost(len(missing))
    ledger.duplicated(extra)
    wrong = {}
    for item in found:
        if item["uuid"] in calls:
            want = calls[item["uuid"]].expected(employee_ids)
            got = {key: item.get(key) for key in want}
            if got != want:
                wrong[item["uuid"]] = (got, want)

    open_found = {c["phone"]: c for c in all_pages(session, f"{hub.api_url}/api/v1/callbacks", status="open")}
    closed_found = all_pages(session, f"{hub.api_url}/api/v1/callbacks", status="closed")
    with capsys.disabled():  # the report shows without -s; the rest stays captured
        print(
            f"\nstorm: {len(calls)} calls, {len(stream)} deliveries ({Counter(lost)[True]} lost), "
            f"{len(runs)} syncs, {time.monotonic() - started:.1f} s (the storm {storm_s:.1f} s); "
            f"hub answered {dict(deliveries.answers)}; "
            f"syncs created {sum(r['created'] for r in runs)}, merged {sum(r['merged'] for r in runs)}"
        )
    assert (missing, extra) == (set(), 0)
    assert wrong == {}
    assert deliveries.answers["given up"] == 0 and set(deliveries.answers) <= {"200", "lost"} | {
        a for a in deliveries.answers if a.endswith("retried")
    }, deliveries.answers
    assert all(run["outcome"] == "ok" and run["failed"] == 0 for run in runs), runs
    assert {phone: set(c["missed_calls"]) for phone, c in open_found.items()} == storm.open_callbacks
    assert {phone: c["count"] for phone, c in open_found.items()} == dict.fromkeys(storm.open_callbacks, 2)
    # A returned number is never open. It has a closed callback only if its miss came in before the
    # answer did (an answer first leaves nothing to return); then the answer is what closed it.
    closed = {c["phone"]: c["closed_by_call"] for c in closed_found}
    assert closed.items() <= storm.closed_callbacks.items(), closed
