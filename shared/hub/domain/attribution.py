"""Where callers come from: Phonet's UTM batches (§A3) on the call and, first touch, on the contact."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import ValidationError

from hub.domain.calls import CallService
from hub.domain.lookup import PhoneIndex
from hub.domain.tenants import TenantContext
from hub.errors import HubError, validation_summary
from hub.models.phonet import UtmLabel
from hub.phones import normalize_phone


class AttributionStore(Protocol):
    def set_attribution_if_absent(
        self, tenant: str, contact_id: str, attribution: dict[str, Any]
    ) -> bool: ...


@dataclass
class BatchResult:
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def record_utm_batch(
    context: TenantContext,
    items: list[Any],
    calls: CallService,
    phones: PhoneIndex,
    contacts: AttributionStore,
) -> BatchResult:
    """Each item on its own: a bad one is reported by index and the others still count."""
    result = BatchResult()
    for index, raw in enumerate(items):
        try:
            label = UtmLabel.model_validate(raw)
            number = (
                normalize_phone(label.other_leg_num, context.tenant.default_country)
                if label.other_leg_num
                else None
            )
            if not (label.call_parent_uuid or number):
                raise ValueError("neither callParentUuid nor otherLegNum")
            attribution = label.attribution()
            if label.call_parent_uuid:
                calls.set_utm(context, label.call_parent_uuid, attribution)
            if number and attribution:
                for entry in phones.phone_entries(context.slug, number):
                    contacts.set_attribution_if_absent(context.slug, entry.id, attribution)
        except ValidationError as exc:
            result.rejected.append({"index": index, "message": validation_summary(exc, limit=1)})
            continue
        except (HubError, ValueError) as exc:
            result.rejected.append({"index": index, "message": str(exc)})
            continue
        result.accepted += 1
    return result
