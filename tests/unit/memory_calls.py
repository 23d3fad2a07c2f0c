"""In-memory fakes of the call side's ports (CallRepository, PhoneIndex, lead requests, the delivery
log), for unit tests of the call use cases with no AWS and no sockets.

They keep the adapters' contracts that the merge relies on: a save is conditional on the version read
(a stale one is a Conflict, as DynamoDB's condition is), the call, its callback and the labels it takes
change together or not at all, and a presence change older than the one kept is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.domain.calls import CallChanges, LeadRequest
from hub.errors import Conflict
from hub.models.call import Call, Callback, PendingAttribution
from hub.models.contact import PhoneEntry


@dataclass
class MemoryCalls:
    """A CallRepository (and PendingAttributions) in dicts; `saves` counts the calls written."""

    calls: dict[tuple[str, str], Call] = field(default_factory=dict)
    callbacks: dict[tuple[str, str], Callback] = field(default_factory=dict)
    closed_callbacks: list[Callback] = field(default_factory=list)
    pending: dict[tuple[str, str], PendingAttribution] = field(default_factory=dict)
    presence: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    trunks: dict[str, set[str]] = field(default_factory=dict)
    timeline: list[tuple[str, str]] = field(default_factory=list)  # (contact id, call uuid)
    saves: int = 0

    def get_call(self, tenant: str, uuid: str) -> Call | None:
        return self.calls.get((tenant, uuid))

    def pending_attribution(self, tenant: str, uuid: str) -> PendingAttribution | None:
        return self.pending.get((tenant, uuid))

    def save_pending_attribution(self, old: PendingAttribution | None, new: PendingAttribution) -> None:
        self._expect(self.pending.get((new.tenant, new.call_uuid)), old, "the pending labels changed")
        self.pending[(new.tenant, new.call_uuid)] = new

    def save_call(self, old: Call | None, new: Call, changes: CallChanges) -> None:
        key = (new.tenant, new.uuid)
        self._expect(self.calls.get(key), old, "the call was saved meanwhile")
        if changes.callback_after is not None:
            phone_key = (new.tenant, changes.callback_after.phone)
            self._expect(self.callbacks.get(phone_key), changes.callback_before, "the callback changed")
        if old is None:
            self._expect(self.pending.get(key), changes.pending_attribution, "labels were kept meanwhile")
            self.pending.pop(key, None)
            if new.trunk_num:
                self.trunks.setdefault(new.tenant, set()).add(new.trunk_num)
        self.calls[key] = new
        if changes.callback_after is not None:
            self.callbacks[(new.tenant, changes.callback_after.phone)] = changes.callback_after
        if changes.closed_callback is not None:
            self.closed_callbacks.append(changes.closed_callback)
        self.timeline += [(contact_id, new.uuid) for contact_id in changes.new_contact_links]
        self.saves += 1

    def get_callback(self, tenant: str, phone: str) -> Callback | None:
        return self.callbacks.get((tenant, phone))

    def own_numbers(self, tenant: str) -> set[str]:
        return set(self.trunks.get(tenant, set()))

    def close_callback(self, before: Callback, after: Callback, closed: Callback) -> None:
        self._expect(self.callbacks.get((after.tenant, after.phone)), before, "the callback changed")
        self.callbacks[(after.tenant, after.phone)] = after
        self.closed_callbacks.append(closed)

    def save_callback(self, before: Callback, after: Callback) -> None:
        self._expect(self.callbacks.get((after.tenant, after.phone)), before, "the callback changed")
        self.callbacks[(after.tenant, after.phone)] = after

    def set_presence(self, tenant: str, ext: str, status: str, at: int) -> bool:
        kept = self.presence.get((tenant, ext))
        if kept is not None and kept[1] >= at:
            return False
        self.presence[(tenant, ext)] = (status, at)
        return True

    @staticmethod
    def _expect(current: Call | Callback | PendingAttribution | None, read: object, message: str) -> None:
        """The stored record is still the one read (by version; None: still absent), else a Conflict."""
        read_version = getattr(read, "version", None) if read is not None else None
        current_version = current.version if current is not None else None
        if read_version != current_version:
            raise Conflict(message)


@dataclass
class MemoryPhones:
    """A PhoneIndex: the entries each tenant's E.164 number has."""

    entries: dict[tuple[str, str], list[PhoneEntry]] = field(default_factory=dict)

    def phone_entries(self, tenant: str, e164: str) -> list[PhoneEntry]:
        return list(self.entries.get((tenant, e164), []))


@dataclass
class LeadRequests:
    """The lead queue: what was sent, in order."""

    sent: list[LeadRequest] = field(default_factory=list)

    def __call__(self, request: LeadRequest) -> None:
        self.sent.append(request)


@dataclass
class MemoryDeliveries:
    """A WebhookLog: each raw body under its tenant, kind and ref."""

    bodies: list[tuple[str, str, str, str]] = field(default_factory=list)

    def put(self, tenant: str, kind: str, ref: str, body: str) -> None:
        self.bodies.append((tenant, kind, ref, body))
