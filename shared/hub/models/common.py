"""Field types for vendor payloads: real senders put ids in strings or numbers and pad with spaces."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field


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


def _finite(value: Any) -> Any:
    """A number, or numeric text, as a finite int or float; `inf`, `1e400` and NaN are refused here
    (a ValueError, so a validation error) rather than overflowing later in `int()`."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        try:
            value = float(value) if any(c in value for c in ".eEnN") else int(value)
        except ValueError:
            return value  # the int validator rejects it with a clear message
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("the number is out of range")
    return value


def _epoch_ms(value: Any) -> Any:
    """Seconds or milliseconds since 1970, as a number or numeric text, become UTC milliseconds."""
    if value is None or isinstance(value, bool):
        return value
    value = _finite(value)
    if isinstance(value, int | float):
        if not -_LATEST_MS < value < _LATEST_MS:
            raise ValueError("timestamp out of range")
        ms = int(value * 1000) if value < _SECONDS_BELOW else int(value)
        if not 0 < ms < _LATEST_MS:
            raise ValueError("timestamp out of range")
        return ms
    return value


EpochMs = Annotated[int, BeforeValidator(_epoch_ms)]
"""A timestamp sent in seconds or milliseconds (as number or text), stored as UTC milliseconds."""


_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|[0-9a-f:.]+")


def _whole_seconds(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    value = _finite(value)
    return int(value) if isinstance(value, float) else value


Seconds = Annotated[int, BeforeValidator(_whole_seconds), Field(ge=0, lt=86400)]
"""A duration in whole seconds (a number or numeric text, fractions dropped), at most a day."""


def is_web_url(value: str) -> bool:
    """An `http:`/`https:` URL with a real host and nothing a browser would re-read as another
    scheme (`javascript:`, `data:`): the only links the hub stores from a payload or renders."""
    if not value or len(value) > 2000 or any(c.isspace() or c == "\\" or not c.isprintable() for c in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # a port that is not a number raises
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme.lower() in ("http", "https") and bool(_HOST.fullmatch(host))


def _web_url(value: str) -> str:
    if not is_web_url(value):
        raise ValueError("must be an http or https URL with a host")
    return value


WebUrl = Annotated[str, AfterValidator(_web_url)]
"""A link a payload gives (a recording): http(s) with a real host, else a validation error."""
