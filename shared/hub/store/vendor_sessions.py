"""Vendor sessions that outlive an invocation (hub.ports.vendors.SessionCache): Phonet's JSESSIONID.

One item per account key in the tenants table: `VSESSION#{key}` / `SESSION`, with the session id and
`expires_at` (epoch seconds, the attribute a table TTL would read). A load past `expires_at` is None
whatever the item still says; forgetting is conditional on the id, so an invocation that saw an old
session refused cannot delete the new one another invocation just saved. The id is a credential:
it is never logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hub.errors import Conflict
from hub.store.dynamo import DynamoStore, to_item, translated_errors

SK = "SESSION"


def session_pk(key: str) -> str:
    return f"VSESSION#{key}"


class DynamoSessionCache(DynamoStore):
    def __init__(
        self, table_name: str, client: object = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(table_name, client)
        self._clock = clock

    def load(self, key: str) -> str | None:
        item = self.get_item(session_pk(key), SK)
        if not item or int(item.get("expires_at", 0)) <= self._clock():
            return None
        return str(item["session_id"])

    def save(self, key: str, session_id: str, ttl_seconds: float) -> None:
        item = {
            "pk": session_pk(key),
            "sk": SK,
            "session_id": session_id,
            "expires_at": int(self._clock() + ttl_seconds),
        }
        with translated_errors():
            self.client.put_item(TableName=self.table, Item=to_item(item))

    def forget(self, key: str, session_id: str) -> None:
        try:
            with translated_errors():
                self.client.delete_item(
                    TableName=self.table,
                    Key=to_item({"pk": session_pk(key), "sk": SK}),
                    ConditionExpression="session_id = :sid",
                    ExpressionAttributeValues=to_item({":sid": session_id}),
                )
        except Conflict:
            pass  # another invocation saved a newer session (or it is gone already): keep that one
