"""Phonet's contact book as the place call notes go (hub.ports.vendors.CallNoteBook), over PhonetClient:
a CallNote in the seed's note shape (`uuid`, `billSec`, `recordLink`, `otherLegNum`, `content`, ...)
and back."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from hub.ports.vendors import BookNote, CallNote
from hub.vendors.phonet.book import NoteBody, PhonetNote
from hub.vendors.phonet.client import BOOK_MAX_PAGE, PhonetClient
from hub.vendors.phonet.translate import DIRECTION_CODES, DIRECTIONS

logger = Logger()


def note_body(note: CallNote, base: NoteBody | None = None) -> NoteBody:
    """`note` as the PBX takes it; over `base` (the note as read) on an update, so what the hub does
    not write (its id, owner, dates, tag) stays as the PBX has it."""
    fields = {
        "content": note.content,
        "uuid": note.call_uuid,
        "other_leg_num": note.other_number or "",
        "other_leg_name": note.other_name,
        "bill_sec": note.talk_seconds or 0,
        "record_link": note.recording or "",
        "end": note.ended_at or 0,
        "logic_direction": DIRECTION_CODES.get(note.direction, 0) if note.direction else 0,
        "trunk": note.trunk or "",
    }
    return base.model_copy(update=fields) if base is not None else NoteBody(**fields)


def call_note(note: PhonetNote) -> CallNote:
    """What a note read back says of its call, in the terms `note_body` writes (for comparing)."""
    return CallNote(
        call_uuid=note.uuid or "",
        content=note.content or "",
        other_number=note.other_leg_num or None,
        talk_seconds=note.bill_sec or None,
        recording=note.record_link or None,
        other_name=note.other_leg_name or None,
        ended_at=note.end,
        direction=DIRECTIONS.get(note.logic_direction) if note.logic_direction else None,
        trunk=note.trunk or None,
    )


class PhonetCallNotes:
    """A tenant's Phonet contact book as a CallNoteBook."""

    def __init__(self, client: PhonetClient) -> None:
        self.client = client
        self._read: dict[tuple[str, str], PhonetNote] = {}  # the notes just listed, for an update

    def contacts_with_number(self, number: str) -> list[str]:
        page = self.client.book_contacts_by_number(number, limit=BOOK_MAX_PAGE)
        return [contact.id for contact in page.rows]

    def call_notes(self, contact_id: str) -> dict[str, BookNote] | None:
        rows = self.client.book_notes(contact_id)
        if rows is None:
            return None
        if rows.invalid:
            logger.warning("Phonet notes: rows that do not read", extra={"count": len(rows.invalid)})
        found: dict[str, BookNote] = {}
        self._read = {}  # only the contact just listed: a warm container keeps no one else's notes
        for note in rows.rows:
            if note.uuid and note.uuid not in found:  # the first of a call's notes is its note
                self._read[(contact_id, note.id)] = note
                found[note.uuid] = BookNote(note_id=note.id, note=call_note(note))
        return found

    def add_note(self, contact_id: str, note: CallNote) -> str:
        return self.client.add_book_note(contact_id, note_body(note)).id

    def update_note(self, contact_id: str, note_id: str, note: CallNote) -> None:
        read = self._read.get((contact_id, note_id))
        base = read.as_body() if read is not None else NoteBody(id=int(note_id))
        self.client.update_book_note(contact_id, note_body(note, base))
