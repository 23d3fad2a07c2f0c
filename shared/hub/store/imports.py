"""Import jobs, their row chunks and per-row results, in the imports table.

Keys, under `{tenant}#IMPORT#{job id}`:
- `JOB` — the job: body hash, totals, counters (`created`, `updated`, `failed`, `chunks_done`).
- `RAW#{part}` — the rows as submitted, until the planner cuts them into chunks.
- `CHUNK#{n}#{part}` — the rows chunk n applies (a chunk too big for one item spans parts).
- `RESULT#{n}#{part}` — chunk n's per-row results, written once, in the transaction that moves the
  counters (so a redelivered chunk neither counts twice nor writes twice). `n = 99999` holds the rows
  refused at submission.
Every item expires (TTL `expires_at`) RETENTION_SECONDS after the job was submitted.
"""

from __future__ import annotations

import json
from typing import Any

from hub.errors import Conflict
from hub.ports import Page
from hub.store.dynamo import (
    DynamoStore,
    from_item,
    to_item,
    to_value,
    transact_write,
    translated_errors,
)

JOB_SK = "JOB"
RETENTION_SECONDS = 7 * 24 * 3600
MAX_PART_BYTES = 300_000  # an item holds at most 400 KB
RESULT_KEYS = ("pk", "sk")
MAX_ROW_CHARS = 64_000
TOO_LARGE = {"row_too_large": True}
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def job_pk(tenant: str, job_id: str) -> str:
    return f"{tenant}#IMPORT#{job_id}"


def split_parts(entries: list[Any], max_bytes: int = MAX_PART_BYTES) -> list[list[Any]]:
    """`entries` cut into consecutive lists of at most `max_bytes` of JSON each (at least one list;
    an entry larger than that is a part of its own)."""
    parts: list[list[Any]] = [[]]
    size = 0
    for entry in entries:
        length = len(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode())
        if parts[-1] and size + length > max_bytes:
            parts.append([])
            size = 0
        parts[-1].append(entry)
        size += length
    return parts


