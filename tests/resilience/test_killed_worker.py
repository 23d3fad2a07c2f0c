"""A worker killed in the middle of an SQS batch: the import worker, handed a batch of five chunk
messages by the runner's poller (the template's BatchSize), is SIGKILLed once two of its chunks are
recorded and the third is being applied. Lambda's poller hears no answer, so no message of the batch
is deleted: all five come back after the queue's visibility timeout. That redelivery is killed too,
once it has recorded a third chunk; the next one completes the job. Nothing may be applied twice:
recorded chunks are skipped, a cut one replays its rows onto the contacts they already made (a
row's contact id derives from the job and the row), and the job's counts add each chunk once.

The queue's visibility timeout is cut to a few seconds for the test (the template's 18 minutes would
only make it wait): the same SQS mechanism, sooner. Each job is one batch and one kill; one job at
scale 1, one more for every 3 of `RESILIENCE_SCALE` (a 500-row import takes a minute or two on
moto on a loaded machine).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from hub.domain.imports import CHUNK_ROWS
from hubtools.local.demo import seed_demo
from hubtools.local.lambdas import Worker
from hubtools.local.runner import LocalHub
from tests.resilience.conftest import Ledger, scale
from tests.resilience.local_hub import ANSWER_TIMEOUT_S, all_pages, local_hub, wait_until

FUNCTION = "ImportWorkerFunction"
BATCH = 5  # the ImportQueue event source's BatchSize in template.yaml
KILL_AT_CHUNKS_DONE = (2, 3)  # the batch killed, and its first redelivery killed again
REDELIVERY_S = 5  # the ImportQueue's visibility timeout for this test (template.yaml: 1080 s)
SLUG = "killed"
JOBS = 1 + (scale() - 1) // 3


@pytest.fixture(scope="module")
def killed_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    with local_hub("killed", tmp_path_factory.mktemp("killed-worker-logs")) as running:
        (poller,) = [p for p in running.pollers if p.source.function == FUNCTION]
        assert poller.source.batch_size == BATCH and poller.source.report_failures
        running.aws.client("sqs").set_queue_attributes(
            QueueUrl=poller.source.queue_url, Attributes={"VisibilityTimeout": str(REDELIVERY_S)}
        )
        yield running


def busy_workers(hub: LocalHub) -> list[Worker]:
    """The function's workers in the middle of an invocation (the runner's pool, read under its lock)."""
    pool = hub.lambdas.pools[FUNCTION]
    with pool._lock:  # noqa: SLF001 - the test reaches into the runner to kill a worker, as Lambda's host would
        return [worker for worker in pool._all if worker not in pool._idle and worker.alive()]  # noqa: SLF001


def test_killed_worker_mid_batch_redelivery_finishes_the_import_applying_nothing_twice(
    killed_hub: LocalHub, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    hub = killed_hub
    demo = seed_demo(hub.aws, hub.template, hub.api_url, slug=SLUG)
    session = requests.Session()
    session.headers["X-API-Key"] = demo["tenant"]["api_key"]
    before = len(all_pages(session, f"{hub.api_url}/api/v1/contacts"))
    rows_per_job = BATCH * CHUNK_ROWS
    kills: list[tuple[int, float]] = []  # chunks recorded at the last kill, seconds from it to done
    jobs = []
    for job_no in range(JOBS):
        rows = [
            {"name": f"Killed {job_no}-{i}", "phones": [{"number": f"+38063{job_no:02d}{i:05d}"}]}
            for i in range(rows_per_job)
        ]
        accepted = session.post(
            f"{hub.api_url}/api/v1/contacts/import",
            json={"rows": rows},
            headers={"Idempotency-Key": f"killed-{job_no}"},
            timeout=ANSWER_TIMEOUT_S,
        )
        assert accepted.status_code == 202, accepted.text
        status_url = hub.api_url + accepted.json()["status_url"]

        def job() -> dict[str, Any]:
            return session.get(status_url, timeout=ANSWER_TIMEOUT_S).json()  # noqa: B023 - read at once, in this loop

        # The planner's message first, then the five chunks' messages in one batch: kill the worker
        # once two chunks are recorded (the third is under way); then kill the batch's redelivery
        # too, once it has recorded one chunk more (the second delivery skipped the first two).
        killed_at = 0.0
        for kill_at in KILL_AT_CHUNKS_DONE:
            wait_until(lambda n=kill_at: job()["chunks_done"] >= n, f"{kill_at} chunks recorded", 600, 0.1)
            wait_until(lambda: bool(busy_workers(hub)), "the worker on its batch", 60, 0.05)
            (worker,) = busy_workers(hub)
            worker.process.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            worker.process.wait(10)
            seen = job()
            assert worker.process.returncode == -signal.SIGKILL
            assert seen["chunks"] == BATCH and kill_at <= seen["chunks_done"] < BATCH, seen
        wait_until(lambda: job()["status"] == "done", "the redelivered batch to finish the job", 600, 0.5)
        done_after = time.monotonic() - killed_at
        assert done_after >= REDELIVERY_S - 1, "finished before the batch could come back: never killed?"
        kills.append((seen["chunks_done"], round(done_after, 1)))
        jobs.append(job())

    contacts = all_pages(session, f"{hub.api_url}/api/v1/contacts")
    phones = Counter(
        phone["e164"]
        for contact in contacts
        for phone in contact["phones"]
        if contact["name"].startswith("Killed")
    )
    expected = {f"+38063{job_no:02d}{i:05d}" for job_no in range(JOBS) for i in range(rows_per_job)}
    ledger.tried(len(expected))
    ledger.lost(len(expected - set(phones)))
    ledger.duplicated(sum(n - 1 for n in phones.values()))  # each contact made of a row has its number
    with capsys.disabled():  # the report shows without -s; the rest stays captured
        print(
            f"\nkilled worker: {len(jobs)} import jobs of {rows_per_job} rows in batches of {BATCH} chunks, "
            f"each killed twice; (chunks recorded at the second kill, seconds to done) {kills}"
        )
    assert set(phones) == expected and set(phones.values()) == {1}
    assert len(contacts) == before + len(expected)
    for done in jobs:
        counts = (done["status"], done["chunks_done"], done["created"], done["updated"], done["failed"])
        assert counts == ("done", BATCH, rows_per_job, 0, 0), done
