"""Per-request atomicity for moto, as DynamoDB and SQS have it.

moto keeps its backends in plain dicts without locks: threads racing on one table can lose an
update or crash with "dictionary changed size during iteration". That is moto's artifact, not
DynamoDB's, and it would hide what our conditional writes do under concurrency. Serializing moto's
request dispatch gives each request the atomicity AWS gives it, and nothing more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber

_lock = threading.RLock()


def make_moto_requests_atomic() -> None:
    """Patch in-process moto (mock_aws) so that each AWS request runs alone. Idempotent."""
    if getattr(BotocoreStubber, "_hub_atomic", False):
        return
    original = BotocoreStubber.process_request

    def process_request(self: BotocoreStubber, request: Any) -> Any:
        with _lock:
            return original(self, request)

    BotocoreStubber.process_request = process_request  # type: ignore[method-assign]
    BotocoreStubber._hub_atomic = True  # type: ignore[attr-defined]


def atomic_wsgi(app: Callable[..., Iterable[bytes]]) -> Callable[..., list[bytes]]:
    """The same for moto in server mode: one request at a time through the WSGI app."""

    def serialized(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with _lock:
            return list(app(environ, start_response))

    return serialized


def make_moto_transactions_cheap() -> None:
    """Patch moto so that a transaction backs up only the items it names. moto deep-copies every
    table a transaction names, once per operation, to roll back a cancelled one: seconds per
    transaction once a table holds a few thousand items (a 600-row import took minutes). A
    transaction can change only the items it names, so backing those up rolls back the same.
    Idempotent; use with make_moto_requests_atomic (the backup must not race another request)."""
    import copy
    from types import SimpleNamespace

    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    backend = models.DynamoDBBackend
    if getattr(backend, "_hub_cheap_transactions", False):
        return
    original = backend.transact_write_items
    # moto's own backup becomes a no-op (a table "copy" is the table); other deep copies stay real.
    models.copy = SimpleNamespace(  # type: ignore[assignment]
        deepcopy=lambda value, memo=None: value if isinstance(value, Table) else copy.deepcopy(value, memo),
        copy=copy.copy,
    )

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        named = [key for entry in transact_items if (key := _named_item(self.tables, entry))]
        saved = [(*key, copy.deepcopy(key[0].get_item(key[1], key[2]))) for key in named]
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                _restore(table, hash_key, range_key, item)
            raise

    backend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    backend._hub_cheap_transactions = True  # type: ignore[attr-defined]


def _named_item(tables: dict[str, Any], entry: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """The table, hash key and range key one operation of a transaction names (None: unclear)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    op = next(iter(entry.values()), None)
    table = tables.get(op.get("TableName")) if isinstance(op, dict) else None
    attrs = (op.get("Key") or op.get("Item") or {}) if table is not None else {}
    if table is None or table.hash_key_attr not in attrs:
        return None
    if table.range_key_attr and table.range_key_attr not in attrs:
        return None
    range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return table, DynamoType(attrs[table.hash_key_attr]), range_key


def _restore(table: Any, hash_key: Any, range_key: Any, item: Any) -> None:
    if item is None:
        table.delete_item(hash_key, range_key)
    elif range_key is None:
        table.items[hash_key] = item
    else:
        table.items[hash_key][range_key] = item


def make_moto_item_sizes_cheap() -> None:
    """Patch moto so that an attribute's size is computed once per string. moto's Query computes the
    size of every item of the partition (UTF-8 encoding each string attribute) before it checks the
    key condition, so a Query's cost grows with the bytes its partition holds, not with what it
    returns: ~80 ms per Query over 500 items of 100 KB (~30 ms with this), where DynamoDB reads only
    the matching items. Sizes depend only on the string, so caching them changes no answer. Idempotent."""
    import functools

    import moto.dynamodb.models.dynamo_type as dynamo_type

    if isinstance(dynamo_type.bytesize, functools._lru_cache_wrapper):
        return
    dynamo_type.bytesize = functools.lru_cache(maxsize=65_536)(dynamo_type.bytesize)  # type: ignore[assignment]


# DynamoDB's item operations: their answers are already wire-shaped in moto (AttributeValue maps,
# counts, consumed capacity), so JSON text of them is what the serializer would write.
_ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


def make_moto_responses_cheap() -> None:
    """Patch moto so that DynamoDB's item operations read their request with `json.loads` and answer
    with `json.dumps` of their result. moto 5.2 parses every request and writes every answer through
    a model-driven parser and serializer that walk the operation's shapes value by value (moto's CPU
    time per duplicate call event, a GetItem and a PutItem, went from 24 to 4 ms without them), where
    the request and the result already are the wire's JSON: the same values, without the walk.
    Requests that may hold binary values (which moto's parser decodes), errors and every other
    operation go the original way. Idempotent."""
    import base64
    import json

    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    if getattr(DynamoResult, "_hub_cheap_responses", False):
        return
    original = DynamoResult.execute_result

    def wire(value: Any) -> Any:
        if isinstance(value, bytes):  # B and BS values (moto keeps them raw for its serializer)
            return base64.b64encode(value).decode()
        raise TypeError(f"not JSON: {type(value).__name__}")

    def execute_result(self: DynamoResult, context: Any) -> Any:
        result = self.result
        if context.operation_model.name not in _ITEM_OPERATIONS or not isinstance(result, dict):
            return original(self, context)
        body = json.dumps({k: v for k, v in result.items() if v is not None}, default=wire)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    def parse_parameters(self: DynamoHandler, request: Any) -> None:
        data = request.data or b"{}"
        # moto's parser decodes binary values: a request that may hold one is parsed as before.
        if self._get_action() not in _ITEM_OPERATIONS or b'"B' in data:
            return original_parse(self, request)
        self.params = json.loads(data)

    original_parse = DynamoHandler.parse_parameters
    DynamoResult.execute_result = execute_result  # type: ignore[method-assign]
    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign]
    DynamoResult._hub_cheap_responses = True  # type: ignore[attr-defined]