class ImportJobStore(DynamoStore):
    def create_job(self, job: dict[str, Any]) -> dict[str, Any] | None:
        """Store a new job; if one with its id exists, return that one and store nothing."""
        item = {"pk": job_pk(job["tenant"], job["job_id"]), "sk": JOB_SK, **job}
        item["expires_at"] = job["created_at"] // 1000 + RETENTION_SECONDS
        try:
            with translated_errors():
                self.client.put_item(
                    TableName=self.table,
                    Item=to_item(item),
                    ConditionExpression="attribute_not_exists(pk)",
                )
        except Conflict:
            existing = self.get_job(job["tenant"], job["job_id"])
            if existing is None:  # expired between the two calls: it is new again
                return self.create_job(job)
            return existing
        return None

    def get_job(self, tenant: str, job_id: str) -> dict[str, Any] | None:
        with translated_errors():
            return self.get_item(job_pk(tenant, job_id), JOB_SK, consistent=True)

    def mark_accepted(self, tenant: str, job_id: str) -> None:
        """The job's chunks are counted (a small job's are about to run in the request): its status may
        now be reported as queued or done."""
        self._flag(tenant, job_id, "accepted")

    def mark_submitted(self, tenant: str, job_id: str) -> None:
        """The rows are stored and the planner's message sent: a retry need not send them again."""
        self._flag(tenant, job_id, "submitted")

    def _flag(self, tenant: str, job_id: str, name: str) -> None:
        with translated_errors():
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": job_pk(tenant, job_id), "sk": JOB_SK}),
                UpdateExpression="SET #flag = :yes",
                ExpressionAttributeNames={"#flag": name},
                ExpressionAttributeValues={":yes": to_value(True)},
            )

    def accept_plan(
        self, tenant: str, job_id: str, chunks: int, refused: int, skipped: int = 0, total: int | None = None
    ) -> None:
        """The planner's counts, set once (a redelivered plan message changes nothing here); `total`
        when only the planner knows it (a job that reads its rows from a vendor)."""
        values: dict[str, Any] = {":yes": True, ":chunks": chunks, ":refused": refused, ":skipped": skipped}
        sets = "accepted = :yes, chunks = :chunks"
        if total is not None:
            sets += ", #total = :total"
            values[":total"] = total
        try:
            with translated_errors():
                self.client.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": job_pk(tenant, job_id), "sk": JOB_SK}),
                    UpdateExpression=f"SET {sets} ADD failed :refused, skipped :skipped",
                    ConditionExpression="attribute_exists(pk) AND attribute_not_exists(accepted)",
                    ExpressionAttributeValues=to_item(values),
                    **({"ExpressionAttributeNames": {"#total": "total"}} if total is not None else {}),
                )
        except Conflict:
            return

    def put_raw(self, job: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """The rows as submitted, each serialized once. A row too big for an item is no contact
        anyway: it is kept as a marker the planner refuses (a contact's fields hold a few KB)."""
        too_large = _ENCODER.encode(TOO_LARGE)
        texts = [text if len(text) <= MAX_ROW_CHARS else too_large for text in map(_ENCODER.encode, rows)]
        parts: list[list[str]] = [[]]
        size = 0
        for text in texts:
            if parts[-1] and size + len(text.encode()) > MAX_PART_BYTES:
                parts.append([])
                size = 0
            parts[-1].append(text)
            size += len(text.encode())
        expires_at = job["created_at"] // 1000 + RETENTION_SECONDS
        self.batch_put(
            [
                {
                    "PutRequest": {
                        "Item": to_item(
                            {
                                "pk": job_pk(job["tenant"], job["job_id"]),
                                "sk": f"RAW#{number:03d}",
                                "entries": "[" + ",".join(part) + "]",
                                "expires_at": expires_at,
                            }
                        )
                    }
                }
                for number, part in enumerate(parts)
            ]
        )

    def raw_rows(self, tenant: str, job_id: str) -> list[dict[str, Any]]:
        return self._entries(tenant, job_id, "RAW#")

    def put_chunks(self, job: dict[str, Any], chunks: list[list[dict[str, Any]]]) -> None:
        """The chunks' rows (each entry `{"row": index, "data": ...}`); rewriting them is harmless."""
        requests = []
        for number, rows in enumerate(chunks):
            for part, entries in enumerate(split_parts(rows)):
                requests.append(self._part(job, f"CHUNK#{number:05d}#{part:03d}", entries))
        self.batch_put(requests)

    def chunk_rows(self, tenant: str, job_id: str, number: int) -> list[dict[str, Any]]:
        return self._entries(tenant, job_id, f"CHUNK#{number:05d}#")

    def chunk_done(self, tenant: str, job_id: str, number: int) -> bool:
        with translated_errors():
            item = self.get_item(job_pk(tenant, job_id), f"RESULT#{number:05d}#000", consistent=True)
        return item is not None

    def put_refused(self, job: dict[str, Any], number: int, results: list[dict[str, Any]]) -> None:
        """Results known at submission (rows that are not contacts), counted in the job already."""
        self.batch_put(
            [
                self._part(job, f"RESULT#{number:05d}#{part:03d}", entries)
                for part, entries in enumerate(split_parts(results))
            ]
        )

    def record_chunk(
        self, job: dict[str, Any], number: int, results: list[dict[str, Any]], counts: dict[str, int]
    ) -> dict[str, Any] | None:
        """Chunk `number`'s results and the job's counters, together and once: None when the chunk
        was recorded already (a redelivery), else the job as it now stands."""
        key = to_item({"pk": job_pk(job["tenant"], job["job_id"]), "sk": JOB_SK})
        writes: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": self._part(job, f"RESULT#{number:05d}#{part:03d}", entries)["PutRequest"]["Item"],
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for part, entries in enumerate(split_parts(results))
        ]
        writes.append(
            {
                "Update": {
                    "TableName": self.table,
                    "Key": key,
                    "UpdateExpression": (
                        "ADD created :c, updated :u, unchanged :n, skipped :s, failed :f, chunks_done :one"
                    ),
                    "ExpressionAttributeValues": to_item(
                        {
                            ":c": counts.get("created", 0),
                            ":u": counts.get("updated", 0),
                            ":n": counts.get("unchanged", 0),
                            ":s": counts.get("skipped", 0),
                            ":f": counts.get("failed", 0),
                            ":one": 1,
                        }
                    ),
                }
            }
        )
        try:
            transact_write(self.client, writes, "the chunk was recorded already")
        except Conflict:
            return None
        return self.get_job(job["tenant"], job["job_id"])

    def set_finished(self, tenant: str, job_id: str, at: int) -> None:
        with translated_errors():
            self.client.update_item(
                TableName=self.table,
                Key=to_item({"pk": job_pk(tenant, job_id), "sk": JOB_SK}),
                UpdateExpression="SET finished_at = if_not_exists(finished_at, :at)",
                ExpressionAttributeValues={":at": to_value(at)},
            )

    def result_page(
        self, tenant: str, job_id: str, limit: int, start: dict[str, str] | None
    ) -> Page[dict[str, Any]]:
        """Up to `limit` result items (each a chunk's rows, or part of them), in chunk order."""
        page = self.query_page(
            RESULT_KEYS,
            limit,
            start,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :result)",
            ExpressionAttributeValues=to_item({":pk": job_pk(tenant, job_id), ":result": "RESULT#"}),
        )
        rows = [entry for item in page.items for entry in json.loads(item["entries"])]
        return Page(rows, page.next_start)

    def _entries(self, tenant: str, job_id: str, prefix: str) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("query")
        with translated_errors():
            pages = list(
                paginator.paginate(
                    TableName=self.table,
                    KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                    ExpressionAttributeValues=to_item({":pk": job_pk(tenant, job_id), ":prefix": prefix}),
                    ConsistentRead=True,
                )
            )
        items = sorted((from_item(item) for page in pages for item in page["Items"]), key=lambda i: i["sk"])
        return [entry for item in items for entry in json.loads(item["entries"])]

    def _part(self, job: dict[str, Any], sk: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
        # JSON text, not a DynamoDB map: rows keep their exact shape (no Decimal, no dropped nulls).
        item = {
            "pk": job_pk(job["tenant"], job["job_id"]),
            "sk": sk,
            "entries": json.dumps(entries, ensure_ascii=False, separators=(",", ":")),
            "expires_at": job["created_at"] // 1000 + RETENTION_SECONDS,
        }
        return {"PutRequest": {"Item": to_item(item)}}
