"""Phonet's call history (spec/phonet.md §B: company.api, missed.api, users.api) in the hub's terms: each
finished row becomes a `FinishedCall`, which hub.domain.calls merges into the same record the events
make. Phonet's direction, leg-type and disposition codes and its trunk notation end here."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from hub.phones import e164_or_none
from hub.ports.vendors import FinishedCall, OffsetPage
from hub.vendors.phonet.client import MAX_PAGE, HistoryPage
from hub.vendors.phonet.translate import DIRECTIONS, PRESENCE

if TYPE_CHECKING:
    from hub.vendors.phonet.rest import FinishedCall as HistoryRow
    from hub.vendors.phonet.rest import RestLeg

# `disposition` (§B): 0 answered, the others kinds of no answer; hub.models.call.Disposition's names.
DISPOSITIONS = {0: "answered", 1: "no_answer", 2: "congested", 3: "dial_error", 4: "busy"}
# `leg.type` (§B): 1 an employee, 2 a group (department), 4 an IVR scenario; only 1 is a person.
GROUP_LEG, IVR_LEG = 2, 4
_LINE_PREFIX = re.compile(r"^[A-Za-z]+=")  # `trunk` lists the lines tried: "o=380442249895;"


def finished_call(
    row: HistoryRow, country: str, still_missed: bool = False, fallbacks: Sequence[str] = ()
) -> FinishedCall:
    """One history row as the hub's `FinishedCall`: numbers read as the events read them (the tenant's
    country, then the vendor's fallbacks), an unknown disposition code as none (answered then means
    talk seconds), a group or IVR leg as no employee. A pause or return (lgDirection 32/64) is no
    call: ValueError, which the pages count as unreadable."""
    if row.lg_direction in PRESENCE:
        raise ValueError(f"row {row.uuid} is an employee's pause, not a call")
    disposition = DISPOSITIONS.get(row.disposition) if row.disposition is not None else None
    talk = row.bill_secs or 0
    other_number = e164_or_none(row.other_leg_num, country, fallbacks)
    employee = row.leg if _is_employee(row.leg) else None
    return FinishedCall(
        uuid=row.uuid,
        parent_uuid=row.parent_uuid if row.parent_uuid != row.uuid else None,
        direction=DIRECTIONS.get(row.lg_direction),
        ended_at=row.end_at,
        answered=(disposition == "answered") if disposition else talk > 0,
        talk_seconds=talk,
        total_seconds=max(row.duration or 0, talk),
        other_number=other_number,
        other_number_raw=row.other_leg_num,
        other_name=_other_name(row.other_leg_name, row.other_leg_num, other_number, country, fallbacks),
        employee_ext=employee.ext if employee else None,
        employee_name=employee.display_name if employee else None,
        employee_pbx_id=employee.id if employee else None,
        employee2_ext=row.leg2.ext if _is_employee(row.leg2) and row.leg2 else None,
        disposition=disposition,
        transfer_history=row.transfer_history,
        trunk=_trunk_line(row.trunk, country, fallbacks),
        recording=row.audio_rec_url,
        still_missed=still_missed,
    )


def history_pages(
    pages: Iterator[HistoryPage], country: str, still_missed: bool = False, fallbacks: Sequence[str] = ()
) -> Iterator[OffsetPage[FinishedCall]]:
    """PhonetClient's history pages as the port's: each page's rows translated, those that did not
    parse or translate counted as unreadable (never dropped unseen), `next_offset` where the next
    page starts, None after the short page that is the last (the client's rule)."""
    for page in pages:
        items: list[FinishedCall] = []
        unreadable = len(page.invalid)
        for row in page.rows:
            try:
                items.append(finished_call(row, country, still_missed, fallbacks))
            except ValueError:  # pydantic's ValidationError too
                unreadable += 1
        full = len(page) >= MAX_PAGE
        yield OffsetPage(
            items=items, next_offset=page.offset + len(page) if full else None, unreadable=unreadable
        )


def _is_employee(leg: RestLeg | None) -> bool:
    return leg is not None and leg.type not in (GROUP_LEG, IVR_LEG) and bool(leg.ext)


def _other_name(
    name: str | None, raw: str | None, number: str | None, country: str, fallbacks: Sequence[str]
) -> str | None:
    """The party's name, unless it is only their number again (the PBX's name for an unknown party)."""
    if not name or name == raw:
        return None
    if number is not None and e164_or_none(name, country, fallbacks) == number:
        return None
    return name


def _trunk_line(trunk: str | None, country: str, fallbacks: Sequence[str]) -> str | None:
    """The company line a call used: of the lines `trunk` lists (an outbound call tried each in
    turn), the last, E.164 when it reads as a number, else as given."""
    lines = [_LINE_PREFIX.sub("", part.strip()) for part in (trunk or "").split(";")]
    lines = [line for line in lines if line]
    if not lines:
        return None
    return e164_or_none(lines[-1], country, fallbacks) or lines[-1]
