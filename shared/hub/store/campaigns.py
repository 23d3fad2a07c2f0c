"""Dial batches, their records, chunks and outcomes, in the campaigns table.

Keys:
- `{tenant}#BATCHES` / `{batch id}` — the batch: its request, phase and counters (`n_*` records,
  `rej_*` rejections by reason, `ch_*` chunks by state). Ids sort by creation: a Query lists newest first.
- `{tenant}#BATCHKEY#{key hash}` / `KEY` — the Idempotency-Key's batch, created with it in one transaction.
- `{tenant}#BATCH#{id}` — the batch's pieces, each JSON text split in parts under an item's 400 KB:
  `PAGE#{page}#{slice}#{part}` (records as sent), `PAGED#{page}` (page counted), `PREP#{page}#{slice}#{part}`
  (checked targets), `PREPD#{page}#{slice}` (slice counted), `REJ#…` (rejections, row by row),
  `CHUNK#{n}` (state, attempts, lease, the vendor's answer), `CREC#{n}#{part}` (its targets),
  `OUT#{E.164}` (the outcome of a sent number).
- `{tenant}#DIALJOB#{vendor job id}` / `JOB` — the batch and chunk of a dialer's job, for its cdr rows.

Every counter moves in the transaction that moves what it counts, under a condition that only the
first time passes: a redelivered message neither counts twice nor writes twice.
Every item expires (TTL `expires_at`) RETENTION_SECONDS after its batch was created.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hub.errors import Conflict
from hub.ports import Page
from hub.store.dynamo import DynamoStore, from_item, to_item, to_value, transact_write, translated_errors
from hub.store.imports import split_parts

RETENTION_SECONDS = 90 * 24 * 3600
BATCH_KEYS = ("pk", "sk")


def batches_pk(tenant: str) -> str:
    return f"{tenant}#BATCHES"


def pieces_pk(tenant: str, batch_id: str) -> str:
    return f"{tenant}#BATCH#{batch_id}"


def slice_key(page: int, number: int) -> str:
    return f"{page:03d}#{number:03d}"


def chunk_sk(number: int) -> str:
    return f"CHUNK#{number:05d}"


def _counter_update(counters: dict[str, int]) -> tuple[str, dict[str, Any], dict[str, str]]:
    """`ADD #c0 :c0, …` for a batch's counters (names may hold any reason or state)."""
    names = {f"#c{i}": name for i, name in enumerate(counters)}
    values = {f":c{i}": to_value(delta) for i, delta in enumerate(counters.values())}
    return "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(counters))), values, names


