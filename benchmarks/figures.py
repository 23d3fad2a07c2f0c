"""The figures a benchmark reports, in the one shape `report.py` collects: each with the baseline it is
read against (measured in the same run), their ratio, and moto's share of the CPU time where it was
measured. A script writes them with `--json PATH` and stays runnable alone (its own tables on stdout).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    """One measured value. `ratio` is value / baseline_value (both in `unit`): for a time, how many
    times the baseline's; for a rate, below 1 is slower than the baseline. `moto_share`: the part of
    the CPU time spent inside moto's request dispatch (0-1), where it dominates what is measured.
    `per`: what a count is per (event, call, contact...), for whoever turns requests into costs.
    `cpu` / `baseline_cpu`: the same figure (in `unit`) from CPU time instead of wall time, where it
    is a time or a rate: other processes' load does not count in it, so on a busy machine read those."""

    name: str
    value: float
    unit: str
    baseline: str | None = None
    baseline_value: float | None = None
    moto_share: float | None = None
    cpu: float | None = None
    baseline_cpu: float | None = None
    per: str | None = None
    note: str | None = None
    ratio: float | None = field(default=None, init=False)
    cpu_ratio: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.baseline_value:
            self.ratio = self.value / self.baseline_value
        if self.cpu is not None and self.baseline_cpu:
            self.cpu_ratio = self.cpu / self.baseline_cpu


@dataclass
class Figures:
    """A script's figures and what it ran with; `write` stores them as JSON."""

    script: str
    args: dict[str, Any]
    items: list[Figure] = field(default_factory=list)
    moto_patches: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    cpu_started: float = field(default_factory=time.process_time)

    def add(self, name: str, value: float, unit: str, **details: Any) -> Figure:
        figure = Figure(name, value, unit, **details)
        self.items.append(figure)
        return figure

    def write(self, path: str | os.PathLike[str] | None) -> None:
        if not path:
            return
        document = {
            "script": self.script,
            "args": self.args,
            "wall_s": time.time() - self.started,
            "cpu_s": time.process_time() - self.cpu_started,
            "python": sys.version.split()[0],
            "moto_patches": self.moto_patches,
            "figures": [asdict(figure) for figure in self.items],
        }
        Path(path).write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def share(part: float, whole: float) -> float | None:
    """`part` of `whole` (0-1), None when nothing was measured."""
    return part / whole if whole > 0 else None
