"""Avtodialer as the hub's robot dialer (hub.ports.vendors.DialerClient) over its API client:
the hub's dial records become `make`/`newcall` records, their E.164 numbers written in the form the
tenant's account expects (avtodialer.md Notes: by default the domestic `8...`), and the cdr's rows
become DialResults.

The cdr's rows are read as the result webhook's are (hub.vendors.avtodialer.results.dial_result), so
both name the same call. Job ids exceed 2^53: they stay strings throughout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import phonenumbers

from hub.errors import InvalidPhone, VendorRejected
from hub.models.tenant import NumberFormat
from hub.ports.vendors import DialJob, DialRecord, DialResult, Listing
from hub.vendors.avtodialer.client import MAX_RECORDS, AvtodialerClient, RobotCall
from hub.vendors.avtodialer.results import dial_result

# Countries whose domestic form is the trunk prefix `8` before the national number (+7: Russia, Kazakhstan).
DOMESTIC_EIGHT = {7}


def dial_form(e164: str, number_format: NumberFormat = "domestic") -> str:
    """An E.164 number as the account dials it: `domestic` `8` + the national number for +7 numbers,
    the international digits for any other country (a domestic form of another country would be
    read as Russian); `international` the digits without `+`; `e164` as it is."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"a dial record's number must be E.164: {e164[:64]!r}") from exc
    if number_format == "e164":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number_format == "domestic" and number.country_code in DOMESTIC_EIGHT:
        return "8" + phonenumbers.national_significant_number(number)
    return f"{number.country_code}{phonenumbers.national_significant_number(number)}"


def as_robot_call(record: DialRecord, number_format: NumberFormat = "domestic") -> RobotCall:
    return RobotCall(
        phone=dial_form(record.phone, number_format),
        client_id=record.record_id,
        scenario=record.scenario,
        window_start=record.window_start,
        window_stop=record.window_end,
        name=record.name or "",
        variables=record.variables,
        max_attempts=record.max_attempts,
    )


class AvtodialerDialer:
    """One tenant's Avtodialer account as a DialerClient: numbers sent in `number_format`, the cdr's
    read in the tenant's `country`, then in `fallbacks` (Avtodialer dials Russian numbers in their
    domestic form)."""

    MAX_RECORDS = MAX_RECORDS

    def __init__(
        self,
        client: AvtodialerClient,
        country: str = "RU",
        fallbacks: Sequence[str] = (),
        number_format: NumberFormat = "domestic",
    ) -> None:
        self.client = client
        self.country = country
        self.fallbacks = tuple(fallbacks)
        self.number_format = number_format

    def make(self, calls: Sequence[DialRecord]) -> DialJob:
        report = self.client.make([as_robot_call(record, self.number_format) for record in calls])
        if not report.job_id:
            raise VendorRejected(
                f"Avtodialer queued no job (error code {report.errorcode or 'none'})",
                details={"received": report.lines, "valid": report.ok},
            )
        return DialJob(job_id=report.job_id, received=report.lines, accepted=report.inserted)

    def newcall(self, robot_call: DialRecord) -> DialJob:
        result = self.client.newcall(as_robot_call(robot_call, self.number_format))
        return DialJob(job_id=result.job_id, received=1, accepted=result.count)

    def cdr(self, date_from: dt.date, date_to: dt.date, number: str | None = None) -> Listing[DialResult]:
        asked = dial_form(number, self.number_format) if number else None
        rows = self.client.cdr(date_from, date_to, asked)
        results = [dial_result(row, self.country, self.fallbacks) for row in rows.rows]
        return Listing(results, unreadable=len(rows.invalid))
