"""A call save that keeps losing races resolves (jittered retries within a time budget) or ends in a
retryable 503, never a 409: a PBX may treat any 4xx as final and drop a valid event."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain import calls as domain_calls
from hub.domain.calls import CallService
from hub.domain.tenants import TenantContext
from hub.errors import Conflict, Unavailable
from hub.http import http_status
from hub.models.call import Call, Callback, CallState
from hub.models.tenant import Tenant
from hub.ports import CallChanges
from hub.vendors.phonet.models.call_events import CallEvent
from hub.vendors.phonet.translate import call_event_record

HANGUP = {
    "event": "call.hangup",
    "uuid": "c1",
    "dialAt": 1431686100,
    "serverTime": 1431686160000,
    "lgDirection": 1,
    "leg": {"id": 36, "ext": "001"},
}


class LosingRepository:
    """Every save loses the race `losses` times (someone else saved meanwhile), then lands."""

    def __init__(self, losses: int) -> None:
        self.losses = losses
        self.saves = 0
        self.saved: Call | None = None

    def get_call(self, tenant: str, uuid: str) -> Call | None:
        return self.saved

    def save_call(self, old: Call | None, new: Call, changes: CallChanges) -> None:
        self.saves += 1
        if self.saves <= self.losses:
            raise Conflict("the call was saved meanwhile")
        self.saved = new

    def get_callback(self, tenant: str, phone: str) -> Callback | None:
        return None

    def pending_attribution(self, tenant: str, uuid: str) -> None:
        return None

    def own_numbers(self, tenant: str) -> set[str]:
        return set()

    def close_callback(self, *args: Any) -> None: ...

    def set_presence(self, *args: Any) -> bool:
        return True


class NoPhones:
    def phone_entries(self, tenant: str, e164: str) -> list:
        return []


def record(repository: LosingRepository) -> Call | None:
    service = CallService(repository, NoPhones(), lambda request: None)  # type: ignore[arg-type]
    context = TenantContext(Tenant(slug="acme", name="Acme"))
    return service.record_pbx_event(
        context, call_event_record(CallEvent.model_validate(HANGUP), context.tenant)
    )


@pytest.fixture(autouse=True)
def _no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    pauses: list[float] = []
    monkeypatch.setattr(domain_calls.time, "sleep", pauses.append)
    return pauses


def test_save_call_losing_many_races_keeps_retrying_and_lands(_no_waiting: list[float]) -> None:
    repository = LosingRepository(losses=12)
    call = record(repository)
    assert call is not None and call.state == CallState.ENDED
    assert repository.saves == 13
    assert all(0 <= pause <= 1.0 for pause in _no_waiting) and len(_no_waiting) == 12


def test_save_call_contended_past_its_budget_is_a_retryable_503_not_a_409(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter(range(0, 10_000))  # every reading of the clock is a second later
    monkeypatch.setattr(domain_calls.time, "monotonic", lambda: float(next(clock)))
    with pytest.raises(Unavailable) as raised:
        record(LosingRepository(losses=10**6))
    assert raised.value.retryable and raised.value.code == "busy_call"
    assert http_status(raised.value) == 503
