"""The campaign fault test's machinery (issue 14, item 7; test_vendor_faults.py runs it): a batch
of many chunks sent while the Avtodialer fake times out on about 10% of `make` requests and
answers 5xx on about 5%, and the dial worker's process is killed once mid-send. Nobody may reach
the dialer twice, and every chunk must end sent, uncertain or failed: none lost, none stuck in
`sending`.

Storage is moto: in this process for the test's own calls, and through moto's server (a thread
here, on loopback) for the worker's process, both on the same backends. The dialer is the fake on
loopback. The test drives the CampaignService itself, as the Rig of
tests/integration/test_campaigns.py does (an injected clock and the dial queue kept in the test, so
a retry's delay or SQS's visibility timeout passes in no time), except for one chunk: that one is
sent by the dial worker's real handler in a Lambda worker process (hubtools.local.lambdas), which is
SIGKILLed while the fake holds its `make`: after the request reached the dialer, before the answer
was recorded. The fake then queues those records anyway, the worst case: the dialer has them and
the hub never heard. The message comes back after the queue's visibility timeout (the lease long
gone) and finds the chunk uncertain.

Faults are drawn from seeded generators in the order requests arrive, and requests are sequential,
so every run faults the same requests. `CAMPAIGN_FAULT_CHUNKS` sets the size (chunks of 1000
records; 40 by default, as `make test` runs it; `make resilience` runs 100: a full batch of 100,000).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

from hub import wiring
from hub.domain.campaigns import CHUNK_RECORDS, BatchSpec, CampaignService
from hub.domain.tenants import TenantContext, create_tenant
from hub.ids import now_ms
from hub.models.campaign import (
    MAX_BATCH_RECORDS,
    MAX_PAGE_RECORDS,
    BatchStatus,
    ChunkState,
    DialChunk,
    DialWindow,
    Provider,
)
from hub.models.tenant import Tenant, Vendor, credentials_for
from hub.vendors.accounts import WORKER_POLICY
from hubtools.fakes import AvtodialerFake
from hubtools.fakes.base import Hit
from hubtools.local.lambdas import InvocationError, Worker, function_specs
from hubtools.template import TEMPLATE_PATH, Template
from tests.integration.test_campaigns import Clock, Queue, campaign_service
from tests.integration.test_dial_batches_api import ALL_WEEK, midday_zone
from tests.resilience import local_hub

CHUNKS = int(os.environ.get("CAMPAIGN_FAULT_CHUNKS", "40"))
RECORDS = CHUNKS * CHUNK_RECORDS[Provider.AVTODIALER]
SLUG = "faults"
MAKE = r"/[^/]+/make"
# The test's own client: the dial worker's retries (the transport must never resend a `make`), a
# read timeout far above what a 1000-record `make` takes on a loaded machine, so only the `slow`
# faults outlast it, and no backoff.
POLICY = replace(WORKER_POLICY, read_timeout=5.0, backoff_factor=0)
SLOW_S = 6.0  # a `slow` fault answers after the read timeout: queued, never heard
HELD_S = 0.5  # a `timeout` fault holds the request this long, then closes it unprocessed
# The killed worker's client (the worker policy) reads for 10 s: the fake holds its request less,
# so only the kill keeps its answer from being recorded (asserted: the chunk is still `sending`).
KILL_HOLD_S = 8.0
VISIBILITY_TIMEOUT_S = 1800  # DialQueue's, in template.yaml: when SQS delivers the message again
WAIT_S = 120.0  # generous: a loaded 2-core machine

# Shares of `make` requests. Faults are tried in this order, each drawing at the rate that makes its
# share of all requests the one named (a request struck by one is not drawn for the next).
SHARES = (
    ("slow", 0.05, {"kind": "slow", "delay": SLOW_S}),
    ("timeout", 0.05, {"kind": "timeout", "delay": HELD_S}),
    ("502 with a body", 0.025, {"kind": "status", "status": 502, "body": '{"error": "bad gateway"}'}),
    ("503 without a body", 0.025, {"kind": "status", "status": 503, "body": ""}),
    # Not in the list: a refusal, so that `failed` chunks exist and are seen never queued.
    ("400 refused", 0.01, {"kind": "status", "status": 400, "body": '{"error": "bad request"}'}),
)
FAULT_NAMES = (*(name for name, _, _ in SHARES), "killed")
AMBIGUOUS = {"slow", "timeout", "502 with a body", "killed"}  # may have been queued: uncertain
UNQUEUED = {"503 without a body"}  # proves nothing was queued: retried
REFUSED = {"400 refused"}


def install_faults(dialer: AvtodialerFake, seed: int) -> None:
    left = 1.0
    for offset, (_, share, spec) in enumerate(SHARES):
        dialer.fail(method="POST", path=MAKE, times=10**6, rate=share / left, seed=seed + offset, **spec)
        left -= share


def label(hit: Hit, killed_seq: int | None) -> str:
    """What a `make` request met, in the test's words."""
    if hit.seq == killed_seq:
        return "killed"
    if hit.fault in ("slow", "timeout"):
        return hit.fault
    if hit.fault == "status":
        return next(name for name, _, spec in SHARES if spec.get("status") == hit.status)
    assert hit.fault is None and hit.status == 200, hit
    return "ok"


