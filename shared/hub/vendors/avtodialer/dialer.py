"""Avtodialer as the hub's robot dialer (hub.ports.vendors.DialerClient) over its API client:
the hub's dial records become `make`/`newcall` records, the cdr's rows become DialResults.

The cdr's rows are read as the result webhook's are (hub.vendors.avtodialer.results.dial_result), so
both name the same call. Job ids exceed 2^53: they stay strings throughout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hub.errors import VendorRejected
from hub.ports.vendors import DialJob, DialRecord, DialResult, Listing
from hub.vendors.avtodialer.client import MAX_RECORDS, AvtodialerClient, RobotCall
from hub.vendors.avtodialer.results import dial_result


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


class AvtodialerDialer:
    """One tenant's Avtodialer account as a DialerClient; its numbers are read in the tenant's
    `country`, then in `fallbacks` (Avtodialer dials Russian numbers in their domestic form)."""

    MAX_RECORDS = MAX_RECORDS

    def __init__(self, client: AvtodialerClient, country: str = "RU", fallbacks: Sequence[str] = ()) -> None:
        self.client = client
        self.country = country
        self.fallbacks = tuple(fallbacks)

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

    def cdr(self, date_from: dt.date, date_to: dt.date, number: str | None = None) -> Listing[DialResult]:
        rows = self.client.cdr(date_from, date_to, number)
        results = [dial_result(row, self.country, self.fallbacks) for row in rows.rows]
        return Listing(results, unreadable=len(rows.invalid))
