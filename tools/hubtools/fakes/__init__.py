"""In-process vendor fakes (Phonet, Avtodialer, Obzvonilka) on loopback HTTP, for the local runner and tests.

Each fake journals every request and takes injected faults, from Python or via ``/_fake/`` endpoints.
"""

from .avtodialer import AvtodialerFake
from .base import FakeServer, Fault, Hit
from .obzvonilka import ObzvonilkaFake
from .phonet import PhonetFake, PlayParams, PlayResult

__all__ = [
    "AvtodialerFake",
    "FakeServer",
    "Fault",
    "Hit",
    "ObzvonilkaFake",
    "PhonetFake",
    "PlayParams",
    "PlayResult",
]
