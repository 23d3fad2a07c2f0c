"""What every benchmark counts and times, one way for all of them.

Counts come from a botocore `provide-client-params` handler registered for every client (calls, and
the items in each BatchWriteItem, TransactWriteItems, BatchGetItem and SendMessageBatch). Where the
time goes is CPU time (time.thread_time: other processes' load does not count): inside moto's
request dispatch (BotocoreStubber.process_request; moto's share), inside the boto3 clients' calls
around it (BaseClient._make_api_call: botocore's share), and the rest; the vendor's is the wall time
in requests.Session.send (moto's `responses` patch replaces HTTPAdapter.send). `stored_bytes` sizes
what the mocked tables hold as DynamoDB bills it (attribute names and values, `Item.size`).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import botocore.client
import botocore.handlers
import requests
from figures import Figures
from moto.core.botocore_stubber import BotocoreStubber

from hubtools.moto_atomic import (
    make_moto_item_sizes_cheap,
    make_moto_requests_atomic,
    make_moto_responses_cheap,
    make_moto_transactions_cheap,
)

DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


@dataclass
class Tally:
    """AWS calls and the items they carry, time inside moto and inside the vendor's HTTP."""

    calls: Counter[str] = field(default_factory=Counter)  # "dynamodb.PutItem" -> calls
    items: Counter[str] = field(default_factory=Counter)  # items written / read / messages sent, by call
    moto_s: Counter[str] = field(default_factory=Counter)  # service -> CPU seconds inside moto
    moto_op_s: Counter[str] = field(default_factory=Counter)  # "dynamodb.Query" -> CPU seconds inside moto
    client_s: float = 0.0  # CPU seconds inside boto3 clients' calls (botocore's work and moto's)
    vendor_s: float = 0.0
    vendor_calls: int = 0
    refused: int = 0  # writes a condition refused (ConditionalCheckFailed, TransactionCanceled)

    def dynamodb_writes(self) -> tuple[int, int]:
        """Write calls, and item writes (each item of a batch or a transaction counted)."""
        calls = sum(self.calls[f"dynamodb.{op}"] for op in DYNAMODB_WRITES)
        items = sum(self.items[f"dynamodb.{op}"] for op in DYNAMODB_WRITES)
        return calls, items

    def dynamodb_reads(self) -> int:
        """Read calls (GetItem, BatchGetItem, Query and Scan pages)."""
        return sum(
            n
            for name, n in self.calls.items()
            if name.startswith("dynamodb.") and name.removeprefix("dynamodb.") not in DYNAMODB_WRITES
        )

    def dynamodb_requests(self) -> int:
        """Every DynamoDB call, reads and writes."""
        return sum(n for name, n in self.calls.items() if name.startswith("dynamodb."))

    def sqs_sent(self) -> tuple[int, int]:
        """Send calls, and messages sent."""
        ops = ("sqs.SendMessage", "sqs.SendMessageBatch")
        return sum(self.calls[op] for op in ops), sum(self.items[op] for op in ops)

    def moto_total_s(self) -> float:
        return sum(self.moto_s.values())


