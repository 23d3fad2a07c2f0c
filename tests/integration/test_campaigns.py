"""Dial campaigns against the Avtodialer and Obzvonilka fakes over real loopback HTTP, with moto for
storage: the CampaignService as the wiring builds it, but with an injected clock and its queue kept
in the test (messages delivered in order; a delayed one moves the clock by its delay), so a night
passes in milliseconds. The fakes count every record they queued: nobody may show up twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub import wiring
from hub.domain.calls import RobotCallResult
from hub.domain.campaigns import LEASE_MS, BatchSpec, CampaignService, ContactFilter, SendOutcome
from hub.domain.tenants import TenantContext
from hub.errors import BadRequest, Conflict
from hub.ids import now_ms
from hub.models.call import CallStatus
from hub.models.campaign import BatchStatus, ChunkState, DialWindow, Provider, RejectReason
from hub.models.contact import Contact, ContactPhone
from hub.models.do_not_call import ListedBy
from hub.models.tenant import Vendor, credentials_for
from hub.ports.vendors import DialResult
from hub.vendors.accounts import VendorAccountsFromSecrets
from hub.vendors.http import HttpPolicy
from hubtools.fakes import AvtodialerFake, ObzvonilkaFake
from tests.conftest import Seeded

FAST = HttpPolicy(connect_timeout=1.0, read_timeout=1.5, retries=0, backoff_factor=0)
MOSCOW = ZoneInfo("Europe/Moscow")
# Tuesday 1 December 2026, 10:00 in Moscow: inside the default window (weekdays 09:00-20:00).
MORNING = int(dt.datetime(2026, 12, 1, 10, 0, tzinfo=MOSCOW).timestamp() * 1000)
NIGHT = int(dt.datetime(2026, 12, 1, 23, 30, tzinfo=MOSCOW).timestamp() * 1000)
NEXT_OPENING = int(dt.datetime(2026, 12, 2, 9, 0, tzinfo=MOSCOW).timestamp() * 1000)


def ru(n: int) -> str:
    return f"+7922{n:07d}"


@dataclass
class Clock:
    now: int

    def __call__(self) -> int:
        return self.now


@dataclass
class Queue:
    """The dial queue, in the test: `now` in order, `later` with each message's delay."""

    now: list[dict[str, Any]] = field(default_factory=list)
    later: list[tuple[int, dict[str, Any]]] = field(default_factory=list)

    def send_all(self, messages: list[dict[str, Any]]) -> None:
        self.now.extend(messages)

    def send(self, message: dict[str, Any], delay: int) -> None:
        self.later.append((delay, message))

    def next(self, clock: Clock) -> dict[str, Any]:
        """The next message delivered; a delayed one after the clock moved by its delay."""
        if self.now:
            return self.now.pop(0)
        self.later.sort(key=lambda pair: pair[0])
        delay, message = self.later.pop(0)
        self.later = [(d - delay, m) for d, m in self.later]
        clock.now += delay * 1000
        return message


def campaign_service(policy: HttpPolicy, queue: Queue, clock: Clock) -> CampaignService:
    """The dial worker's CampaignService on hub.wiring's tables and the tenants' stored credentials,
    with the dial queue and the clock in the test's hands."""
    accounts = VendorAccountsFromSecrets(
        wiring.vendor_secrets(),
        lambda slug: wiring.tenant_directory().by_slug(slug).tenant,
        wiring.phonet_session_cache(),
        policy,
    )
    return CampaignService(
        wiring.campaign_store(),
        wiring.contact_store(),
        wiring.do_not_call(),
        accounts,
        queue.send_all,
        queue.send,
        clock=clock,
    )


@dataclass
class Rig:
    service: CampaignService
    queue: Queue
    clock: Clock
    context: TenantContext
    outcomes: list[SendOutcome] = field(default_factory=list)

    def deliver(self, message: dict[str, Any]) -> None:
        step = message["step"]
        if step == "collect":
            self.service.collect(self.context, message["batch"])
        elif step == "prepare":
            self.service.prepare(self.context, message["batch"], message["page"], message["slice"])
        else:
            self.outcomes.append(self.service.send(self.context, message["batch"], message["chunk"]))

    def run(self, max_hops: int = 500, on_hop: Any = None) -> int:
        """Deliver every message; a delayed one after the clock moved by its delay. The hops taken."""
        hops = 0
        while self.queue.now or self.queue.later:
            while self.queue.now:
                self.deliver(self.queue.now.pop(0))
            if self.queue.later:
                message = self.queue.next(self.clock)
                hops += 1
                if on_hop:
                    on_hop()
                self.deliver(message)
            assert hops < max_hops, "the batch never finished"
        return hops


