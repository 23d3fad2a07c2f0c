"""Avtodialer as the hub's robot dialer (hub.ports.vendors.DialerClient) over its API client:
the hub's dial records become `make`/`newcall` records, the cdr's rows become DialResults.

The cdr translation is this module's own until the history's `dial_result(row, country)` is
merged (then the two are one). Job ids exceed 2^53: they stay strings throughout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hub.errors import InvalidPhone, VendorRejected
from hub.phones import normalize_phone
from hub.ports.vendors import DialJob, DialRecord, DialResult
from hub.vendors.avtodialer.client import MAX_RECORDS, AvtodialerClient, CdrRow, RobotCall


class DialResults(list[DialResult]):
    """The cdr's outcomes that could be read, and how many rows could not (a sync counts those as
    failed, never as nothing)."""

    def __init__(self, results: list[DialResult], unreadable: int = 0) -> None:
        super().__init__(results)
        self.unreadable = unreadable


def as_robot_call(record: DialRecord) -> RobotCall:
    return RobotCall(
        phone=record.phone,
        client_id=record.record_id,
        scenario=record.scenario,
        window_start=record.window_start,
        window_stop=record.window_end,
        name=record.name or "",
        variables=record.variables,
        max_attempts=record.max_attempts,
    )


def _dial_result(row: CdrRow, country: str) -> DialResult:
    try:
        phone = normalize_phone(row.number, country)
    except InvalidPhone:
        phone = row.number.strip()
    return DialResult(
        job_id=row.job_id,
        phone=phone,
        at=int(row.time.timestamp() * 1000),
        phone_raw=row.number,
        code=row.code,
        seconds=row.seconds,
    )


class AvtodialerDialer:
    """One tenant's Avtodialer account as a DialerClient; `country`: how its numbers are read (it
    dials Russian numbers in their domestic form)."""

    MAX_RECORDS = MAX_RECORDS

    def __init__(self, client: AvtodialerClient, country: str = "RU") -> None:
        self.client = client
        self.country = country

    def make(self, calls: Sequence[DialRecord]) -> DialJob:
        report = self.client.make([as_robot_call(record) for record in calls])
        if not report.job_id:
            raise VendorRejected(
                f"Avtodialer queued no job (error code {report.errorcode or 'none'})",
                details={"received": report.lines, "valid": report.ok},
            )
        return DialJob(job_id=report.job_id, received=report.lines, accepted=report.inserted)

    def newcall(self, robot_call: DialRecord) -> DialJob:
        result = self.client.newcall(as_robot_call(robot_call))
        return DialJob(job_id=result.job_id, received=1, accepted=result.count)

    def cdr(self, date_from: dt.date, date_to: dt.date, number: str | None = None) -> DialResults:
        rows = self.client.cdr(date_from, date_to, number)
        return DialResults(
            [_dial_result(row, self.country) for row in rows.rows], unreadable=len(rows.invalid)
        )
