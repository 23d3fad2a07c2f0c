"""Low-level DynamoDB plumbing shared by the stores: client, (de)serialization, error translation.

The low-level client is used rather than `boto3.resource`: it is cheaper at cold start, and the
lookup answers while a phone rings.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from hub.errors import BadRequest, Conflict, Unavailable
from hub.ports import Page

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
# Retry jitter from the OS, not `random`'s state: SnapStart restores every environment from one
# snapshot, and a shared seed would make their retries collide again in step.
_jitter = random.SystemRandom()
# What botocore raises when the service never answered: refused, reset, timed out (its retries spent).
_UNREACHABLE = (BotocoreConnectionError, HTTPClientError)
_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


@cache
def default_client() -> Any:
    """One client per process; the endpoint comes from AWS_ENDPOINT_URL when set (local runs)."""
    client = boto3.client("dynamodb", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    return throttling_as_unavailable(client)


def throttling_as_unavailable(client: Any) -> Any:
    """Make every call of `client` raise Unavailable (a 503 with Retry-After) once botocore's own retries
    of a throttled request, a timeout or a lost connection are spent, so no store call can let one out
    as a 500, wrapped in `translated_errors` or not. Registered once per client; other failure codes
    are left alone."""
    events = getattr(getattr(client, "meta", None), "events", None)
    if events is not None:
        events.register("after-call.dynamodb", _raise_when_throttled, unique_id="hub-throttling-as-503")
        events.register("after-call-error", _raise_when_unreachable, unique_id="hub-unreachable-as-503")
    return client


def _raise_when_unreachable(exception: Exception, **_: Any) -> None:
    """botocore emits this with the request's own failure (a timeout, a refused or reset connection)."""
    if isinstance(exception, _UNREACHABLE):
        raise Unavailable("storage did not answer, retry shortly") from exception


def _raise_when_throttled(http_response: Any, parsed: Mapping[str, Any], **_: Any) -> None:
    failed = getattr(http_response, "status_code", 200) >= 300
    if failed and parsed.get("Error", {}).get("Code") in _THROTTLED:
        raise Unavailable("storage is busy, retry shortly")


class DynamoStore:
    """A store over one table, with its client injected (tests) or made on first use (functions)."""

    def __init__(self, table_name: str, client: Any = None) -> None:
        self.table = table_name
        self._client = throttling_as_unavailable(client) if client is not None else None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = default_client()
        return self._client

    def get_item(
        self, pk: str, sk: str, *, consistent: bool = False, table: str | None = None
    ) -> dict[str, Any] | None:
        """One item as a plain dict, or None. Strongly consistent where a read-modify-write needs it."""
        with translated_errors():
            response = self.client.get_item(
                TableName=table or self.table, Key=to_item({"pk": pk, "sk": sk}), ConsistentRead=consistent
            )
        item = response.get("Item")
        return from_item(item) if item else None

    def get_items(self, keys: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Items by (pk, sk) as plain dicts, in BatchGetItem calls of 100 (repeats asked once, unprocessed
        keys asked again); missing ones are left out, and the order is DynamoDB's."""
        unique = list(dict.fromkeys(keys))
        items: list[dict[str, Any]] = []
        for start in range(0, len(unique), 100):
            batch = [to_item({"pk": pk, "sk": sk}) for pk, sk in unique[start : start + 100]]
            pending: dict[str, Any] = {self.table: {"Keys": batch}}
            while pending:
                with translated_errors():
                    response = self.client.batch_get_item(RequestItems=pending)
                items += [from_item(item) for item in response.get("Responses", {}).get(self.table, [])]
                pending = response.get("UnprocessedKeys") or {}
        return items

    def batch_put(self, requests: list[dict[str, Any]]) -> None:
        """PutRequests in BatchWriteItem calls of 25 (its limit; 16 MB a call), unprocessed ones sent
        again until none is left."""
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.table: requests[start : start + 25]}
            while pending:
                with translated_errors():
                    pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def query_page(
        self, key_names: tuple[str, ...], limit: int, start: dict[str, str] | None, **query: Any
    ) -> Page[dict[str, Any]]:
        """Up to `limit` items of a Query from `start`. While a FilterExpression thins DynamoDB's pages
        out, further pages are read (at most MAX_PAGE_READS); the next start is the key of the last
        item returned, so trimming a page loses nothing."""
        if start is not None and set(start) != set(key_names):
            raise BadRequest("the cursor does not belong to this list", code="invalid_cursor")
        items: list[dict[str, Any]] = []
        exclusive = to_item(start) if start else None
        for _ in range(MAX_PAGE_READS):
            request = {"TableName": self.table, **query, "Limit": limit}
            if exclusive:
                request["ExclusiveStartKey"] = exclusive
            with translated_errors():
                response = self.client.query(**request)
            items.extend(from_item(item) for item in response["Items"])
            exclusive = response.get("LastEvaluatedKey")
            if len(items) >= limit or not exclusive:
                break
        trimmed = len(items) > limit
        items = items[:limit]
        next_start: dict[str, str] | None = None
        if trimmed or (exclusive and len(items) == limit):
            next_start = {name: str(items[-1][name]) for name in key_names}
        elif exclusive:
            next_start = {name: str(value) for name, value in from_item(exclusive).items()}
        return Page(items=items, next_start=next_start)