def avtodialer_fake() -> Iterator[AvtodialerFake]:
    with AvtodialerFake() as fake:
        yield fake


@pytest.fixture
def dialer() -> Iterator[AvtodialerFake]:
    yield from avtodialer_fake()


@pytest.fixture
def call_list() -> Iterator[ObzvonilkaFake]:
    with ObzvonilkaFake() as fake:
        yield fake


def put_credentials(seeded: Seeded, slug: str, vendor: Vendor, fields: dict[str, str]) -> None:
    wiring.vendor_secrets().put(slug, vendor, credentials_for(vendor, fields))
    seeded.tenant_store.put_credentials(slug, vendor, now_ms())


@pytest.fixture
def rig(seeded: Seeded, dialer: AvtodialerFake, call_list: ObzvonilkaFake) -> Rig:
    put_credentials(
        seeded,
        "globex",
        Vendor.AVTODIALER,
        {"base_url": dialer.url, "api_key": dialer.api_key, "access_token": dialer.access_token},
    )
    put_credentials(
        seeded, "globex", Vendor.OBZVONILKA, {"api_key": call_list.api_key, "base_url": call_list.url}
    )
    queue, clock = Queue(), Clock(MORNING)
    return Rig(campaign_service(FAST, queue, clock), queue, clock, seeded.globex)


def robot_spec(**changes: Any) -> BatchSpec:
    return BatchSpec(**{"provider": Provider.AVTODIALER, "window": DialWindow(), "scenario": "7", **changes})


def numbers(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [{"phone": ru(start + n), "name": f"Клиент {n}", "vars": [str(n), "b"]} for n in range(count)]


def test_campaign_batch_checked_deduplicated_and_sent_once_per_number(
    rig: Rig, dialer: AvtodialerFake
) -> None:
    records = numbers(2400)
    records[5] = {"phone": "не номер"}
    records[6] = {"phone": f"8 922 {0:03d} {0:02d} 07"}  # record 7's number in domestic form: a duplicate
    records[10] = {}  # neither phone nor contact
    records += [{"phone": ru(3)}, {"contact_id": "nobody"}]
    wiring.do_not_call().add(rig.context, ru(11), "api:test", ListedBy.API)

    batch = rig.service.submit(rig.context, robot_spec(max_attempts=2), records, "key-1")
    assert batch.status is BatchStatus.PREPARING
    assert batch.counts.received == 2402
    rig.run()

    done = rig.service.batch(rig.context, batch.id)
    assert done.status is BatchStatus.DONE
    assert done.counts.rejected == {
        "contact_not_found": 1,
        "do_not_call": 1,
        "duplicate": 2,
        "invalid_phone": 2,
    }
    assert done.counts.accepted == 2402 - 6 == done.counts.sent
    assert done.chunks == {**{s.value: 0 for s in ChunkState}, "sent": 3}
    counts = dialer.dial_counts()
    assert len(counts["phone"]) == 2396 and set(counts["phone"].values()) == {1}
    assert set(counts["uuid"].values()) == {1}
    assert ru(11)[1:] not in {c.phone for c in dialer.calls}  # the listed number is not sent
    first = dialer.calls[0]
    assert first.phone == "89220000000"  # Avtodialer's domestic form
    assert first.window == ("09:00:00", "20:00:00")
    assert first.record["maxcount"] == "2" and first.record["generationtype"] == "7"
    assert first.record["var1"] == "0" and first.record["name"] == "Клиент 0"
    assert all(call.window == ("09:00:00", "20:00:00") for call in dialer.calls)

    rejected = list(rig.service.rejections(rig.context, batch.id, 100, None).items)
    by_index = {(r.index, r.reason) for r in rejected}
    assert {(5, RejectReason.INVALID_PHONE), (10, RejectReason.INVALID_PHONE)} <= by_index
    assert (11, RejectReason.DO_NOT_CALL) in by_index
    duplicate = next(r for r in rejected if r.index == 2400)
    assert duplicate.reason is RejectReason.DUPLICATE and duplicate.duplicate_of == {"page": 1, "index": 3}

    # Every message again (a redelivery of everything): nothing is sent twice, nothing counted twice.
    for number in range(3):
        assert rig.service.send(rig.context, batch.id, number).outcome == "done"
    rig.service.prepare(rig.context, batch.id, 1, 0)
    assert rig.service.batch(rig.context, batch.id) == done
    assert dialer.dialed_twice() == []


def test_campaign_created_at_night_sends_nothing_until_morning(rig: Rig, dialer: AvtodialerFake) -> None:
    rig.clock.now = NIGHT
    batch = rig.service.submit(rig.context, robot_spec(), numbers(1500), "night")

    def nothing_before_opening() -> None:
        if rig.clock.now < NEXT_OPENING:
            assert dialer.count("POST", r"/.*/make") == 0, "dialed at night"

    while rig.queue.now:
        rig.deliver(rig.queue.now.pop(0))
    waiting = rig.service.batch(rig.context, batch.id)
    assert waiting.status is BatchStatus.WAITING and waiting.next_window_at == NEXT_OPENING
    assert dialer.count("POST", r"/.*/make") == 0
    hops = rig.run(on_hop=nothing_before_opening)
    assert rig.clock.now >= NEXT_OPENING and hops >= (NEXT_OPENING - NIGHT) // 900_000
    assert rig.service.batch(rig.context, batch.id).counts.sent == 1500
    assert dialer.count("POST", r"/.*/make") == 2


def test_campaign_window_closing_mid_batch_stops_the_rest_until_the_next_day(
    rig: Rig, dialer: AvtodialerFake
) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), numbers(2000), "closing")
    while rig.queue.now and rig.queue.now[0]["step"] == "prepare":
        rig.deliver(rig.queue.now.pop(0))
    rig.deliver(rig.queue.now.pop(0))  # chunk 0 at 10:00
    rig.clock.now = int(dt.datetime(2026, 12, 1, 20, 0, tzinfo=MOSCOW).timestamp() * 1000)  # closed at 20:00
    rig.deliver(rig.queue.now.pop(0))
    assert rig.outcomes[-1].outcome == "waiting"
    assert dialer.count("POST", r"/.*/make") == 1
    rig.run()
    assert rig.clock.now >= NEXT_OPENING
    assert rig.service.batch(rig.context, batch.id).counts.sent == 2000


