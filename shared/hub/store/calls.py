"""Calls, callbacks, presence and raw webhooks in the calls table (with what they touch elsewhere).

Keys in the calls table:
- `{tenant}#CALL#{uuid}` / `CALL` — a call record (a conversation), with `gsi2pk = {tenant}#CALLS`,
  `gsi2sk = {dialed at}#{uuid}`: the tenant's calls by time; and, when it has the other side's number,
  `gsi1pk = {tenant}#NUMCALLS#{e164}`, `gsi1sk = {dialed at}#{uuid}`: one number's calls by time (a
  call saved before this index existed is in it from its next save).
- `{tenant}#NUM#{e164}` / `CALLBACK` — the number's callback state; while open it carries
  `gsi1pk = {tenant}#CALLBACKS` and `gsi1sk = {last missed at}#{e164}`, so the open list is one
  Query on gsi1, newest first. `{tenant}#NUM#{e164}` / `CLOSED#{at}#{call}` — a returned callback,
  with `gsi1pk = {tenant}#CALLBACKS_CLOSED`, `gsi1sk = {closed at}#{e164}`.
- `{tenant}#CALL#{uuid}` / `LEG#{leg uuid}` — the events of one leg of a call that has more than
  INLINE_LEGS legs (a department call ringing round and round): the call item keeps its first
  INLINE_LEGS legs and `legs_apart`, the count of these, so no call outgrows DynamoDB's 400 KB.
- `{tenant}#TRUNKS` / `SET` — the tenant's lines as seen in calls (never turned into leads).
- `{tenant}#CALL#{uuid}` / `UTM_PENDING` — UTM labels that came before their call: taken (and deleted)
  by the call's first save, else dropped by TTL (`expires_at`). No gsi2 key: never listed as a call.
A call's timeline entry on each linked contact lives under the contact in the contacts table.
"""

from __future__ import annotations

import secrets
from typing import Any

from hub.errors import Conflict
from hub.ids import now_ms
from hub.models.call import Call, Callback, PendingAttribution
from hub.ports import CallChanges, Page
from hub.store.contacts import contact_pk
from hub.store.dynamo import (
    DynamoStore,
    from_item,
    to_item,
    to_value,
    transact_write,
    translated_errors,
    versioned_put,
)
from hub.store.tenants import tenant_pk

RAW_RETENTION_DAYS = 30
MAX_RAW_BYTES = 256 * 1024
# A leg holds at most three events of a few KB each (names are bounded): ten legs inline stay far
# below the 400 KB item limit, with room for everything else on the call.
INLINE_LEGS = 10
LEG_PREFIX = "LEG#"


def call_pk(tenant: str, uuid: str) -> str:
    return f"{tenant}#CALL#{uuid}"


def number_pk(tenant: str, e164: str) -> str:
    return f"{tenant}#NUM#{e164}"


def number_calls_pk(tenant: str, e164: str) -> str:
    return f"{tenant}#NUMCALLS#{e164}"


def open_callbacks_pk(tenant: str) -> str:
    return f"{tenant}#CALLBACKS"


def closed_callbacks_pk(tenant: str) -> str:
    return f"{tenant}#CALLBACKS_CLOSED"


PENDING_SK = "UTM_PENDING"


def _time_key(ms: int) -> str:
    return f"{ms:013d}"


BY_TIME_KEYS = ("pk", "sk", "gsi2pk", "gsi2sk")
CALLBACK_KEYS = ("pk", "sk", "gsi1pk", "gsi1sk")
BY_NUMBER_KEYS = CALLBACK_KEYS  # the same index, another partition
TIMELINE_KEYS = ("pk", "sk")


