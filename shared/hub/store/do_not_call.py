"""The do-not-call list, in the contacts table.

Keys: `{tenant}#DNC` / `{e164}` — one item per listed number (hub.models.do_not_call.DoNotCallEntry).
"Is this number listed" is one GetItem, "which of these numbers are listed" BatchGetItem calls of 100
keys (DynamoStore.get_items), and the list itself one Query on the tenant's partition, by number.
The partition holds nothing else, so no other read of the table (contacts, phones, names, timelines:
hub.store.contacts) ever meets these items. A listing is a conditional Put, so the first one stays.
"""

from __future__ import annotations

from typing import Any

from hub.errors import Conflict
from hub.models.do_not_call import DoNotCallEntry
from hub.ports import Page
from hub.store.dynamo import DynamoStore, to_item, transact_write, translated_errors

LIST_KEYS = ("pk", "sk")
_NEW = "attribute_not_exists(pk)"
# TransactWriteItems takes at most 100 items.
_TRANSACTION_SIZE = 100


def do_not_call_pk(tenant: str) -> str:
    return f"{tenant}#DNC"


def entry_item(entry: DoNotCallEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json", exclude_none=True)
    return to_item({"pk": do_not_call_pk(entry.tenant), "sk": entry.phone, **data})


class DoNotCallStore(DynamoStore):
    def get(self, tenant: str, e164: str) -> DoNotCallEntry | None:
        item = self.get_item(do_not_call_pk(tenant), e164, consistent=True)
        return DoNotCallEntry.model_validate(item) if item else None

    def listed_among(self, tenant: str, numbers: list[str]) -> set[str]:
        pk = do_not_call_pk(tenant)
        return {str(item["sk"]) for item in self.get_items([(pk, number) for number in numbers])}

    def add(self, entry: DoNotCallEntry) -> bool:
        try:
            with translated_errors("the number is listed already"):
                self.client.put_item(TableName=self.table, Item=entry_item(entry), ConditionExpression=_NEW)
        except Conflict:
            return False
        return True

    def add_many(self, entries: list[DoNotCallEntry]) -> set[str]:
        """Conditional Puts, 100 to a transaction: a transaction refused because some of its numbers
        were listed meanwhile is sent again without them (they keep their first entry)."""
        added: set[str] = set()
        for start in range(0, len(entries), _TRANSACTION_SIZE):
            pending = entries[start : start + _TRANSACTION_SIZE]
            while pending:
                puts = [
                    {"Put": {"TableName": self.table, "Item": entry_item(e), "ConditionExpression": _NEW}}
                    for e in pending
                ]
                try:
                    transact_write(self.client, puts, "a number was listed meanwhile")
                except Conflict as exc:
                    pending = self._without_listed(pending, exc)
                    continue
                added |= {entry.phone for entry in pending}
                pending = []
        return added

    def _without_listed(self, pending: list[DoNotCallEntry], exc: Conflict) -> list[DoNotCallEntry]:
        """The entries of a refused transaction whose numbers are still free; none left to drop
        means the refusal was something else, which is raised."""
        reasons = (exc.details or {}).get("reasons", []) if isinstance(exc.details, dict) else []
        failed = {
            e.phone for e, reason in zip(pending, reasons, strict=False) if reason == "ConditionalCheckFailed"
        }
        if not failed and pending:
            failed = self.listed_among(pending[0].tenant, [e.phone for e in pending])
        if not failed:
            raise exc
        return [e for e in pending if e.phone not in failed]

    def remove(self, tenant: str, e164: str) -> None:
        with translated_errors():
            self.client.delete_item(
                TableName=self.table, Key=to_item({"pk": do_not_call_pk(tenant), "sk": e164})
            )

    def page(self, tenant: str, limit: int, start: dict[str, str] | None) -> Page[DoNotCallEntry]:
        page = self.query_page(
            LIST_KEYS,
            limit,
            start,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": do_not_call_pk(tenant)}),
        )
        return Page([DoNotCallEntry.model_validate(item) for item in page.items], page.next_start)