def test_campaign_number_listed_after_acceptance_is_not_sent(rig: Rig, dialer: AvtodialerFake) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), numbers(30), "late-dnc")
    while rig.queue.now and rig.queue.now[0]["step"] == "prepare":
        rig.deliver(rig.queue.now.pop(0))
    assert rig.service.batch(rig.context, batch.id).counts.accepted == 30
    wiring.do_not_call().add(rig.context, ru(4), "api:test", ListedBy.API)
    rig.run()
    done = rig.service.batch(rig.context, batch.id)
    assert done.counts.sent == 29 and done.counts.rejected == {"do_not_call_late": 1}
    assert "89220000004" not in dialer.dial_counts()["phone"]
    late = rig.service.rejections(rig.context, batch.id, 10, None).items
    assert [(r.index, r.reason) for r in late] == [(4, RejectReason.DO_NOT_CALL_LATE)]


def test_campaign_ambiguous_failure_is_uncertain_never_resent(rig: Rig, dialer: AvtodialerFake) -> None:
    # The dialer queues the chunk but answers after the client gave up (a read timeout): ambiguous.
    dialer.fail("slow", method="POST", path=r"/.*/make", delay=3.0)
    batch = rig.service.submit(rig.context, robot_spec(), numbers(10), "slow")
    rig.run()
    uncertain = rig.service.batch(rig.context, batch.id)
    assert uncertain.status is BatchStatus.ATTENTION and uncertain.chunks["uncertain"] == 1
    assert rig.service.send(rig.context, batch.id, 0).outcome == "done"  # a redelivery does nothing
    chunk = rig.service.mark_done(rig.context, batch.id, 0, by="operator")
    assert chunk.state is ChunkState.SENT
    assert rig.service.batch(rig.context, batch.id).status is BatchStatus.DONE
    assert dialer.dialed_twice() == []
    with pytest.raises(Conflict):
        rig.service.mark_done(rig.context, batch.id, 0)


def test_campaign_failure_proving_nothing_queued_is_retried(rig: Rig, dialer: AvtodialerFake) -> None:
    dialer.fail("status", method="POST", path=r"/.*/make", status=503, times=2)
    dialer.fail("status", method="POST", path=r"/.*/make", status=429, skip=0)
    batch = rig.service.submit(rig.context, robot_spec(), numbers(10), "busy")
    rig.run()
    assert [o.outcome for o in rig.outcomes] == ["retry", "retry", "retry", "sent"]
    assert rig.service.batch(rig.context, batch.id).counts.sent == 10
    assert set(dialer.dial_counts()["phone"].values()) == {1}


