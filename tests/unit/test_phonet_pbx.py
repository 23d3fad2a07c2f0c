"""PhonetPbx: Phonet's live calls and users in the hub's terms (hub.ports.vendors.PbxClient)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import NotFound, VendorRejected
from hub.models.call import Direction
from hub.vendors.http import Call, Rows, parse_rows
from hub.vendors.phonet.pbx import PhonetPbx
from hub.vendors.phonet.rest import ActiveCall, PbxUser


class StubClient:
    domain = "acme.phonet.com.ua"

    def __init__(
        self, active: list[Any] = (), users: list[Any] = (), hangup_error: Exception | None = None
    ) -> None:
        self._active, self._users, self._hangup_error = list(active), list(users), hangup_error

    def active_calls(self) -> Rows[ActiveCall]:
        return parse_rows(ActiveCall, self._active, Call("phonet", "calls.active"))

    def users(self) -> Rows[PbxUser]:
        return parse_rows(PbxUser, self._users, Call("phonet", "users"))

    def hangup(self, uuid: str) -> None:
        if self._hangup_error:
            raise self._hangup_error


def test_phonet_pbx_active_rows_become_leg_snapshots_in_e164() -> None:
    rows = [
        {
            "uuid": "a1",
            "lgDirection": 2,
            "dialAt": 1_700_000_000,  # seconds, as some PBXs send
            "bridgeAt": 1_700_000_005_000,
            "lastEvent": "call.bridge",
            "leg": {"id": 30, "ext": "001", "displayName": "Іван"},
            "otherLegs": [{"num": "0442246595", "name": "Иван", "priority": 1}],
            "trunkNum": "0800218500",
        },
        {"uuid": "i2", "lgDirection": 1, "otherLegs": None, "leg": {"ext": "002"}, "leg2": {"ext": "001"}},
        {"lgDirection": 4},  # no uuid: unreadable, left out
    ]
    legs = PhonetPbx(StubClient(active=rows), "UA").active_calls()
    assert [leg.uuid for leg in legs] == ["a1", "i2"]
    talking, internal = legs
    assert (talking.event, talking.direction, talking.dial_at) == (
        "bridge",
        Direction.OUTBOUND,
        1_700_000_000_000,
    )
    assert (talking.employee_ext, talking.employee_pbx_id, talking.other_number) == (
        "001",
        "30",
        "+380442246595",
    )
    assert (talking.other_name, talking.account_domain) == ("Иван", "acme.phonet.com.ua")
    assert (internal.event, internal.direction, internal.other_number, internal.employee2_ext) == (
        "dial",
        Direction.INTERNAL,
        None,
        "001",
    )


def test_phonet_pbx_users_become_vendor_users() -> None:
    users = PhonetPbx(
        StubClient(users=[{"id": 7, "displayName": "Anna", "ext": "007", "email": "a@x.example"}]), "UA"
    )
    (anna,) = users.users()
    assert (anna.vendor_id, anna.name, anna.ext, anna.email) == ("7", "Anna", "007", "a@x.example")


def test_phonet_pbx_hangup_of_a_call_not_in_progress_is_not_found() -> None:
    gone = VendorRejected("phonet calls.hangup: refused (404)", details={"status": 404})
    with pytest.raises(NotFound):
        PhonetPbx(StubClient(hangup_error=gone), "UA").hangup("a1")
    refused = VendorRejected("phonet calls.hangup: refused (400)", details={"status": 400})
    with pytest.raises(VendorRejected):
        PhonetPbx(StubClient(hangup_error=refused), "UA").hangup("a1")


def test_phonet_pbx_users_count_the_rows_that_do_not_read() -> None:
    rows = [{"id": 7, "ext": "007"}, {"displayName": "no id"}]
    users = PhonetPbx(StubClient(users=rows), "UA").users()
    assert [user.vendor_id for user in users] == ["7"] and users.unreadable == 1
