"""Phonet as the hub's PBX (hub.ports.vendors.PbxClient) over PhonetClient: its live calls and users in
the hub's terms, numbers read with the tenant's country as the webhooks read them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aws_lambda_powertools import Logger

from hub.errors import NotFound, VendorRejected
from hub.models.call import LegEvent
from hub.phones import e164_or_none
from hub.ports.vendors import FinishedCall, Listing, OffsetPage, VendorUser
from hub.vendors.phonet.client import PhonetClient
from hub.vendors.phonet.history import history_pages
from hub.vendors.phonet.rest import ActiveCall
from hub.vendors.phonet.translate import DIRECTIONS, other_party

logger = Logger()


class PhonetPbx:
    """A tenant's Phonet account as a PbxClient. `default_country` and `fallbacks` read the PBX's
    numbers (the tenant's country, then Phonet's home)."""

    def __init__(self, client: PhonetClient, default_country: str, fallbacks: Sequence[str] = ()) -> None:
        self.client = client
        self.default_country = default_country
        self.fallbacks = tuple(fallbacks)

    def authorize(self) -> str:
        return self.client.authorize()

    def make_call(self, ext: str, number: str) -> str:
        return self.client.make_call(ext, number)

    def hangup(self, uuid: str) -> None:
        """A call the PBX does not have in progress (ended, or never this account's) is NotFound."""
        try:
            self.client.hangup(uuid)
        except VendorRejected as exc:
            if isinstance(exc.details, dict) and exc.details.get("status") == 404:
                raise NotFound("no such call in progress", code="call_not_active") from exc
            raise

    def active_calls(self) -> list[LegEvent]:
        """Each live call as the leg snapshot its latest event would give; a row that does not read
        is counted in the log and left out (it cannot be shown or hung up by a uuid we do not know)."""
        rows = self.client.active_calls()
        if rows.invalid:
            logger.warning(
                "Phonet active calls: rows that do not read",
                extra={"count": len(rows.invalid), "reasons": [row.reason for row in rows.invalid[:3]]},
            )
        return [self.active_leg(row) for row in rows.rows]

    def active_leg(self, row: ActiveCall) -> LegEvent:
        other_raw, other_name = other_party(row.other_legs)
        last = (row.last_event or "").removeprefix("call.")
        event = last if last in ("dial", "bridge") else ("bridge" if row.bridge_at else "dial")
        return LegEvent(
            event=event,
            uuid=row.uuid,
            parent_uuid=row.parent_uuid,
            direction=DIRECTIONS.get(row.lg_direction),
            dial_at=row.dial_at,
            bridge_at=row.bridge_at,
            employee_ext=row.leg.ext if row.leg else None,
            employee_name=row.leg.display_name if row.leg else None,
            employee_pbx_id=row.leg.id if row.leg else None,
            employee2_ext=row.leg2.ext if row.leg2 else None,
            other_number=self._e164(other_raw),
            other_number_raw=other_raw,
            other_name=other_name,
            trunk_num=self._e164(row.trunk_num) or row.trunk_num,
            trunk_name=row.trunk_name,
            account_domain=self.client.domain,
        )

    def users(self) -> Listing[VendorUser]:
        """The PBX's users, with how many rows did not read (`Listing.unreadable`): a users sync
        deactivates nobody on a list it could not read whole."""
        rows = self.client.users()
        if rows.invalid:
            logger.warning("Phonet users: rows that do not read", extra={"count": len(rows.invalid)})
        users = [
            VendorUser(vendor_id=user.id, name=user.display_name, ext=user.ext, email=user.email)
            for user in rows.rows
        ]
        return Listing(users, unreadable=len(rows.invalid))

    def company_calls(self, time_from: int, time_to: int) -> Iterator[OffsetPage[FinishedCall]]:
        return history_pages(
            self.client.company_calls(time_from, time_to), self.default_country, fallbacks=self.fallbacks
        )

    def missed_calls(self, time_from: int, time_to: int) -> Iterator[OffsetPage[FinishedCall]]:
        return history_pages(
            self.client.missed_calls(time_from, time_to),
            self.default_country,
            still_missed=True,
            fallbacks=self.fallbacks,
        )

    def _e164(self, raw: str | None) -> str | None:
        return e164_or_none(raw, self.default_country, self.fallbacks)