def uuids_of(hit: Hit) -> list[str]:
    return [str(record["UUID"]) for record in hit.body["query"]["data"]]


# the shared wait, polled often: the kill test waits for a hold of a few seconds
wait_until = partial(local_hub.wait_until, timeout=WAIT_S, every=0.02)


@dataclass
class Stage:
    dialer: AvtodialerFake
    context: TenantContext
    service: CampaignService
    queue: Queue
    clock: Clock
    worker: Worker


@contextmanager
def open_stage(template: Template, tmp_path: Path) -> Iterator[Stage]:
    """The stage on the template's tables in this process's moto (the `tables` fixture's): the test's
    own calls go to it directly; the worker's process reaches the same backends through moto's
    server in a thread here (moto's state is process-global)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        spec = function_specs(template, TEMPLATE_PATH.parent)["DialWorkerFunction"]
        worker = Worker(spec, {"AWS_ENDPOINT_URL": f"http://{host}:{port}"}, log_dir=tmp_path)
        tenants = wiring.tenant_store()
        create_tenant(tenants, Tenant(slug=SLUG, name="Faults", default_country="RU", timezone=midday_zone()))
        with AvtodialerFake() as dialer:
            fields = {"base_url": dialer.url, "api_key": dialer.api_key, "access_token": dialer.access_token}
            wiring.vendor_secrets().put(SLUG, Vendor.AVTODIALER, credentials_for(Vendor.AVTODIALER, fields))
            tenants.put_credentials(SLUG, Vendor.AVTODIALER, now_ms())
            queue, clock = Queue(), Clock(now_ms())
            service = campaign_service(POLICY, queue, clock)
            context = wiring.tenant_directory().by_slug(SLUG)
            yield Stage(dialer, context, service, queue, clock, worker)
            worker.kill()
    finally:
        server.stop()


def deliver(stage: Stage, message: dict[str, Any]) -> None:
    service, context = stage.service, stage.context
    if message["step"] == "prepare":
        service.prepare(context, message["batch"], message["page"], message["slice"])
    else:
        service.send(context, message["batch"], message["chunk"])


@dataclass(frozen=True)
class Killed:
    chunk: int
    seq: int  # the killed worker's `make` in the fake's journal


def kill_mid_send(stage: Stage, message: dict[str, Any]) -> Killed:
    """Deliver `message` to the dial worker's process and SIGKILL it once its `make` is held by the
    fake; then let the fake finish that request (it queues the records). The killed request's hit."""
    before = stage.dialer.count("POST", MAKE)
    event = {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "faults",
                "body": json.dumps(message),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:dial",
                "awsRegion": "eu-central-1",
            }
        ]
    }
    outcome: list[BaseException | Any] = []

    def invoke() -> None:
        try:
            outcome.append(stage.worker.invoke(event, "killed"))
        except InvocationError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=invoke, daemon=True)
    thread.start()
    wait_until(lambda: stage.dialer.count("POST", MAKE) > before or bool(outcome), "the worker's make")
    log = stage.worker.log_path
    assert not outcome, (outcome, log.read_text() if log and log.exists() else "-")
    held = stage.dialer.hits("POST", MAKE)[before]
    # The fake journals a request before it takes its fault: on a loaded machine the test can look
    # in between, so it waits (briefly: the hold must not end before the kill) for the fault's mark.
    wait_until(lambda: held.fault is not None, "the fake to hold the worker's make", timeout=KILL_HOLD_S / 4)
    assert held.fault == "slow", (held.seq, held.fault, held.status)  # not the 1000 records
    stage.worker.process.kill()  # SIGKILL: no finally, no handler, no answer recorded
    thread.join(WAIT_S)
    assert stage.worker.process.returncode == -9
    assert isinstance(outcome[0], InvocationError) and outcome[0].kind == "Runtime.ExitError", outcome
    chunk = stage.service.chunk(stage.context, message["batch"], message["chunk"])
    assert chunk.state is ChunkState.SENDING  # claimed, sent, never recorded: the lease is all that is left
    wait_until(lambda: held.status is not None, "the fake to process the killed worker's make")
    return Killed(chunk=message["chunk"], seq=held.seq)


