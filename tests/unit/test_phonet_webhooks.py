"""What the handlers read from Phonet's webhooks through the vendor package's parse functions."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hub.models.call import LegEvent, PresenceChange
from hub.models.tenant import Tenant
from hub.vendors.phonet.translate import read_call_event
from hub.vendors.phonet.webhooks import call_settings_number, is_call_settings
from tests.support import event_body

ACME = Tenant(slug="acme", name="Acme")


def test_is_call_settings_only_for_a_lookup_object() -> None:
    assert is_call_settings({"request": "call.settings", "otherLegNum": "+380442246595"})
    assert not is_call_settings(event_body("phonet_events/call_dial.json"))
    assert not is_call_settings(["call.settings"]) and not is_call_settings(None)


def test_call_settings_number_reads_the_number_or_none_when_hidden() -> None:
    assert (
        call_settings_number({"request": "call.settings", "otherLegNum": " +380442246595 "})
        == "+380442246595"
    )
    assert call_settings_number({"request": "call.settings", "otherLegNum": "  "}) is None
    with pytest.raises(ValidationError):
        call_settings_number({"request": "call.hangup"})


def test_read_call_event_gives_the_record_its_conversation_and_name() -> None:
    payload = event_body("phonet_events/call_dial.json")
    read = read_call_event({**payload, "parentUuid": "parent0call"}, ACME)
    assert isinstance(read.record, LegEvent)
    assert (read.conversation, read.name) == ("parent0call", payload["event"])
    assert read_call_event({**payload, "parentUuid": None}, ACME).conversation == payload["uuid"]


def test_read_call_event_pause_is_a_presence_change() -> None:
    payload = {**event_body("phonet_events/call_dial.json"), "lgDirection": 32}
    assert isinstance(read_call_event(payload, ACME).record, PresenceChange)
