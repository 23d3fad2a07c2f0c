"""Which saves ask for a call's Phonet note, and what the note says (hub.domain.call_notes)."""

from __future__ import annotations

from hub.domain.call_notes import call_note, note_content, note_due, qualifies
from hub.models.call import Call, CallState, CallStatus, Direction
from hub.models.tenant import Language, TenantSettings

ON = TenantSettings(phonet_call_notes=True)


def ended(**changes: object) -> Call:
    fields = {
        "tenant": "acme",
        "uuid": "c1",
        "direction": Direction.INBOUND,
        "state": CallState.ENDED,
        "status": CallStatus.ANSWERED,
        "other_number": "+380931234567",
        "employee_ext": "001",
        "employee_name": "Иван",
        "talk_seconds": 75,
    }
    return Call(**(fields | changes))


def test_call_notes_qualifies_ended_external_phonet_calls_only() -> None:
    assert qualifies(ended())
    assert qualifies(ended(status=CallStatus.MISSED, talk_seconds=None))
    assert qualifies(ended(direction=Direction.OUTBOUND, status=CallStatus.NO_ANSWER))
    assert not qualifies(ended(state=CallState.ANSWERED, status=None))
    assert not qualifies(ended(direction=Direction.INTERNAL))
    assert not qualifies(ended(source="avtodialer"))
    assert not qualifies(ended(other_number=None))


def test_call_notes_note_due_when_the_note_would_change_and_the_tenant_wants_it() -> None:
    call = ended()
    assert note_due(ON, None, call)
    assert note_due(ON, ended(state=CallState.ANSWERED, status=None), call)
    assert note_due(ON, call, call.model_copy(update={"recordings": ["https://rec/1"]}))
    assert note_due(ON, call, call.model_copy(update={"contact_ids": ["k1"]}))
    assert not note_due(ON, call, call.model_copy(update={"utm": {"utm_source": "x"}}))
    assert not note_due(TenantSettings(), None, call)  # off by default


def test_call_notes_content_says_direction_employee_and_outcome() -> None:
    assert (
        note_content(ended(), Language.RU)
        == "Входящий звонок, сотрудник Иван (001): состоялся, разговор 1:15"
    )
    missed = ended(status=CallStatus.MISSED, talk_seconds=None, employee_ext=None, employee_name=None)
    assert note_content(missed, Language.EN) == "Inbound call: missed"
    assert note_content(missed, Language.UK) == "Вхідний дзвінок: пропущений"
    assert all(note_content(ended(), language) for language in Language)  # every language has words


def test_call_notes_call_note_carries_uuid_talk_recording_and_number() -> None:
    call = ended(recordings=["https://rec/1", "https://rec/1-rx"], other_number_raw="0931234567")
    note = call_note(call, Language.RU)
    assert (note.call_uuid, note.talk_seconds, note.recording, note.other_number) == (
        "c1",
        75,
        "https://rec/1",
        "0931234567",
    )