def test_campaign_5xx_with_a_body_is_uncertain_and_an_operator_resends(
    rig: Rig, dialer: AvtodialerFake
) -> None:
    dialer.fail("status", method="POST", path=r"/.*/make", status=500, body="oops")
    batch = rig.service.submit(rig.context, robot_spec(), numbers(10), "500")
    rig.run()
    assert rig.service.chunk(rig.context, batch.id, 0).state is ChunkState.UNCERTAIN
    rig.service.resend(rig.context, batch.id, 0, by="operator")
    rig.run()
    assert rig.service.batch(rig.context, batch.id).counts.sent == 10
    assert dialer.count("POST", r"/.*/make") == 2


def test_campaign_worker_killed_while_sending_leaves_the_chunk_uncertain(
    rig: Rig, dialer: AvtodialerFake
) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), numbers(10), "killed")
    while rig.queue.now and rig.queue.now[0]["step"] == "prepare":
        rig.deliver(rig.queue.now.pop(0))
    store = wiring.campaign_store()
    claimed = store.move_chunk(
        "globex", batch.id, 0, ("pending",), "sending", set_values={"lease_until": rig.clock.now + LEASE_MS}
    )
    assert claimed == "pending"  # a worker claimed it, then died before it recorded anything
    message = rig.queue.now.pop(0)
    rig.deliver(message)
    assert rig.outcomes[-1].outcome == "busy"  # its lease still runs: look again later
    rig.run()
    assert rig.service.chunk(rig.context, batch.id, 0).state is ChunkState.UNCERTAIN
    assert dialer.count("POST", r"/.*/make") == 0


def test_campaign_cancel_stops_what_is_not_sent(rig: Rig, dialer: AvtodialerFake) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), numbers(2500), "cancel")
    while rig.queue.now and rig.queue.now[0]["step"] == "prepare":
        rig.deliver(rig.queue.now.pop(0))
    rig.deliver(rig.queue.now.pop(0))
    cancelled = rig.service.cancel(rig.context, batch.id, by="operator")
    assert cancelled.status is BatchStatus.CANCELLED
    assert cancelled.chunks["sent"] == 1 and cancelled.chunks["cancelled"] == 2
    rig.run()
    assert dialer.count("POST", r"/.*/make") == 1
    with pytest.raises(Conflict):
        rig.service.add_page(rig.context, batch.id, 1, numbers(1))


def test_campaign_results_count_answered_and_not_answered_once(rig: Rig, dialer: AvtodialerFake) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), numbers(3), "results")
    rig.run()
    job = rig.service.chunk(rig.context, batch.id, 0).job_id
    assert job
    calls = wiring.call_service()
    sent = {call.phone: call for call in dialer.calls}
    first = sent["89220000000"]
    webhook = RobotCallResult(
        phone=ru(0),
        phone_raw=first.phone,
        received_at=now_ms(),
        duration_seconds=42,
        our_uuid=first.uuid,
        query_id=job,
    )
    calls.record_robot_call(rig.context, "x-0", webhook)
    calls.record_robot_call(rig.context, "x-0", webhook)  # delivered twice
    calls.record_dial_result(
        rig.context, DialResult(job_id=job, phone=ru(1), at=now_ms(), seconds=0, code="NOANSWER")
    )
    counts = rig.service.batch(rig.context, batch.id).counts
    assert (counts.answered, counts.not_answered) == (1, 1)
    # A later answered attempt of the same number turns its count over; a number of no batch changes nothing.
    calls.record_dial_result(
        rig.context, DialResult(job_id=job, phone=ru(1), at=now_ms(), seconds=12, code="ANSWER")
    )
    calls.record_dial_result(rig.context, DialResult(job_id="1", phone=ru(2), at=now_ms(), seconds=5))
    counts = rig.service.batch(rig.context, batch.id).counts
    assert (counts.answered, counts.not_answered) == (2, 0)
    assert calls.calls.get_call("globex", "x-0").status is CallStatus.ANSWERED  # type: ignore[union-attr]


def test_campaign_pages_are_idempotent_and_start_the_batch_when_all_are_in(rig: Rig) -> None:
    batch = rig.service.submit(rig.context, robot_spec(pages=2), numbers(1200), "pages")
    assert batch.status is BatchStatus.RECEIVING and batch.pages_received == 1
    assert rig.queue.now == []
    again = rig.service.submit(rig.context, robot_spec(pages=2), numbers(1200), "pages")
    assert again.id == batch.id and again.counts.received == 1200
    with pytest.raises(Conflict) as refused:
        rig.service.submit(rig.context, robot_spec(pages=2), numbers(5), "pages")
    assert refused.value.code == "idempotency_key_reused"
    with pytest.raises(Conflict):
        rig.service.add_page(rig.context, batch.id, 1, numbers(3))
    with pytest.raises(BadRequest):
        rig.service.add_page(rig.context, batch.id, 3, numbers(3))
    second = rig.service.add_page(rig.context, batch.id, 2, numbers(800, start=1200))
    assert second.status is BatchStatus.PREPARING and second.counts.received == 2000
    rig.service.add_page(rig.context, batch.id, 2, numbers(800, start=1200))  # a retried page
    rig.run()
    done = rig.service.batch(rig.context, batch.id)
    assert done.counts.accepted == done.counts.sent == 2000 and done.chunks_total == 2