@dataclass(frozen=True)
class CampaignRun:
    """What a faulted batch left: its chunks, what each one's `make` requests met, each one's
    UUIDs, how often the dialer queued each UUID, the batch's view, and the killed request."""

    chunks: list[DialChunk]
    met: dict[int, list[str]]
    targets_of: dict[int, list[str]]
    counts: dict[str, int]
    view: Any
    killed: Killed
    deliveries: int
    seconds: float

    @property
    def duplicates(self) -> int:
        """Records the dialer queued more than once (each extra time counts)."""
        return sum(n - 1 for n in self.counts.values())

    @property
    def lost_records(self) -> int:
        """Records in no chunk, or in one left pending or sending: work the batch lost track of."""
        settled = sum(c.records for c in self.chunks if c.state.value in ("sent", "uncertain", "failed"))
        return RECORDS - settled


def run_campaign_faults(stage: Stage) -> CampaignRun:
    """Submit a batch of CHUNKS chunks and deliver its messages until none is left, the faults on
    and the dial worker's process killed once mid-send."""
    assert RECORDS <= MAX_BATCH_RECORDS, f"CAMPAIGN_FAULT_CHUNKS: a batch holds {MAX_BATCH_RECORDS} records"
    started = time.monotonic()
    service, context, dialer = stage.service, stage.context, stage.dialer
    records = [{"phone": f"+7922{n:07d}", "name": f"Клиент {n}"} for n in range(RECORDS)]
    pages = [records[i : i + MAX_PAGE_RECORDS] for i in range(0, RECORDS, MAX_PAGE_RECORDS)]
    spec = BatchSpec(
        provider=Provider.AVTODIALER,
        window=DialWindow.model_validate(ALL_WEEK),
        scenario="7",
        pages=len(pages),
    )
    batch = service.submit(context, spec, pages[0], "faults-1")
    for number, page in enumerate(pages[1:], start=2):
        service.add_page(context, batch.id, number, page)

    # The kill takes the `make` after this many: about half-way. Its own fault (held, then answered)
    # comes first; the shares' faults see the other requests.
    kill_after = CHUNKS // 2
    dialer.fail("slow", method="POST", path=MAKE, skip=kill_after, delay=KILL_HOLD_S)
    install_faults(dialer, seed=239)  # a seed whose draws strike every kind
    killed: Killed | None = None
    deliveries = 0
    while stage.queue.now or stage.queue.later:
        message = stage.queue.next(stage.clock)
        deliveries += 1
        assert deliveries < 20 * CHUNKS + 1000, "the batch never settled"
        if (
            killed is None
            and message["step"] == "send"
            and dialer.count("POST", MAKE) == kill_after
            and service.chunk(context, batch.id, message["chunk"]).state is ChunkState.PENDING
        ):
            killed = kill_mid_send(stage, message)
            stage.queue.send(message, VISIBILITY_TIMEOUT_S)  # unacknowledged: SQS delivers it again
            continue
        deliver(stage, message)
    assert killed is not None, "the worker was never killed"
    # Every `slow` request finishes at the fake (it queues its records) before the counting.
    wait_until(
        lambda: all(h.status is not None for h in dialer.hits("POST", MAKE) if h.fault == "slow"),
        "the slow requests to finish",
    )

    chunks, met, targets_of = histories(stage, batch.id, killed)
    counts = dialer.dial_counts()["uuid"]
    view = service.batch(context, batch.id)
    return CampaignRun(chunks, met, targets_of, counts, view, killed, deliveries, time.monotonic() - started)