class Instruments:
    """Installed once, before any boto3 session exists: every client then carries the counting handler
    (botocore copies BUILTIN_HANDLERS into each new session), and moto's dispatch and requests'
    adapter are wrapped to time what happens inside them. `tally` is swapped per measurement."""

    def __init__(self) -> None:
        self.tally = Tally()
        self.installed = False

    def install(self) -> None:
        if self.installed:
            return
        self.installed = True
        botocore.handlers.BUILTIN_HANDLERS.append(("provide-client-params", self._count))
        botocore.handlers.BUILTIN_HANDLERS.append(("after-call", self._answered))
        original_dispatch = BotocoreStubber.process_request
        original_call = botocore.client.BaseClient._make_api_call
        original_send = requests.Session.send
        instruments = self

        def process_request(stubber: BotocoreStubber, request: Any) -> Any:
            started = time.thread_time()
            try:
                return original_dispatch(stubber, request)
            finally:
                seconds = time.thread_time() - started
                service = request.url.split("//", 1)[-1].split(".", 1)[0]
                target = request.headers.get("X-Amz-Target") or b""
                target = target.decode() if isinstance(target, bytes) else target
                instruments.tally.moto_s[service] += seconds
                instruments.tally.moto_op_s[f"{service}.{target.rpartition('.')[2]}"] += seconds

        def send(session: requests.Session, request: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original_send(session, request, **kwargs)
            finally:
                instruments.tally.vendor_s += time.perf_counter() - started
                instruments.tally.vendor_calls += 1

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            started = time.thread_time()
            try:
                return original_call(client, operation, params)
            finally:
                instruments.tally.client_s += time.thread_time() - started

        BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
        botocore.client.BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
        requests.Session.send = send  # type: ignore[method-assign]

    def _count(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        name = f"{model.service_model.endpoint_prefix}.{model.name}"
        self.tally.calls[name] += 1
        if model.name == "BatchWriteItem":
            self.tally.items[name] += sum(len(v) for v in params.get("RequestItems", {}).values())
        elif model.name == "BatchGetItem":
            self.tally.items[name] += sum(
                len(v.get("Keys", [])) for v in params.get("RequestItems", {}).values()
            )
        elif model.name == "TransactWriteItems":
            self.tally.items[name] += len(params.get("TransactItems", []))
        elif model.name == "SendMessageBatch":
            self.tally.items[name] += len(params.get("Entries", []))
        else:
            self.tally.items[name] += 1

    def _answered(self, parsed: dict[str, Any], **_: Any) -> None:
        code = parsed.get("Error", {}).get("Code", "")
        if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            self.tally.refused += 1

    @contextmanager
    def measuring(self) -> Iterator[Tally]:
        self.tally = tally = Tally()
        try:
            yield tally
        finally:
            self.tally = Tally()


INSTRUMENTS = Instruments()


# What the benchmarks change in moto, by default: only moto's own costs, none of DynamoDB's answers.
MOTO_PATCHES = {
    "transactions back up only the items they name": make_moto_transactions_cheap,
    "Query sizes each string once": make_moto_item_sizes_cheap,
    "item operations' JSON read and written directly": make_moto_responses_cheap,
}


def patch_moto(as_is: bool = False) -> list[str]:
    """moto's requests serialized (AWS's per-request atomicity: the import's threads need it), and
    unless `as_is`, moto's costs that grow with the data or dwarf the hub's own cut
    (hubtools.moto_atomic); the names of those applied, for the report."""
    make_moto_requests_atomic()
    if as_is:
        return []
    for patch in MOTO_PATCHES.values():
        patch()
    return list(MOTO_PATCHES)


def stored_bytes(*table_names: str) -> int:
    """The bytes the mocked tables hold (every table when none is named), items sized as DynamoDB
    bills storage (attribute names and values; the 100 bytes of index overhead per item not counted)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    total = 0
    for backend in dynamodb_backends[DEFAULT_ACCOUNT_ID].values():
        for name, table in backend.tables.items():
            if not table_names or name in table_names:
                total += sum(item.size() for item in table.all_items())
    return total


def parse_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The script's own arguments and every benchmark's two: --moto-as-is and --json."""
    parser.add_argument(
        "--moto-as-is",
        action="store_true",
        help="without the benchmarks' cuts of moto's costs (instruments.py)",
    )
    parser.add_argument("--json", help="write the figures to this file (benchmarks/report.py reads it)")
    return parser.parse_args()


def begin(name: str, args: argparse.Namespace) -> Figures:
    """A run's figures, with the counters installed and moto's cuts applied unless --moto-as-is."""
    figures = Figures(name, vars(args))
    INSTRUMENTS.install()
    figures.moto_patches = patch_moto(args.moto_as_is)
    return figures