class CampaignStore(DynamoStore):
    # -- the batch ---------------------------------------------------------------------------------

    def create_batch(self, batch: dict[str, Any], key_hash: str) -> str | None:
        """Store a new batch with its idempotency key; if the key names a batch already, store nothing
        and return that batch's id."""
        expires = batch["created_at"] // 1000 + RETENTION_SECONDS
        key_item = {
            "pk": f"{batch['tenant']}#BATCHKEY#{key_hash}",
            "sk": "KEY",
            "batch_id": batch["id"],
            "expires_at": expires,
        }
        item = {"pk": batches_pk(batch["tenant"]), "sk": batch["id"], **batch, "expires_at": expires}
        writes = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(key_item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(item),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
        try:
            transact_write(self.client, writes, "the idempotency key names a batch already")
        except Conflict:
            existing = self.get_item(key_item["pk"], "KEY", consistent=True)
            if existing is None:  # expired between the two calls: it is new again
                return self.create_batch(batch, key_hash)
            return str(existing["batch_id"])
        return None

    def get_batch(self, tenant: str, batch_id: str, consistent: bool = True) -> dict[str, Any] | None:
        return self.get_item(batches_pk(tenant), batch_id, consistent=consistent)

    def batch_page(self, tenant: str, limit: int, start: dict[str, str] | None) -> Page[dict[str, Any]]:
        """The tenant's batches, newest first."""
        return self.query_page(
            BATCH_KEYS,
            limit,
            start,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": batches_pk(tenant)}),
            ScanIndexForward=False,
        )

    def update_batch(
        self,
        tenant: str,
        batch_id: str,
        *,
        set_values: dict[str, Any] | None = None,
        counters: dict[str, int] | None = None,
        condition: str | None = None,
        condition_values: dict[str, Any] | None = None,
    ) -> bool:
        """SET and ADD on the batch in one write; False when `condition` does not hold."""
        request = self._batch_update(tenant, batch_id, set_values, counters, condition, condition_values)
        try:
            with translated_errors():
                self.client.update_item(**request)
        except Conflict:
            return False
        return True

    def _batch_update(
        self,
        tenant: str,
        batch_id: str,
        set_values: dict[str, Any] | None = None,
        counters: dict[str, int] | None = None,
        condition: str | None = None,
        condition_values: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        parts, values, names = [], {}, {}
        if set_values:
            names.update({f"#s{i}": name for i, name in enumerate(set_values)})
            values.update({f":s{i}": to_value(value) for i, value in enumerate(set_values.values())})
            parts.append("SET " + ", ".join(f"#s{i} = :s{i}" for i in range(len(set_values))))
        if counters := {name: delta for name, delta in (counters or {}).items() if delta}:
            expression, counter_values, counter_names = _counter_update(counters)
            parts.append(expression)
            values.update(counter_values)
            names.update(counter_names)
        request: dict[str, Any] = {
            "TableName": self.table,
            "Key": to_item({"pk": batches_pk(tenant), "sk": batch_id}),
            "UpdateExpression": " ".join(parts),
            "ConditionExpression": "attribute_exists(pk)" + (f" AND ({condition})" if condition else ""),
        }
        values.update({name: to_value(value) for name, value in (condition_values or {}).items()})
        if values:
            request["ExpressionAttributeValues"] = values
        if names:
            request["ExpressionAttributeNames"] = names
        return request

    # -- pages and slices ----------------------------------------------------------------------------

    def put_page(
        self, batch: dict[str, Any], page: int, slices: list[list[dict[str, Any]]], digest: str
    ) -> bool:
        """A page's records (cut into slices) and the batch's count of them: True the first time; a
        page sent again with the same body changes nothing, with another body it is a Conflict."""
        tenant, batch_id = batch["tenant"], batch["id"]
        marker = self.get_item(pieces_pk(tenant, batch_id), f"PAGED#{page:03d}", consistent=True)
        if marker is not None:
            if marker["digest"] != digest:
                raise Conflict(f"page {page} was sent already with other records", code="page_reused")
            return False
        requests = [
            self._piece(batch, f"PAGE#{slice_key(page, number)}#{part:03d}", entries)
            for number, records in enumerate(slices)
            for part, entries in enumerate(split_parts(records))
        ]
        self.batch_put(requests)
        received = sum(len(records) for records in slices)
        writes = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(
                        {
                            "pk": pieces_pk(tenant, batch_id),
                            "sk": f"PAGED#{page:03d}",
                            "digest": digest,
                            "slices": len(slices),
                            "expires_at": self._expires(batch),
                        }
                    ),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": self._batch_update(
                    tenant,
                    batch_id,
                    counters={"n_received": received, "slices_total": len(slices), "pages_in": 1},
                    condition="phase <> :cancelled",
                    condition_values={":cancelled": "cancelled"},
                )
            },
        ]
        try:
            transact_write(self.client, writes, "the page was counted already")
        except Conflict:
            marker = self.get_item(pieces_pk(tenant, batch_id), f"PAGED#{page:03d}", consistent=True)
            if marker is None:
                raise Conflict("the batch was cancelled", code="batch_cancelled") from None
            if marker["digest"] != digest:
                raise Conflict(
                    f"page {page} was sent already with other records", code="page_reused"
                ) from None
            return False
        return True

    def page_slices(self, tenant: str, batch_id: str) -> list[tuple[int, int]]:
        """Every (page, slice) the batch's pages were cut into."""
        items = self._query(tenant, batch_id, "PAGED#", projection="sk, slices")
        return [(int(item["sk"][6:]), number) for item in items for number in range(int(item["slices"]))]

    def slice_records(self, tenant: str, batch_id: str, page: int, number: int) -> list[dict[str, Any]]:
        return self._entries(tenant, batch_id, f"PAGE#{slice_key(page, number)}#")

    def put_prepared(
        self,
        batch: dict[str, Any],
        page: int,
        number: int,
        targets: list[dict[str, Any]],
        rejections: list[dict[str, Any]],
        counters: dict[str, int],
    ) -> bool:
        """A checked slice: its targets, its rejections, and the batch's counters moved once (True the
        first time). Parts are rewritten harmlessly by a redelivery; the marker decides."""
        tenant, batch_id = batch["tenant"], batch["id"]
        key = slice_key(page, number)
        requests = [
            self._piece(batch, f"PREP#{key}#{part:03d}", entries)
            for part, entries in enumerate(split_parts(targets))
        ]
        if rejections:
            requests += [
                self._piece(batch, f"REJ#A{key}#{part:03d}", entries)
                for part, entries in enumerate(split_parts(rejections))
            ]
        self.batch_put(requests)
        marker = {"pk": pieces_pk(tenant, batch_id), "sk": f"PREPD#{key}", "expires_at": self._expires(batch)}
        writes = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(marker),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Update": self._batch_update(tenant, batch_id, counters={**counters, "slices_prepared": 1})},
        ]
        try:
            transact_write(self.client, writes, "the slice was counted already")
        except Conflict:
            return False
        return True

    def prepared_targets(self, tenant: str, batch_id: str) -> Iterator[dict[str, Any]]:
        """Every checked target, in page, slice and row order."""
        yield from self._entries(tenant, batch_id, "PREP#")

    # -- chunks ---------------------------------------------------------------------------------------

    def put_chunks(
        self,
        batch: dict[str, Any],
        chunks: list[list[dict[str, Any]]],
        duplicates: list[dict[str, Any]],
        at: int,
    ) -> bool:
        """The batch cut into chunks (state pending) and the duplicates found doing it, then the batch's
        counters, set once (True the first time): a redelivery rewrites the same pieces and leaves a
        chunk that moved on as it is."""
        pieces = [
            self._piece(batch, f"CREC#{number:05d}#{part:03d}", entries)
            for number, targets in enumerate(chunks)
            for part, entries in enumerate(split_parts(targets))
        ]
        pieces += [
            self._piece(batch, f"REJ#B#{part:03d}", entries)
            for part, entries in enumerate(split_parts(duplicates))
            if entries
        ]
        self.batch_put(pieces)
        for number, targets in enumerate(chunks):
            item = {
                "pk": pieces_pk(batch["tenant"], batch["id"]),
                "sk": chunk_sk(number),
                "number": number,
                "state": "pending",
                "records": len(targets),
                "attempts": 0,
                "updated_at": at,
                "expires_at": self._expires(batch),
            }
            try:  # a chunk a redelivery finds moving on already keeps its state
                with translated_errors():
                    self.client.put_item(
                        TableName=self.table,
                        Item=to_item(item),
                        ConditionExpression="attribute_not_exists(pk)",
                    )
            except Conflict:
                continue
        accepted = sum(len(targets) for targets in chunks)
        return self.update_batch(
            batch["tenant"],
            batch["id"],
            set_values={"phase": "cut", "chunks_total": len(chunks), "cut_at": at},
            counters={"n_accepted": accepted, "rej_duplicate": len(duplicates), "ch_pending": len(chunks)},
            condition="phase = :preparing",
            condition_values={":preparing": "preparing"},
        )

    def get_chunk(self, tenant: str, batch_id: str, number: int) -> dict[str, Any] | None:
        return self.get_item(pieces_pk(tenant, batch_id), chunk_sk(number), consistent=True)

    def chunk_targets(self, tenant: str, batch_id: str, number: int) -> list[dict[str, Any]]:
        return self._entries(tenant, batch_id, f"CREC#{number:05d}#")

    def chunk_page(
        self, tenant: str, batch_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]:
        return self.query_page(
            BATCH_KEYS,
            limit,
            start,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :chunk)",
            ExpressionAttributeValues=to_item({":pk": pieces_pk(tenant, batch_id), ":chunk": "CHUNK#"}),
        )

    def pending_chunks(self, tenant: str, batch_id: str) -> list[int]:
        items = self._query(
            tenant, batch_id, "CHUNK#", projection="sk, #n, #s", names={"#n": "number", "#s": "state"}
        )
        return [int(item["number"]) for item in items if item["state"] == "pending"]

    def move_chunk(
        self,
        tenant: str,
        batch_id: str,
        number: int,
        from_states: tuple[str, ...],
        to_state: str,
        *,
        set_values: dict[str, Any] | None = None,
        counters: dict[str, int] | None = None,
        add_attempt: bool = False,
        rejections: list[dict[str, Any]] | None = None,
        job_id: str | None = None,
    ) -> str | None:
        """Move a chunk from one of `from_states` to `to_state`, with the batch's chunk counts,
        `counters`, the `rejections` found sending it and its dialer's `job_id` (indexed for the cdr),
        in one transaction. The state it left, or None when it was in none of them (another worker
        moved it first)."""
        chunk = self.get_chunk(tenant, batch_id, number)
        if chunk is None or chunk["state"] not in from_states:
            return None
        old = chunk["state"]
        values = {"state": to_state, **(set_values or {})}
        names = {f"#v{i}": name for i, name in enumerate(values)}
        expression_values: dict[str, Any] = {f":v{i}": to_value(v) for i, v in enumerate(values.values())}
        expression = "SET " + ", ".join(f"#v{i} = :v{i}" for i in range(len(values)))
        if add_attempt:
            expression += " ADD attempts :one"
            expression_values[":one"] = to_value(1)
        expression_values[":old"] = to_value(old)
        names["#state"] = "state"
        batch_counters = dict(counters or {})
        if old != to_state:
            batch_counters[f"ch_{old}"] = batch_counters.get(f"ch_{old}", 0) - 1
            batch_counters[f"ch_{to_state}"] = batch_counters.get(f"ch_{to_state}", 0) + 1
        writes = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item({"pk": pieces_pk(tenant, batch_id), "sk": chunk_sk(number)}),
                    "UpdateExpression": expression,
                    "ConditionExpression": "#state = :old",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": expression_values,
                }
            },
        ]
        if rejections or job_id:
            batch = self.get_batch(tenant, batch_id, consistent=False) or {}
            if rejections:
                writes += self._rejection_writes(batch, f"REJ#C{number:05d}", rejections)
            if job_id:
                writes.append(self._job_index_write(batch, job_id, number))
        if any(batch_counters.values()):
            writes.append({"Update": self._batch_update(tenant, batch_id, counters=batch_counters)})
        try:
            transact_write(self.client, writes, "the chunk moved on")
        except Conflict:
            return None
        return old

    def _rejection_writes(
        self, batch: dict[str, Any], sk: str, rejections: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        return [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": self._piece(batch, f"{sk}#{part:03d}", entries)["PutRequest"]["Item"],
                }
            }
            for part, entries in enumerate(split_parts(rejections))
        ]

    def _job_index_write(self, batch: dict[str, Any], job_id: str, number: int) -> dict[str, Any]:
        item = {
            "pk": f"{batch['tenant']}#DIALJOB#{job_id}",
            "sk": "JOB",
            "batch_id": batch["id"],
            "chunk": number,
            "expires_at": self._expires(batch),
        }
        return {"Put": {"TableName": self.table, "Item": to_item(item)}}

    def batch_of_job(self, tenant: str, job_id: str) -> str | None:
        item = self.get_item(f"{tenant}#DIALJOB#{job_id}", "JOB")
        return str(item["batch_id"]) if item else None

    def rejection_page(
        self, tenant: str, batch_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]:
        """Items of rejections (each a part of a slice's or a chunk's), in the order they were found."""
        page = self.query_page(
            BATCH_KEYS,
            limit,
            start,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :rej)",
            ExpressionAttributeValues=to_item({":pk": pieces_pk(tenant, batch_id), ":rej": "REJ#"}),
        )
        return Page([entry for item in page.items for entry in json.loads(item["entries"])], page.next_start)

    # -- outcomes -------------------------------------------------------------------------------------

    def record_outcome(self, batch: dict[str, Any], phone: str, answered: bool, at: int) -> bool:
        """The number's outcome, counted once: a first result counts as answered or not; a later
        answered one turns a not-answered count into an answered one; anything else changes nothing."""
        key = to_item({"pk": pieces_pk(batch["tenant"], batch["id"]), "sk": f"OUT#{phone}"})
        new = "answered" if answered else "not_answered"
        current = self.get_item(pieces_pk(batch["tenant"], batch["id"]), f"OUT#{phone}", consistent=True)
        old = current["outcome"] if current else None
        if old == new or old == "answered":
            return False
        put = {
            "TableName": self.table,
            "Item": {**key, **to_item({"outcome": new, "at": at, "expires_at": self._expires(batch)})},
            "ConditionExpression": "attribute_not_exists(pk)" if old is None else "outcome = :old",
        }
        if old is not None:
            put["ExpressionAttributeValues"] = {":old": to_value(old)}
        counters = {f"n_{new}": 1, **({f"n_{old}": -1} if old else {})}
        writes = [
            {"Put": put},
            {"Update": self._batch_update(batch["tenant"], batch["id"], counters=counters)},
        ]
        try:
            transact_write(self.client, writes, "the outcome was recorded already")
        except Conflict:
            return False
        return True

    # -- plumbing ---------------------------------------------------------------------------------------

    @staticmethod
    def _expires(batch: dict[str, Any]) -> int:
        return int(batch["created_at"]) // 1000 + RETENTION_SECONDS

    def _piece(self, batch: dict[str, Any], sk: str, entries: list[Any]) -> dict[str, Any]:
        # JSON text, not a DynamoDB map: records keep their exact shape (no Decimal, no dropped nulls).
        item = {
            "pk": pieces_pk(batch["tenant"], batch["id"]),
            "sk": sk,
            "entries": json.dumps(entries, ensure_ascii=False, separators=(",", ":")),
            "expires_at": self._expires(batch),
        }
        return {"PutRequest": {"Item": to_item(item)}}

    def _query(
        self,
        tenant: str,
        batch_id: str,
        prefix: str,
        projection: str | None = None,
        names: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": to_item({":pk": pieces_pk(tenant, batch_id), ":prefix": prefix}),
            "ConsistentRead": True,
        }
        if projection:
            request["ProjectionExpression"] = projection
        if names:
            request["ExpressionAttributeNames"] = names
        paginator = self.client.get_paginator("query")
        with translated_errors():
            pages = list(paginator.paginate(**request))
        return sorted((from_item(item) for page in pages for item in page["Items"]), key=lambda i: i["sk"])

    def _entries(self, tenant: str, batch_id: str, prefix: str) -> list[dict[str, Any]]:
        items = self._query(tenant, batch_id, prefix)
        return [entry for item in items for entry in json.loads(item["entries"])]
