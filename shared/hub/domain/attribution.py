"""Where callers come from: UTM labels (Phonet's batches, §A3) on the call and, first touch, on the contact.

A batch is checked item by item when it arrives (by the vendor's translator: cheap, no reads),
answered at once, and applied later by a worker from a queue: a busy line's batch of a thousand
labels must not outlast the webhook's timeout. Applying is idempotent, so a redelivered message
changes nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from hub.domain.calls import CallService
from hub.domain.deliveries import RawDelivery, keep
from hub.domain.tenants import TenantContext
from hub.errors import Conflict
from hub.ids import now_ms
from hub.models.call import PendingAttribution
from hub.ports import ContactWriter, PendingAttributions, PhoneIndex, WebhookLog

# Labels for a call the hub never sees are dropped after this long (a history sync has caught up by then).
PENDING_DAYS = 7
# A queue message stays far under SQS's 256 KiB, and ten of them (one SendMessageBatch) too.
MESSAGE_BYTES = 24 * 1024
# Few enough that one message is applied in seconds on DynamoDB (a handful of requests per item).
MESSAGE_ITEMS = 100
_ATTEMPTS = 6


@dataclass(frozen=True)
class UtmItem:
    """One checked label, in the hub's terms: what the worker applies."""

    index: int
    labels: dict[str, Any]
    call_uuid: str | None = None
    phone: str | None = None  # E.164


def utm_messages(tenant: str, items: list[UtmItem]) -> list[dict[str, Any]]:
    """The items worth applying (those with labels), in queue messages of bounded size and count."""
    messages: list[dict[str, Any]] = []
    chunk: list[dict[str, Any]] = []
    size = 0
    for item in items:
        if not item.labels:
            continue
        data = asdict(item)
        item_size = len(json.dumps(data, ensure_ascii=False).encode()) + 1
        if chunk and (size + item_size > MESSAGE_BYTES or len(chunk) >= MESSAGE_ITEMS):
            messages.append({"tenant": tenant, "items": chunk})
            chunk, size = [], 0
        chunk.append(data)
        size += item_size
    if chunk:
        messages.append({"tenant": tenant, "items": chunk})
    return messages


class UtmIntake:
    """A checked batch, answered at once: its raw body kept first, its labels queued for the worker."""

    def __init__(
        self, send_all: Callable[[list[dict[str, Any]]], None], deliveries: WebhookLog | None = None
    ) -> None:
        self.send_all = send_all
        self.deliveries = deliveries

    def accept(
        self, context: TenantContext, items: list[UtmItem], delivery: RawDelivery | None = None
    ) -> None:
        keep(self.deliveries, context.slug, delivery)
        self.send_all(utm_messages(context.slug, items))


def apply_utm_item(
    context: TenantContext,
    item: UtmItem,
    calls: CallService,
    pending: PendingAttributions,
    phones: PhoneIndex,
    contacts: ContactWriter,
) -> None:
    """The labels on their call (or kept for it) and, first touch, on the contacts holding the number.
    Every step is a no-op the second time."""
    if item.call_uuid:
        attribute_call(context, item.call_uuid, item.labels, calls, pending)
    if item.phone:
        for entry in phones.phone_entries(context.slug, item.phone):
            first_touch(contacts, context.slug, entry.id, item.labels)


def attribute_call(
    context: TenantContext,
    call_uuid: str,
    labels: dict[str, Any],
    calls: CallService,
    pending: PendingAttributions,
) -> None:
    """Merge the labels into the call, or, while it is not logged, into the labels kept for it.

    A call's first save takes the kept labels it read and fails if they changed meanwhile; the labels
    are kept first and the call looked for again after, so whichever comes second sees the other:
    labels arriving while their call is first saved are never lost, and never make a call.
    """
    for _ in range(_ATTEMPTS):
        if calls.set_utm(context, call_uuid, labels) is not None:
            return
        held = pending.pending_attribution(context.slug, call_uuid)
        merged = {**(held.labels if held else {}), **labels}
        if held is not None and merged == held.labels:
            return
        kept = PendingAttribution(
            tenant=context.slug,
            call_uuid=call_uuid,
            labels=merged,
            expires_at=now_ms() // 1000 + PENDING_DAYS * 86400,
            version=(held.version if held else 0) + 1,
        )
        try:
            pending.save_pending_attribution(held, kept)
        except Conflict:
            continue  # other labels landed, or a call took them: look again
        # A call first saved before our labels were kept did not see them (what it left is dropped by TTL).
        calls.set_utm(context, call_uuid, labels)
        return
    raise Conflict("the call kept changing while its labels were saved; retry", code="busy_call")


def first_touch(contacts: ContactWriter, tenant: str, contact_id: str, labels: dict[str, Any]) -> bool:
    """The first attribution a contact gets is kept. It is a change like any other: the version and
    `updated_at` move (and with them the updated-since index), so syncs see it."""
    for _ in range(_ATTEMPTS):
        current = contacts.get(tenant, contact_id, consistent=True)
        if current is None or current.attribution:
            return False
        updated = current.model_copy(
            update={
                "attribution": labels,
                "updated_at": max(now_ms(), current.updated_at + 1),
                "version": current.version + 1,
            }
        )
        try:
            contacts.update(current, updated)
        except Conflict:
            continue
        return True
    raise Conflict("the contact kept changing while its attribution was set; retry", code="busy_contact")


class AttributionService:
    """Applies the checked UTM items a queue message carries (the UTM worker's one use case)."""

    def __init__(
        self, calls: CallService, pending: PendingAttributions, phones: PhoneIndex, contacts: ContactWriter
    ) -> None:
        self.calls = calls
        self.pending = pending
        self.phones = phones
        self.contacts = contacts

    def apply(self, context: TenantContext, items: list[UtmItem]) -> None:
        for item in items:
            apply_utm_item(context, item, self.calls, self.pending, self.phones, self.contacts)
