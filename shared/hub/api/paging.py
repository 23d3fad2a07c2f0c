"""Opaque list cursors: where the next page starts, signed with the tenant's key and bound to the
list and filters they came from. A cursor cannot be forged, moved to another tenant or replayed
against another query; any such cursor is a 400."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from hub.domain.tenants import TenantContext
from hub.errors import BadRequest
from hub.ports import Page
from hub.secrets import sign, unsign

T = TypeVar("T")


def scope(list_name: str, **filters: Any) -> str:
    """The list and the filters a cursor belongs to."""
    used = {name: value for name, value in filters.items() if value is not None}
    return f"{list_name}:{json.dumps(used, sort_keys=True, default=str, ensure_ascii=False)}"


def encode(context: TenantContext, list_scope: str, start: dict[str, str] | None) -> str | None:
    if start is None:
        return None
    return sign(context.tenant.session_key, {"s": list_scope, "k": start})


def decode(context: TenantContext, list_scope: str, cursor: str | None) -> dict[str, str] | None:
    if not cursor:
        return None
    payload = unsign(context.tenant.session_key, cursor)
    start = payload.get("k") if isinstance(payload, dict) else None
    if (
        not isinstance(payload, dict)
        or payload.get("s") != list_scope
        or not isinstance(start, dict)
        or not all(isinstance(value, str) for value in start.values())
    ):
        raise BadRequest("the cursor is not valid for this list", code="invalid_cursor")
    return start


def read(
    context: TenantContext,
    list_scope: str,
    cursor: str | None,
    load: Callable[[dict[str, str] | None], Page[T]],
) -> tuple[list[T], str | None]:
    """One page of a list from `cursor` (None: the first): its items and the next page's cursor."""
    page = load(decode(context, list_scope, cursor))
    return page.items, encode(context, list_scope, page.next_start)