class CallStore(DynamoStore):
    def __init__(self, calls_table: str, contacts_table: str, tenants_table: str, client: Any = None) -> None:
        super().__init__(calls_table, client)
        self.contacts_table = contacts_table
        self.tenants_table = tenants_table
        # (tenant, line) this store has already added to the tenant's line set: the set only grows,
        # so a warm function adds each line once instead of one write per new call.
        self._lines_added: set[tuple[str, str]] = set()

    # -- calls ---------------------------------------------------------------------------------

    def get_call(self, tenant: str, uuid: str) -> Call | None:
        """Strongly consistent: the merge must start from the latest saved version. Every leg is
        read, those kept apart too (one more Query, only for calls that have them)."""
        item = self.get_item(call_pk(tenant, uuid), "CALL", consistent=True)
        if not item:
            return None
        apart = self._legs_kept_apart(tenant, uuid) if item.get("legs_apart") else {}
        if apart:
            legs = {**item.get("legs", {}), **apart}
            item["legs"] = {leg: legs[leg] for leg in sorted(legs)}
        call = Call.model_validate(item)
        call._legs_apart = set(apart)
        return call

    def _legs_kept_apart(self, tenant: str, uuid: str) -> dict[str, Any]:
        paginator = self.client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :leg)",
            ExpressionAttributeValues=to_item({":pk": call_pk(tenant, uuid), ":leg": LEG_PREFIX}),
            ConsistentRead=True,
        )
        with translated_errors():
            items = [from_item(item) for page in pages for item in page["Items"]]
        return {str(item["sk"]).removeprefix(LEG_PREFIX): item["events"] for item in items}

    def _placed_legs(self, old: Call | None, new: Call) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
        """The legs the call item keeps, the writes of changed legs kept apart, and how many are apart.
        A leg stays where it is; a new one goes inline while there is room, else into its own item."""
        legs = new.model_dump(mode="json", exclude_none=True)["legs"]
        apart = set(old._legs_apart) if old else set()
        was_inline = {leg for leg in (old.legs if old else {}) if leg not in apart}
        inline = {leg: events for leg, events in legs.items() if leg in was_inline}
        writes: list[dict[str, Any]] = []
        for leg, events in legs.items():
            if leg in inline:
                continue
            if leg not in apart and len(inline) < INLINE_LEGS:
                inline[leg] = events
                continue
            apart.add(leg)
            if old is None or old.legs.get(leg) != new.legs[leg]:
                item = {"pk": call_pk(new.tenant, new.uuid), "sk": LEG_PREFIX + leg, "events": events}
                writes.append({"Put": {"TableName": self.table, "Item": to_item(item)}})
        return dict(sorted(inline.items())), writes, len(apart)

    def save_call(self, old: Call | None, new: Call, changes: CallChanges) -> None:
        """The call and its callback change, all or nothing. A version other than `old`'s (somebody
        saved meanwhile) is a Conflict.

        The contacts' timeline entries and the tenant's line set are idempotent writes made *before*
        that transaction and outside it: they would make it contend with every other call of the
        tenant (the line set) and could break its 100-item limit (a number many contacts share). A lost
        race rewrites them identically; an entry whose call is not saved yet is skipped by the readers.
        """
        if old is None and new.trunk_num and (new.tenant, new.trunk_num) not in self._lines_added:
            with translated_errors():
                self.client.update_item(
                    TableName=self.table,
                    Key=to_item({"pk": f"{new.tenant}#TRUNKS", "sk": "SET"}),
                    UpdateExpression="ADD numbers :n",
                    ExpressionAttributeValues={":n": {"SS": [new.trunk_num]}},
                )
            self._lines_added.add((new.tenant, new.trunk_num))
        if changes.new_contact_links:
            self._put_timeline_entries(new, changes.new_contact_links)
        inline, leg_writes, legs_apart = self._placed_legs(old, new)
        item = {
            "pk": call_pk(new.tenant, new.uuid),
            "sk": "CALL",
            **new.model_dump(mode="json", exclude_none=True),
            "legs": inline,
            "legs_apart": legs_apart or None,
            "gsi2pk": f"{new.tenant}#CALLS",
            "gsi2sk": f"{_time_key(new.dial_at or new.created_at)}#{new.uuid}",
        }
        if new.other_number:
            item["gsi1pk"] = number_calls_pk(new.tenant, new.other_number)
            item["gsi1sk"] = item["gsi2sk"]
        writes = [versioned_put(self.table, item, old.version if old else None), *leg_writes]
        if changes.callback_after is not None:
            writes.append(self._callback_write(changes.callback_before, changes.callback_after))
        if changes.closed_callback is not None:
            writes.append(self._closed_write(changes.closed_callback))
        if old is None:
            writes.append(self._pending_taken(new.tenant, new.uuid, changes.pending_attribution))
        transact_write(self.client, writes, "the call was saved meanwhile")

    def _put_timeline_entries(self, call: Call, contact_ids: list[str]) -> None:
        """The call on each contact's timeline, 25 puts per BatchWriteItem, unprocessed ones resent."""
        sk = f"CALL#{call.dial_at or call.created_at:013d}#{call.uuid}"
        requests = [
            {
                "PutRequest": {
                    "Item": to_item({"pk": contact_pk(call.tenant, cid), "sk": sk, "call_uuid": call.uuid})
                }
            }
            for cid in contact_ids
        ]
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.contacts_table: requests[start : start + 25]}
            while pending:
                with translated_errors():
                    pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}

    def _pending_taken(self, tenant: str, uuid: str, read: PendingAttribution | None) -> dict[str, Any]:
        """A new call takes the pending labels it read, exactly those: labels kept meanwhile fail the
        save, which then re-reads them."""
        key = to_item({"pk": call_pk(tenant, uuid), "sk": PENDING_SK})
        if read is None:
            check = {"TableName": self.table, "Key": key, "ConditionExpression": "attribute_not_exists(pk)"}
            return {"ConditionCheck": check}
        delete = {
            "TableName": self.table,
            "Key": key,
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeValues": {":expected": to_value(read.version)},
        }
        return {"Delete": delete}

    # -- attribution waiting for its call ------------------------------------------------------

    def pending_attribution(self, tenant: str, uuid: str) -> PendingAttribution | None:
        item = self.get_item(call_pk(tenant, uuid), PENDING_SK, consistent=True)
        return PendingAttribution.model_validate(item) if item else None

    def save_pending_attribution(self, old: PendingAttribution | None, new: PendingAttribution) -> None:
        """The labels kept for a call not logged yet, if nobody changed them since `old` was read (else
        a Conflict). One PutItem: a call first saved meanwhile fails its own save and re-reads them."""
        item = {"pk": call_pk(new.tenant, new.call_uuid), "sk": PENDING_SK, **new.model_dump(mode="json")}
        put = versioned_put(self.table, item, old.version if old else None)["Put"]
        with translated_errors("the pending labels changed meanwhile"):
            self.client.put_item(**put)

    def _callback_write(self, before: Callback | None, after: Callback) -> dict[str, Any]:
        item = {"pk": number_pk(after.tenant, after.phone), "sk": "CALLBACK", **after.model_dump(mode="json")}
        if after.open:
            item["gsi1pk"] = open_callbacks_pk(after.tenant)
            item["gsi1sk"] = f"{after.last_missed_at or 0:013d}#{after.phone}"
        return versioned_put(self.table, item, before.version if before else None)

    def _closed_write(self, closed: Callback) -> dict[str, Any]:
        """A returned callback kept for history, under its number; `manual` when closed by hand."""
        record = {
            "pk": number_pk(closed.tenant, closed.phone),
            "sk": f"CLOSED#{closed.closed_at or 0:013d}#{closed.closed_by_call or 'manual'}",
            **closed.model_dump(mode="json", exclude_none=True),
            "gsi1pk": closed_callbacks_pk(closed.tenant),
            "gsi1sk": f"{_time_key(closed.closed_at or 0)}#{closed.phone}",
        }
        return {"Put": {"TableName": self.table, "Item": to_item(record)}}

    def list_calls(
        self,
        tenant: str,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None = None,
        filters: dict[str, str] | None = None,
        number: str | None = None,
    ) -> Page[Call]:
        """The tenant's calls dialed in [since, until] ms, newest first, whose `filters` fields
        (direction, status, employee_id) equal the given values; with `number` (E.164), only the
        calls with it, from that number's index (a Query of its own partition, never a Scan)."""
        values: dict[str, Any] = {
            ":pk": number_calls_pk(tenant, number) if number else f"{tenant}#CALLS",
            ":since": _time_key(since),
            ":until": f"{_time_key(until)}~",
        }
        index = "gsi1" if number else "gsi2"
        query: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": f"{index}pk = :pk AND {index}sk BETWEEN :since AND :until",
            "ScanIndexForward": False,
        }
        if filters:
            query["FilterExpression"] = " AND ".join(f"#{name} = :{name}" for name in filters)
            query["ExpressionAttributeNames"] = {f"#{name}": name for name in filters}
            values.update({f":{name}": value for name, value in filters.items()})
        query["ExpressionAttributeValues"] = to_item(values)
        page = self.query_page(BY_NUMBER_KEYS if number else BY_TIME_KEYS, limit, start, **query)
        return Page([Call.model_validate(item) for item in page.items], page.next_start)

    def index_numbers(self, tenant: str) -> int:
        """Put the tenant's calls saved before the per-number index existed into it; returns how many.
        The tenant's calls are read by time (a Query, page by page); each one missing is updated only
        at the version read, so a save meanwhile (which indexes the call itself) is left alone. Run it
        again and it finds nothing to do."""
        indexed, start = 0, None
        while True:
            page = self.query_page(
                BY_TIME_KEYS,
                100,
                start,
                IndexName="gsi2",
                KeyConditionExpression="gsi2pk = :pk",
                ExpressionAttributeValues=to_item({":pk": f"{tenant}#CALLS"}),
            )
            for item in page.items:
                if not item.get("other_number") or "gsi1pk" in item:
                    continue
                keys = {":pk": number_calls_pk(tenant, str(item["other_number"])), ":sk": item["gsi2sk"]}
                try:
                    with translated_errors():
                        self.client.update_item(
                            TableName=self.table,
                            Key=to_item({"pk": item["pk"], "sk": item["sk"]}),
                            UpdateExpression="SET gsi1pk = :pk, gsi1sk = :sk",
                            ConditionExpression="version = :version",
                            ExpressionAttributeValues=to_item({**keys, ":version": item["version"]}),
                        )
                except Conflict:
                    continue  # saved meanwhile: that save indexed it
                indexed += 1
            start = page.next_start
            if start is None:
                return indexed

    def contact_call_page(
        self,
        tenant: str,
        contact_id: str,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None,
    ) -> Page[Call]:
        """A page of one contact's timeline of calls in [since, until], newest first, with the calls."""
        page = self.query_page(
            TIMELINE_KEYS,
            limit,
            start,
            TableName=self.contacts_table,
            KeyConditionExpression="pk = :pk AND sk BETWEEN :since AND :until",
            ExpressionAttributeValues=to_item(
                {
                    ":pk": contact_pk(tenant, contact_id),
                    ":since": f"CALL#{_time_key(since)}",
                    ":until": f"CALL#{_time_key(until)}~",
                }
            ),
            ScanIndexForward=False,
        )
        calls = self.get_calls(tenant, [str(item["call_uuid"]) for item in page.items])
        return Page(calls, page.next_start)

    def get_calls(self, tenant: str, uuids: list[str]) -> list[Call]:
        """Calls by uuid in the order asked (BatchGetItem, 100 at a time); missing ones are left out."""
        items = self.get_items([(call_pk(tenant, uuid), "CALL") for uuid in uuids])
        found = {call.uuid: call for call in (Call.model_validate(item) for item in items)}
        return [found[uuid] for uuid in uuids if uuid in found]

    # -- callbacks -----------------------------------------------------------------------------

    def close_callback(self, before: Callback, after: Callback, closed: Callback) -> None:
        """A callback returned by hand: the number's state and the closed record, together."""
        writes = [self._callback_write(before, after), self._closed_write(closed)]
        transact_write(self.client, writes, "the callback changed meanwhile")

    def save_callback(self, before: Callback, after: Callback) -> None:
        """The number's callback replaced (an assignment), if nobody wrote it since `before` was read."""
        put = self._callback_write(before, after)["Put"]
        with translated_errors("the callback changed meanwhile"):
            self.client.put_item(**put)

    def get_callback(self, tenant: str, phone: str) -> Callback | None:
        item = self.get_item(number_pk(tenant, phone), "CALLBACK", consistent=True)
        return Callback.model_validate(item) if item else None

    def open_callbacks(self, tenant: str, limit: int = 100) -> list[Callback]:
        """Open callbacks, the most recently missed first."""
        response = self.client.query(
            TableName=self.table,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=to_item({":pk": open_callbacks_pk(tenant)}),
            ScanIndexForward=False,
            Limit=limit,
        )
        return [Callback.model_validate(from_item(item)) for item in response["Items"]]

    def list_callbacks(
        self,
        tenant: str,
        *,
        closed: bool,
        limit: int,
        start: dict[str, str] | None = None,
        assigned_to: str | None = None,
    ) -> Page[Callback]:
        """Open callbacks by last miss, or returned ones by when they were closed; newest first;
        with `assigned_to`, only those given to that employee."""
        values = {":pk": closed_callbacks_pk(tenant) if closed else open_callbacks_pk(tenant)}
        query: dict[str, Any] = {}
        if assigned_to:
            values[":assigned"] = assigned_to
            query["FilterExpression"] = "assigned_to = :assigned"
        page = self.query_page(
            CALLBACK_KEYS,
            limit,
            start,
            IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=to_item(values),
            ScanIndexForward=False,
            **query,
        )
        return Page([Callback.model_validate(item) for item in page.items], page.next_start)

    def closed_callbacks(self, tenant: str, phone: str) -> list[Callback]:
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :closed)",
            ExpressionAttributeValues=to_item({":pk": number_pk(tenant, phone), ":closed": "CLOSED#"}),
        )
        return [Callback.model_validate(from_item(item)) for item in response["Items"]]

    # -- the tenant's lines, presence ----------------------------------------------

    def own_numbers(self, tenant: str) -> set[str]:
        item = self.get_item(f"{tenant}#TRUNKS", "SET", consistent=True)
        return set(item.get("numbers", [])) if item else set()

    def set_presence(self, tenant: str, ext: str, status: str, at: int) -> bool:
        """Record away/back unless a later change is already recorded; False when this one is older."""
        try:
            with translated_errors("a later presence change is recorded"):
                self.client.update_item(
                    TableName=self.tenants_table,
                    Key=to_item({"pk": tenant_pk(tenant), "sk": f"PRESENCE#{ext}"}),
                    UpdateExpression="SET #status = :status, #at = :at, ext = :ext",
                    ConditionExpression="attribute_not_exists(#at) OR #at < :at",
                    ExpressionAttributeNames={"#status": "status", "#at": "at"},
                    ExpressionAttributeValues=to_item({":status": status, ":at": at, ":ext": ext}),
                )
        except Conflict:
            return False
        return True

    def presence(self, tenant: str, ext: str) -> dict[str, Any] | None:
        return self.get_item(tenant_pk(tenant), f"PRESENCE#{ext}", consistent=True, table=self.tenants_table)


class WebhookLog(DynamoStore):
    """Raw webhook bodies, for diagnosis: `{tenant}#{kind}#{ref}` / `{received at}#{random}`, each
    deleted by DynamoDB's TTL after RAW_RETENTION_DAYS. A table of its own, apart from the records."""

    def put(self, tenant: str, kind: str, ref: str, body: str) -> None:
        received = now_ms()
        item = {
            "pk": f"{tenant}#{kind}#{ref}",
            "sk": f"{received:013d}#{secrets.token_hex(4)}",
            "body": body[:MAX_RAW_BYTES],
            "expires_at": received // 1000 + RAW_RETENTION_DAYS * 86400,
        }
        with translated_errors():
            self.client.put_item(TableName=self.table, Item=to_item(item))

    def bodies(self, tenant: str, kind: str, ref: str) -> list[dict[str, Any]]:
        response = self.client.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": f"{tenant}#{kind}#{ref}"}),
        )
        return [from_item(item) for item in response["Items"]]
