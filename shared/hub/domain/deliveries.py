"""Webhook bodies as they came, kept a while for diagnosis (the table expires them): what the use
cases behind the webhooks log before they apply a delivery, so a dispute can be read back."""

from __future__ import annotations

from dataclasses import dataclass

from hub.ports import WebhookLog


@dataclass(frozen=True)
class RawDelivery:
    """One webhook body: `kind` names the stream (phonet, utm, avtodialer), `ref` what it is about
    (a call's uuid), so one call's deliveries are read together."""

    kind: str
    ref: str
    body: str


def keep(log: WebhookLog | None, tenant: str, delivery: RawDelivery | None) -> None:
    """Log the delivery when there is one and a log to keep it in (tests of the merge have neither)."""
    if log is not None and delivery is not None:
        log.put(tenant, delivery.kind, delivery.ref, delivery.body)
