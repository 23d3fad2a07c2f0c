"""The local runner as the storm, vendor-fault and killed-worker parts of the suite start it: one per
module (a part may change its queues, and no other test's tenant sits beside its counts), rate
schedules off (the tests fire syncs themselves), the functions' log lines in files.

A Lambda worker gets longer than Lambda's 10 s init phase here: on a 2-core machine shared with
other test runs, importing a function's modules can take longer than that, and a worker killed in
its init only restarts the cold start that was too slow. What these parts test is the hub's
handling of duplicates, faults and kills, not its import time (`make bench` measures that).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from hubtools.local import lambdas
from hubtools.local.runner import LocalHub
from tests.e2e.test_sync_history_http import sync_once as e2e_sync_once

INIT_TIMEOUT_UNDER_LOAD_S = 60.0
# How long a test waits for one answer: a cold function's init and its invocation, on that machine.
ANSWER_TIMEOUT_S = 120.0


@contextmanager
def local_hub(stack_name: str, log_dir: Path, **options: Any) -> Iterator[LocalHub]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lambdas, "INIT_TIMEOUT_S", INIT_TIMEOUT_UNDER_LOAD_S)
        with LocalHub(
            api_port=0, aws_port=0, stack_name=stack_name, schedules=False, log_dir=log_dir, **options
        ) as running:
            yield running


def wait_until(done: Callable[[], bool], what: str, timeout: float = 120.0, every: float = 0.3) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(every)


def all_pages(session: requests.Session, url: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a REST API list, page after page."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = session.get(url, params={**params, "limit": 100, "cursor": cursor}, timeout=ANSWER_TIMEOUT_S)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json().get("next_cursor")
        if not cursor:
            return items


def sync_once(hub: LocalHub, session: requests.Session, source: str = "phonet_calls") -> dict[str, Any]:
    """tests/e2e's sync_once with this machine's waits."""
    return e2e_sync_once(hub, session, source, answer_timeout=ANSWER_TIMEOUT_S, wait=5 * ANSWER_TIMEOUT_S)
