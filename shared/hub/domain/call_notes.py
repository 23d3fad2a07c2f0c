"""Call notes: a logged Phonet call written back as a note on the caller's contact in Phonet's own
contact book (spec/phonet.md §B2), once per call, off the webhook's answer.

Which calls: a Phonet call with the outside world (inbound or outbound, with the other side's number)
once it ended, answered or not: a missed call or an unanswered dial is a touch the contact's history
in the PBX should show as much as a conversation. Internal calls have no contact; a robot's calls are
not the PBX's (they have no Phonet uuid to find them by).

When: the call merge (hub.domain.calls.CallService) asks for a note, through a queue, whenever a save
changes what the note would say (the end, the outcome, the talk seconds, the recording, the employee,
the linked contacts), so the history sync's talk seconds and recording, or a contact linked later by
the lead worker, update the note. The request carries the call's version: the worker waits (fails
and is retried) until that save has landed, then writes from the call as stored, the latest it knows.

Once: the note is found among the contact's notes by the call's uuid before anything is added, so a
note the PBX saved without confirming it (a lost answer, a timeout, a retried message) is updated or
left alone, never added again; the queue is FIFO with one group per call, so two requests for one
call are never worked on at the same time (both would find no note and add one each).

Which contact: the first linked hub contact carrying a `phonet` external code (the import's) that the
book still has, else the first of the book's contacts with the call's number (`searchByOLNum`, in
E.164, then as the PBX gave it when that differs); none is a skip, counted, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from aws_lambda_powertools import Logger

from hub.domain.tenants import TenantContext
from hub.errors import Unavailable
from hub.models.call import Call, CallState, CallStatus, Direction
from hub.models.tenant import Language, TenantSettings
from hub.ports import CallRepository, ContactRepository
from hub.ports.vendors import BookNote, CallNote, CallNoteBook

logger = Logger()

PHONET_CODE = "phonet"  # the external-code system of a contact imported from the Phonet book
_EXTERNAL = (Direction.INBOUND, Direction.OUTBOUND)


@dataclass(frozen=True)
class NoteRequest:
    """Write the note of call `call_uuid` once its save `version` has landed."""

    tenant: str
    call_uuid: str
    version: int


class NoteOutcome(StrEnum):
    WRITTEN = "written"
    UPDATED = "updated"  # the call's note was there; what it says had changed
    UNCHANGED = "unchanged"  # the call's note was there and says it all
    NO_CONTACT = "no_contact"  # no Phonet contact for the call: skipped
    NOT_WANTED = "not_wanted"  # the tenant turned notes off, or the call does not qualify


def qualifies(call: Call) -> bool:
    """A Phonet call with the outside world that ended (see the module's docstring for why)."""
    return (
        call.source == "phonet"
        and call.direction in _EXTERNAL
        and call.state == CallState.ENDED
        and bool(call.other_number)
    )


def _facts(call: Call) -> tuple[object, ...]:
    """What the note says or is found by: a save that changes none of it asks for no note."""
    return (
        call.status,
        call.talk_seconds,
        tuple(call.recordings),
        call.employee_ext,
        call.employee_name,
        call.other_number,
        call.other_number_raw,
        tuple(call.contact_ids),
        call.ended_at,
    )


def note_due(settings: TenantSettings, before: Call | None, after: Call) -> bool:
    """Whether saving `after` over `before` asks for the call's note (again)."""
    if not settings.phonet_call_notes or not qualifies(after):
        return False
    return before is None or not qualifies(before) or _facts(before) != _facts(after)


_WORDS = {
    Language.RU: {
        Direction.INBOUND: "Входящий звонок",
        Direction.OUTBOUND: "Исходящий звонок",
        CallStatus.ANSWERED: "состоялся",
        CallStatus.MISSED: "пропущен",
        CallStatus.NO_ANSWER: "без ответа",
        "employee": "сотрудник",
        "talk": "разговор",
    },
    Language.EN: {
        Direction.INBOUND: "Inbound call",
        Direction.OUTBOUND: "Outbound call",
        CallStatus.ANSWERED: "answered",
        CallStatus.MISSED: "missed",
        CallStatus.NO_ANSWER: "not answered",
        "employee": "employee",
        "talk": "talk",
    },
    Language.UK: {
        Direction.INBOUND: "Вхідний дзвінок",
        Direction.OUTBOUND: "Вихідний дзвінок",
        CallStatus.ANSWERED: "відбувся",
        CallStatus.MISSED: "пропущений",
        CallStatus.NO_ANSWER: "без відповіді",
        "employee": "співробітник",
        "talk": "розмова",
    },
}


def note_content(call: Call, language: Language) -> str:
    """One readable line: direction, employee, outcome (and the talk time of an answered call)."""
    words = _WORDS[language]
    parts = [str(words[call.direction]) if call.direction in words else "Call"]
    who = " ".join(
        filter(None, [call.employee_name, f"({call.employee_ext})" if call.employee_ext else None])
    )
    if who:
        parts.append(f"{words['employee']} {who}")
    outcome = str(words[call.status]) if call.status in words else ""
    if call.status == CallStatus.ANSWERED and call.talk_seconds:
        minutes, seconds = divmod(call.talk_seconds, 60)
        outcome += f", {words['talk']} {minutes}:{seconds:02d}"
    return ", ".join(parts) + (f": {outcome}" if outcome else "")


def call_note(call: Call, language: Language) -> CallNote:
    """The note the call makes: its uuid, talk seconds, recording, the other side and a readable line."""
    return CallNote(
        call_uuid=call.uuid,
        content=note_content(call, language),
        other_number=call.other_number_raw or call.other_number,
        talk_seconds=call.talk_seconds or None,  # None, not 0: as `hub.vendors.phonet.notes` reads it back
        recording=call.recordings[0] if call.recordings else None,
        other_name=call.other_name or None,
        ended_at=call.ended_at or None,
        direction=call.direction,
        trunk=call.trunk_num or None,
    )


class CallNotes:
    """Writes a call's note into the tenant's Phonet contact book (`books` gives the tenant's)."""

    def __init__(
        self,
        calls: CallRepository,
        contacts: ContactRepository,
        books: Callable[[str], CallNoteBook],
    ) -> None:
        """`books` gives a tenant's book (hub.vendors.accounts' `call_notes`)."""
        self.calls = calls
        self.contacts = contacts
        self.books = books

    def write(self, context: TenantContext, request: NoteRequest) -> NoteOutcome:
        """The call's note added, updated or left as it is; Unavailable (retry) while the save that
        asked for it has not landed."""
        if not context.tenant.settings.phonet_call_notes:
            return NoteOutcome.NOT_WANTED
        call = self.calls.get_call(context.slug, request.call_uuid)
        if call is None or call.version < request.version:
            raise Unavailable("the call's save has not landed yet; retry", code="call_not_saved")
        if not qualifies(call):
            return NoteOutcome.NOT_WANTED
        book = self.books(context.slug)
        found = self._contact(context, call, book)
        if found is None:
            return NoteOutcome.NO_CONTACT
        contact_id, existing = found
        note = call_note(call, context.tenant.language)
        kept = existing.get(call.uuid)
        if kept is None:
            book.add_note(contact_id, note)
            return NoteOutcome.WRITTEN
        if kept.note == note:
            return NoteOutcome.UNCHANGED
        book.update_note(contact_id, kept.note_id, note)
        return NoteOutcome.UPDATED

    def _contact(
        self, context: TenantContext, call: Call, book: CallNoteBook
    ) -> tuple[str, dict[str, BookNote]] | None:
        """The Phonet contact the note goes on and its call notes: a linked hub contact's `phonet`
        code (one the book no longer has falls through), else the first with the call's number."""
        for contact in self.contacts.get_many(context.slug, list(call.contact_ids)):
            code = contact.external_codes.get(PHONET_CODE)
            if code:
                notes = book.call_notes(code)
                if notes is not None:
                    return code, notes
                logger.info("the contact's Phonet twin is gone", extra={"contact": contact.id})
        for number in dict.fromkeys(filter(None, [call.other_number, call.other_number_raw])):
            found = book.contacts_with_number(number)
            if len(found) > 1:
                logger.info("several Phonet contacts have the number: the first takes the note")
            for contact_id in found[:1]:
                notes = book.call_notes(contact_id)
                if notes is not None:
                    return contact_id, notes
        return None
