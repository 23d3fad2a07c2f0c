"""Phonet's history rows (§B) as the hub's FinishedCall, read as the PBX really sends them, and its
history pages as the port's: nothing that fails to read or translate is dropped unseen."""

from __future__ import annotations

from typing import Any

import pytest

from hub.models.call import Direction
from hub.vendors.http import InvalidRow
from hub.vendors.phonet.client import MAX_PAGE, HistoryPage
from hub.vendors.phonet.history import finished_call, history_pages
from hub.vendors.phonet.rest import FinishedCall as HistoryRow

# The seed's second company.api example, repaired into JSON.
SEED_ROW: dict[str, Any] = {
    "uuid": "d38f07d9-3b59-47aa-c711-94c6bebe1621",
    "endAt": 1435317888511,
    "lgDirection": 2,
    "otherLegNum": "+380993034330",
    "otherLegName": "+380993034330",
    "leg": {"id": 36, "type": 1, "displayName": "Васильев Андрей", "ext": "001"},
    "leg2": None,
    "billSecs": 4,
    "duration": 15,
    "disposition": 0,
    "transferHistory": "003 > 001",
    "audioRecUrl": "https://podium.betell.com.ua/rest/public/calls/d38f07d9-3b59-47aa-c711-94c6bebe1621/audio",
    "trunk": "o=380442249895;",
}


def translated(**changes: Any):
    return finished_call(HistoryRow.model_validate({**SEED_ROW, **changes}), "UA")


def test_finished_call_seed_row_in_the_hubs_terms() -> None:
    call = translated()
    assert (call.uuid, call.parent_uuid, call.direction) == (SEED_ROW["uuid"], None, Direction.OUTBOUND)
    assert (call.ended_at, call.answered, call.talk_seconds, call.total_seconds) == (
        1435317888511,
        True,
        4,
        15,
    )
    assert (call.other_number, call.other_number_raw, call.other_name) == (
        "+380993034330",
        "+380993034330",
        None,
    )
    assert (call.employee_ext, call.employee_name, call.employee_pbx_id) == ("001", "Васильев Андрей", "36")
    assert (call.disposition, call.transfer_history, call.trunk) == ("answered", "003 > 001", "+380442249895")
    assert call.recording == SEED_ROW["audioRecUrl"] and not call.still_missed


def test_finished_call_ids_as_strings_or_numbers_read_alike() -> None:
    as_text = translated(uuid="123", endAt="1435317888511", leg={"id": "36", "type": 1, "ext": 1})
    as_numbers = translated(uuid=123, endAt=1435317888511, leg={"id": 36, "type": 1, "ext": "1"})
    assert as_text == as_numbers
    assert (as_text.uuid, as_text.employee_pbx_id, as_text.employee_ext) == ("123", "36", "1")


@pytest.mark.parametrize("parent", [{}, {"parentUuid": None}, {"parentUuid": ""}])
def test_finished_call_missing_parent_uuid_is_a_call_of_its_own(parent: dict[str, Any]) -> None:
    call = finished_call(HistoryRow.model_validate({**SEED_ROW, **parent}), "UA")
    assert call.parent_uuid is None


def test_finished_call_department_leg_names_its_parent() -> None:
    assert translated(parentUuid="d267486f-a539-45dd-c5f5-e735a5870b80").parent_uuid == (
        "d267486f-a539-45dd-c5f5-e735a5870b80"
    )


@pytest.mark.parametrize(
    "leg",
    [
        None,  # a system call
        {"id": 7, "type": 4, "ext": None, "displayName": "Меню"},  # an IVR scenario
        {"id": 8, "type": 2, "ext": "500", "displayName": "Продажи"},  # a group (department)
        {"id": 9, "type": 1, "ext": None, "displayName": "Без номера"},
    ],
)
def test_finished_call_leg_that_is_no_employee_names_none(leg: dict[str, Any] | None) -> None:
    call = translated(leg=leg, lgDirection=4)
    assert (call.employee_ext, call.employee_name, call.employee_pbx_id) == (None, None, None)
    assert call.direction == Direction.INBOUND