def test_campaign_one_record_uses_newcall(rig: Rig, dialer: AvtodialerFake) -> None:
    batch = rig.service.submit(rig.context, robot_spec(), [{"phone": ru(1), "name": "Пётр"}], "one")
    rig.run()
    assert dialer.count("POST", r"/.*/newcall") == 1 and dialer.count("POST", r"/.*/make") == 0
    assert dialer.calls[0].window == ("09:00", "20:00")
    assert rig.service.chunk(rig.context, batch.id, 0).report["operation"] == "newcall"  # type: ignore[index]


def test_campaign_to_a_call_list_pushes_each_contact_once(
    rig: Rig, seeded: Seeded, call_list: ObzvonilkaFake
) -> None:
    contact = Contact(
        id="c-1",
        tenant="globex",
        name="Ирина",
        phones=[ContactPhone(e164=ru(500), raw="89220000500")],
        created_at=1,
        updated_at=1,
    )
    seeded.contact_store.create(contact)
    records = [*numbers(149), {"contact_id": "c-1"}]
    spec = BatchSpec(provider=Provider.OBZVONILKA, window=DialWindow(), base_id="1")
    batch = rig.service.submit(rig.context, spec, records, "list")
    rig.run()
    done = rig.service.batch(rig.context, batch.id)
    assert done.counts.sent == 150 and done.chunks_total == 2
    pushed = call_list.push_counts()["1"]
    assert pushed["c-1"] == 1 and pushed[ru(0)] == 1 and set(pushed.values()) == {1}
    # A chunk pushed again (an operator's resend after a failure): found by external code, not added.
    wiring.campaign_store().move_chunk("globex", batch.id, 0, ("sent",), "failed")
    rig.service.resend(rig.context, batch.id, 0)
    rig.run()
    assert set(call_list.push_counts()["1"].values()) == {1}


def test_campaign_from_a_contact_filter(rig: Rig, seeded: Seeded, dialer: AvtodialerFake) -> None:
    for n in range(3):
        seeded.contact_store.create(
            Contact(
                id=f"lead-{n}",
                tenant="globex",
                type="lead",
                name=f"Лид {n}",
                phones=[ContactPhone(e164=ru(700 + n), raw=ru(700 + n))],
                created_at=1,
                updated_at=1,
            )
        )
    seeded.contact_store.create(
        Contact(id="no-phone", tenant="globex", type="lead", name="Без номера", created_at=1, updated_at=1)
    )
    spec = robot_spec(contact_filter=ContactFilter(contact_type="lead"))
    batch = rig.service.submit(rig.context, spec, [], "filter")
    rig.run()
    done = rig.service.batch(rig.context, batch.id)
    assert done.counts.received == 4 and done.counts.sent == 3
    assert done.counts.rejected == {"contact_without_phone": 1}
    assert {call.record["name"] for call in dialer.calls} == {"Лид 0", "Лид 1", "Лид 2"}


def test_campaign_contact_filter_takes_the_first_batch_full_in_pages(
    rig: Rig, seeded: Seeded, dialer: AvtodialerFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hub.domain.campaigns as campaigns

    monkeypatch.setattr(campaigns, "MAX_BATCH_RECORDS", 20)
    monkeypatch.setattr(campaigns, "MAX_PAGE_RECORDS", 10)
    monkeypatch.setattr(campaigns, "CONTACT_PAGE", 7)
    for n in range(25):
        seeded.contact_store.create(
            Contact(
                id=f"lead-{n:02d}",
                tenant="globex",
                type="lead",
                name=f"Лид {n:02d}",
                phones=[ContactPhone(e164=ru(800 + n), raw=ru(800 + n))],
                created_at=1,
                updated_at=1,
            )
        )
    batch = rig.service.submit(
        rig.context, robot_spec(contact_filter=ContactFilter(contact_type="lead")), [], "cap"
    )
    rig.run()
    done = rig.service.batch(rig.context, batch.id)
    assert (done.pages, done.pages_received, done.counts.received, done.counts.sent) == (2, 2, 20, 20)
    assert len(dialer.dial_counts()["phone"]) == 20
