"""Identifiers and clocks, in one place so tests can reason about them."""

from __future__ import annotations

import secrets
import time


def now_ms() -> int:
    """UTC milliseconds: the hub stores every timestamp in this unit."""
    return time.time_ns() // 1_000_000


def new_id() -> str:
    """A 24-hex-digit id that sorts by creation time (48-bit ms clock + 48 random bits)."""
    return f"{now_ms():012x}{secrets.token_hex(6)}"