def test_finished_call_recording_with_a_trailing_space_is_trimmed_and_absent_is_none() -> None:
    assert translated(audioRecUrl="https://pbx.example/rest/public/calls/x/audio ").recording == (
        "https://pbx.example/rest/public/calls/x/audio"
    )
    assert translated(audioRecUrl=None).recording is None
    row = {key: value for key, value in SEED_ROW.items() if key != "audioRecUrl"}
    assert finished_call(HistoryRow.model_validate(row), "UA").recording is None


@pytest.mark.parametrize(
    ("code", "name", "answered"),
    [
        (0, "answered", True),
        (1, "no_answer", False),
        (2, "congested", False),
        (3, "dial_error", False),
        (4, "busy", False),
    ],
)
def test_finished_call_disposition_codes_are_named(code: int, name: str, answered: bool) -> None:
    call = translated(disposition=code, billSecs=4 if answered else 0)
    assert (call.disposition, call.answered) == (name, answered)


@pytest.mark.parametrize(("bill", "answered"), [(4, True), (0, False)])
def test_finished_call_unknown_disposition_is_none_and_talk_decides(bill: int, answered: bool) -> None:
    call = translated(disposition=9, billSecs=bill)
    assert (call.disposition, call.answered, call.talk_seconds) == (None, answered, bill)


def test_finished_call_internal_call_has_no_customer_and_names_the_other_employee() -> None:
    call = translated(
        lgDirection=1,
        otherLegNum=None,
        otherLegName=None,
        trunk=None,
        leg2={"id": 19, "type": 1, "ext": "004"},
    )
    assert (call.direction, call.other_number, call.employee2_ext, call.trunk) == (
        Direction.INTERNAL,
        None,
        "004",
        None,
    )


def test_finished_call_keeps_a_real_name_and_the_raw_odd_number() -> None:
    call = translated(otherLegNum="0993034330", otherLegName="Иван Петров")
    assert (call.other_number, call.other_number_raw, call.other_name) == (
        "+380993034330",
        "0993034330",
        "Иван Петров",
    )
    hidden = translated(otherLegNum="anonymous", otherLegName="anonymous")
    assert (hidden.other_number, hidden.other_number_raw, hidden.other_name) == (None, "anonymous", None)


def test_finished_call_trunk_listing_several_lines_is_the_last_one() -> None:
    assert translated(trunk="o=380442249895;o=380442249896;").trunk == "+380442249896"


def test_finished_call_still_missed_is_passed_on() -> None:
    assert finished_call(HistoryRow.model_validate(SEED_ROW), "UA", still_missed=True).still_missed


def page(offset: int, rows: list[dict[str, Any]], invalid: int = 0) -> HistoryPage:
    bad = [InvalidRow(index=i, raw={}, reason="uuid: missing") for i in range(invalid)]
    return HistoryPage(rows=[HistoryRow.model_validate(row) for row in rows], invalid=bad, offset=offset)


def test_history_pages_count_unreadable_and_untranslatable_rows_and_say_where_next() -> None:
    full = [{**SEED_ROW, "uuid": f"u{i}"} for i in range(MAX_PAGE - 2)]
    pause = {**SEED_ROW, "uuid": "p1", "lgDirection": 32}
    first, last = history_pages(iter([page(0, [*full, pause], invalid=1), page(MAX_PAGE, [SEED_ROW])]), "UA")
    assert (len(first.items), first.unreadable, first.next_offset) == (MAX_PAGE - 2, 2, MAX_PAGE)
    assert (len(last.items), last.unreadable, last.next_offset) == (1, 0, None)


def test_history_pages_empty_page_is_the_last() -> None:
    (only,) = history_pages(iter([page(0, [])]), "UA", still_missed=True)
    assert (only.items, only.unreadable, only.next_offset) == ([], 0, None)


def test_history_pages_mark_missed_list_rows_still_missed() -> None:
    (only,) = history_pages(iter([page(0, [SEED_ROW])]), "UA", still_missed=True)
    assert [call.still_missed for call in only.items] == [True]
