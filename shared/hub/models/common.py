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
