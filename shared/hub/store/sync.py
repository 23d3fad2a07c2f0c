"""Sync cursors and the last run of each sync, in the tenants table (hub.ports.vendors.SyncCursors,
SyncRuns).

One item per tenant and source, `TENANT#{slug}` / `SYNC#{source}`: the cursor (`position`,
`version`, `cursor_at`), the last run's record (`last_run`) and a running run's lease
(`lease_until`, ms). Each is written by its own UpdateItem touching only its attributes, so
recording a run never moves a cursor; the
cursor's advance is conditional on the version it was read at (else Conflict). One Query on the
tenant's `SYNC#` section reads every source's state for the status page.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hub.errors import Conflict
from hub.ports.vendors import SyncCursor, SyncState
from hub.store.dynamo import DynamoStore, from_item, to_item, to_value, translated_errors
from hub.store.tenants import tenant_pk

PREFIX = "SYNC#"


def sync_sk(source: str) -> str:
    return f"{PREFIX}{source}"


def _cursor(tenant: str, source: str, item: dict[str, Any]) -> SyncCursor | None:
    if "position" not in item:
        return None
    return SyncCursor(
        tenant=tenant,
        source=source,
        position=str(item["position"]),
        version=int(item.get("version", 0)),
        updated_at=int(item.get("cursor_at", 0)),
    )


class SyncStore(DynamoStore):
    def read(self, tenant: str, source: str) -> SyncCursor | None:
        """Strongly consistent: the version read is what the next advance is conditional on."""
        item = self.get_item(tenant_pk(tenant), sync_sk(source), consistent=True)
        return _cursor(tenant, source, item) if item else None

    def advance(self, old: SyncCursor | None, new: SyncCursor) -> None:
        """Move the cursor to `new`, only if it is still at `old` (None: it has never been set, though
        the item may hold a run's record already). Another run's advance meanwhile is a Conflict."""
        if old is None:
            condition, seen = "attribute_not_exists(#version)", {}
        else:
            condition, seen = "#version = :seen", {":seen": to_value(old.version)}
        with translated_errors("the sync cursor was moved by another run"):
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(new.tenant), "sk": sync_sk(new.source)}),
                UpdateExpression="SET #position = :position, #version = :version, cursor_at = :at",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#position": "position", "#version": "version"},
                ExpressionAttributeValues={
                    ":position": to_value(new.position),
                    ":version": to_value(new.version),
                    ":at": to_value(new.updated_at),
                    **seen,
                },
            )

    def record_run(self, tenant: str, source: str, run: dict[str, Any]) -> None:
        with translated_errors():
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(tenant), "sk": sync_sk(source)}),
                UpdateExpression="SET last_run = :run",
                ExpressionAttributeValues={":run": to_value(_storable(run))},
            )

    def claim(self, tenant: str, source: str, until: int, now: int) -> bool:
        try:
            with translated_errors():
                self.client.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": tenant_pk(tenant), "sk": sync_sk(source)}),
                    UpdateExpression="SET lease_until = :until",
                    ConditionExpression="attribute_not_exists(lease_until) OR lease_until <= :now",
                    ExpressionAttributeValues=to_item({":until": until, ":now": now}),
                )
        except Conflict:
            return False
        return True

    def release(self, tenant: str, source: str, until: int) -> None:
        with contextlib.suppress(Conflict), translated_errors():  # gone already: expired and taken
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": tenant_pk(tenant), "sk": sync_sk(source)}),
                UpdateExpression="REMOVE lease_until",
                ConditionExpression="lease_until = :until",
                ExpressionAttributeValues=to_item({":until": until}),
            )

    def states(self, tenant: str) -> dict[str, SyncState]:
        found: dict[str, SyncState] = {}
        paginator = self.client.get_paginator("query")
        with translated_errors():
            pages = paginator.paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues=to_item({":pk": tenant_pk(tenant), ":prefix": PREFIX}),
                ConsistentRead=True,
            )
            for page in pages:
                for raw in page["Items"]:
                    item = from_item(raw)
                    source = str(item["sk"]).removeprefix(PREFIX)
                    found[source] = SyncState(source, _cursor(tenant, source, item), item.get("last_run"))
        return found


def _storable(value: Any) -> Any:
    """DynamoDB keeps no None inside a map and no floats: drop the one, make ints of the other."""
    if isinstance(value, dict):
        return {key: _storable(inner) for key, inner in value.items() if inner is not None}
    if isinstance(value, list | tuple):
        return [_storable(inner) for inner in value]
    if isinstance(value, float):
        return int(value)
    return value
