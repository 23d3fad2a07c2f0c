"""Field types for vendor payloads: real senders put ids in strings or numbers and pad with spaces."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _loose_text(value: Any) -> Any:
    """Numbers become their decimal text, strings lose stray whitespace, empty becomes None."""
    if isinstance(value, bool):
        return value  # let the str validator reject it: a boolean is never an id or a number
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip() or None
    return value


LooseStr = Annotated[str, BeforeValidator(_loose_text)]
"""A string field that also takes a number, trimmed; an empty or blank value counts as missing."""

OptionalLooseStr = Annotated[str | None, BeforeValidator(_loose_text)]
"""LooseStr for an optional field. `LooseStr | None` rejects a blank value: the validator's None
reaches only the `str` side of the union."""


# 10^11 ms is March 1973, 10^11 s is the year 5138: any real timestamp below it is in seconds.
_SECONDS_BELOW = 10**11
_LATEST_MS = 7_258_118_400_000  # 2200-01-01


def _epoch_ms(value: Any) -> Any:
    """Seconds or milliseconds since 1970, as a number or numeric text, become UTC milliseconds."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = float(value)
        except ValueError:
            return value  # the int validator rejects it with a clear message
    if isinstance(value, int | float):
        ms = int(value * 1000) if value < _SECONDS_BELOW else int(value)
        if not 0 < ms < _LATEST_MS:
            raise ValueError("timestamp out of range")
        return ms
    return value


EpochMs = Annotated[int, BeforeValidator(_epoch_ms)]
"""A timestamp sent in seconds or milliseconds (as number or text), stored as UTC milliseconds."""
