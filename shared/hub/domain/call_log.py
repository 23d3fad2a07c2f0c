"""The call log as people and integrators read it: calls newest first, one contact's calls, the
callbacks still to return. The writes (merging events into calls) are hub.domain.calls'."""

from __future__ import annotations

from hub.domain.tenants import TenantContext
from hub.errors import NotFound
from hub.models.call import Call, Callback, CallStatus, Direction
from hub.ports import CallLogRepository, Page


class CallLog:
    def __init__(self, repo: CallLogRepository) -> None:
        self.repo = repo

    def calls(
        self,
        context: TenantContext,
        *,
        since: int,
        until: int,
        limit: int,
        start: dict[str, str] | None = None,
        direction: Direction | None = None,
        status: CallStatus | None = None,
        employee_id: str | None = None,
        contact_id: str | None = None,
        number: str | None = None,
    ) -> Page[Call]:
        """A page of calls dialed in [since, until] ms, newest first, with the given direction, status,
        employee and other side's number (E.164): the tenant's (a number's read from that number's
        index), or one contact's (read from its timeline, filtered here as the calls index filters
        the tenant's)."""
        wanted = call_filters(direction, status, employee_id)
        if not contact_id:
            return self.repo.list_calls(
                context.slug,
                since=since,
                until=until,
                limit=limit,
                start=start,
                filters=wanted,
                number=number,
            )
        if number:
            wanted["other_number"] = number
        page = self.repo.contact_call_page(
            context.slug, contact_id, since=since, until=until, limit=limit, start=start
        )
        return Page([call for call in page.items if _matches(call, wanted)], page.next_start)

    def call(self, context: TenantContext, uuid: str) -> Call:
        call = self.repo.get_call(context.slug, uuid)
        if call is None:
            raise NotFound("no such call")
        return call

    def calls_by_uuid(self, context: TenantContext, uuids: list[str]) -> list[Call]:
        """Calls in the order asked; unknown ones left out."""
        return self.repo.get_calls(context.slug, uuids)

    def callbacks(
        self,
        context: TenantContext,
        *,
        closed: bool,
        limit: int,
        start: dict[str, str] | None = None,
        assigned_to: str | None = None,
    ) -> Page[Callback]:
        """Open callbacks by last miss, or returned ones by when they were closed; newest first; with
        `assigned_to`, only that employee's."""
        return self.repo.list_callbacks(
            context.slug, closed=closed, limit=limit, start=start, assigned_to=assigned_to
        )

    def open_callbacks(self, context: TenantContext, limit: int = 100) -> list[Callback]:
        """Open callbacks, the most recently missed first."""
        return self.repo.open_callbacks(context.slug, limit)

    def open_callbacks_of(self, context: TenantContext, numbers: list[str]) -> list[Callback]:
        """The open callbacks of these E.164 numbers (a contact's), in their order."""
        found = (self.repo.get_callback(context.slug, number) for number in numbers)
        return [callback for callback in found if callback is not None and callback.open]


def call_filters(
    direction: Direction | None, status: CallStatus | None, employee_id: str | None
) -> dict[str, str]:
    """The given filters as the calls index compares them (StrEnum: str() is the value)."""
    filters = {"direction": direction, "status": status, "employee_id": employee_id}
    return {name: str(value) for name, value in filters.items() if value}


def _matches(call: Call, wanted: dict[str, str]) -> bool:
    """The call's fields equal the wanted values (the filters the calls index applies otherwise)."""
    return all(
        getattr(call, name) is not None and str(getattr(call, name)) == value
        for name, value in wanted.items()
    )