def check_campaign_run(stage: Stage, run: CampaignRun) -> None:
    """Print what the faults did, then assert that nobody was dialed twice and every chunk ended
    sent, uncertain or failed, in agreement with what its requests met and the dialer queued."""
    chunks, met, targets_of, counts, view = run.chunks, run.met, run.targets_of, run.counts, run.view
    states = Counter(chunk.state.value for chunk in chunks)
    faults = Counter(name for names in met.values() for name in names)
    endings = Counter(f"{c.state.value} after {(met[c.number] or ['nothing'])[-1]}" for c in chunks)
    duplicates = run.duplicates
    requests = sum(faults.values())
    print(
        f"\ncampaign fault test: {RECORDS} records in {len(chunks)} chunks, {requests} make requests, "
        f"{run.deliveries} deliveries, {run.seconds:.1f} s"
    )
    print(
        "  faults injected: "
        + ", ".join(f"{name} {faults[name]} ({faults[name] / requests:.1%})" for name in FAULT_NAMES)
        + f"; answered ok {faults['ok']}"
    )
    print(f"  chunks by final state: {dict(sorted(states.items()))}")
    print(f"  chunks by final state and last answer: {dict(sorted(endings.items()))}")
    print(
        f"  records queued at the fake: {sum(counts.values())} for {len(counts)} UUIDs, "
        f"duplicates {duplicates}; batch: sent {view.counts.sent}, status {view.status.value}"
    )

    assert duplicates == 0 and stage.dialer.dialed_twice() == []
    assert len(chunks) == CHUNKS and sum(states.values()) == CHUNKS
    assert set(states) <= {"sent", "uncertain", "failed"}, states  # none pending, sending or lost
    for name in FAULT_NAMES:
        assert faults[name] >= 1, f"no {name} fault was injected: the test proves nothing about it"
    for chunk in chunks:
        check_chunk(chunk, met[chunk.number], {counts.get(t, 0) for t in targets_of[chunk.number]})
    assert met[run.killed.chunk] == ["killed"]  # its redelivery found it uncertain and sent nothing
    assert view.status is BatchStatus.ATTENTION and view.finished_at is None
    assert view.counts.sent == sum(c.records for c in chunks if c.state is ChunkState.SENT)
    assert view.chunks["pending"] == view.chunks["sending"] == 0


def histories(
    stage: Stage, batch_id: str, killed: Killed
) -> tuple[list[DialChunk], dict[int, list[str]], dict[int, list[str]]]:
    """The batch's chunks, what each one's `make` requests met (in order), and each one's UUIDs."""
    store = wiring.campaign_store()
    chunks: list[DialChunk] = []
    start = None
    while True:
        page = stage.service.chunks(stage.context, batch_id, 1000, start)
        chunks += page.items
        start = page.next_start
        if start is None:
            break
    targets_of = {c.number: [t["id"] for t in store.chunk_targets(SLUG, batch_id, c.number)] for c in chunks}
    chunk_of = {target: number for number, targets in targets_of.items() for target in targets}
    met: dict[int, list[str]] = {chunk.number: [] for chunk in chunks}
    for hit in stage.dialer.hits("POST", MAKE):
        numbers = {chunk_of[u] for u in uuids_of(hit)}
        assert len(numbers) == 1, "a make carries one chunk"
        met[numbers.pop()].append(label(hit, killed.seq))
    return chunks, met, targets_of


def check_chunk(chunk: DialChunk, history: list[str], queued: set[int]) -> None:
    """A chunk's end agrees with what its requests met, and with what the dialer queued of it."""
    assert history, f"chunk {chunk.number} never reached the dialer"
    *before, last = history
    assert set(before) <= UNQUEUED, (chunk.number, history)  # only a proven-unqueued failure is retried
    if chunk.state is ChunkState.SENT:
        assert last == "ok" and queued == {1}, (chunk.number, history, queued)
    elif chunk.state is ChunkState.UNCERTAIN:
        assert last in AMBIGUOUS, (chunk.number, history)
        # What the dialer really did: a `slow` or killed request was queued, the others were not.
        assert queued == ({1} if last in ("slow", "killed") else {0}), (chunk.number, history, queued)
    else:
        assert chunk.state is ChunkState.FAILED, chunk
        assert last in REFUSED or set(history) == UNQUEUED, (chunk.number, history)  # refused, or spent
        assert queued == {0}, (chunk.number, history)