# How many Query requests one page may take when a filter drops most items.
MAX_PAGE_READS = 5


def versioned_put(table: str, item: dict[str, Any], expected_version: int | None) -> dict[str, Any]:
    """A transaction Put that only lands on the version it was read at (None: only if it is new)."""
    put: dict[str, Any] = {"TableName": table, "Item": to_item(item)}
    if expected_version is None:
        put["ConditionExpression"] = "attribute_not_exists(pk)"
    else:
        put["ConditionExpression"] = "version = :expected"
        put["ExpressionAttributeValues"] = {":expected": to_value(expected_version)}
    return {"Put": put}


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """Serialize a plain dict, leaving out None values (DynamoDB has no use for them)."""
    return {key: _serializer.serialize(value) for key, value in data.items() if value is not None}


def to_value(value: Any) -> dict[str, Any]:
    return _serializer.serialize(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set):
        return [_plain(inner) for inner in value]
    return value


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in item.items()}


@contextmanager
def translated_errors(conflict_message: str = "the record changed or already exists") -> Iterator[None]:
    """Turn DynamoDB's failure codes into domain errors, so handlers map them in one place."""
    try:
        yield
    except _UNREACHABLE as exc:
        raise Unavailable("storage did not answer, retry shortly") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _THROTTLED:
            raise Unavailable("storage is busy, retry shortly") from exc
        if code == "ConditionalCheckFailedException":
            raise Conflict(conflict_message) from exc
        if code == "TransactionCanceledException":
            reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
            if any(reason in _THROTTLED for reason in reasons):
                raise Unavailable("storage is busy, retry shortly") from exc
            raise Conflict(conflict_message, details={"reasons": reasons}) from exc
        raise


def _only_transaction_conflicts(exc: ClientError) -> bool:
    """True when a cancelled transaction lost a race with another one and no condition failed."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return False
    reasons = {r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])}
    return "TransactionConflict" in reasons and reasons <= {"TransactionConflict", "None"}


def transact_write(
    client: Any, items: list[dict[str, Any]], conflict_message: str, attempts: int = 4
) -> None:
    """TransactWriteItems, retried when it only collided with a concurrent transaction (nothing was
    written then, so a retry is safe): two contacts saved at once on one number both land."""
    for attempt in range(1, attempts + 1):
        try:
            client.transact_write_items(TransactItems=items)
            return
        except ClientError as exc:
            if attempt < attempts and _only_transaction_conflicts(exc):
                time.sleep(_jitter.uniform(0, 0.02 * 2**attempt))
                continue
            with translated_errors(conflict_message):
                raise
