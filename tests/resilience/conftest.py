"""The resilience suite's ledger: every test says how many cases it tried and how many records it
found lost or duplicated; the run ends with one summary, per part of the suite and in all.

    def test_storm(ledger: Ledger) -> None:
        ledger.tried(200)
        ledger.lost(len(expected - found))
        ledger.duplicated(len(found_list) - len(set(found_list)))
        assert ...  # the test still fails on its own, the ledger only counts

Sizes come from the environment so `make resilience` runs the full suite and CI a bounded one
(RESILIENCE_SCALE: 1 in CI's `make test`, 10 in `make resilience`; each test scales its own N).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field

import pytest


def scale() -> int:
    """How much larger than CI's run this one is (1 = CI's bounded run)."""
    return max(1, int(os.environ.get("RESILIENCE_SCALE", "1")))


@dataclass
class Tally:
    cases: int = 0
    failures: int = 0
    lost: int = 0
    duplicates: int = 0


@dataclass
class Ledger:
    """One test's counts, added to its part's (its module's) tally."""

    tally: Tally = field(default_factory=Tally)

    def tried(self, cases: int = 1) -> None:
        self.tally.cases += cases

    def lost(self, records: int) -> None:
        self.tally.lost += records

    def duplicated(self, records: int) -> None:
        self.tally.duplicates += records


TALLIES: dict[str, Tally] = defaultdict(Tally)


def part(nodeid: str) -> str:
    return nodeid.split("::")[0].rsplit("/", 1)[-1].removeprefix("test_").removesuffix(".py")


@pytest.fixture
def ledger(request: pytest.FixtureRequest) -> Ledger:
    return Ledger(TALLIES[part(request.node.nodeid)])


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed and "resilience" in report.nodeid:
        TALLIES[part(report.nodeid)].failures += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Under xdist each worker prints its own; `make resilience` runs the suite in one process."""
    if not TALLIES:
        return
    write = terminalreporter.write_line
    write("")
    write(f"{'resilience':<24}{'cases':>10}{'failures':>10}{'lost':>8}{'duplicates':>12}")
    total = Tally()
    for name, tally in sorted(TALLIES.items()):
        write(f"{name:<24}{tally.cases:>10}{tally.failures:>10}{tally.lost:>8}{tally.duplicates:>12}")
        for attribute in ("cases", "failures", "lost", "duplicates"):
            setattr(total, attribute, getattr(total, attribute) + getattr(tally, attribute))
    write(f"{'all':<24}{total.cases:>10}{total.failures:>10}{total.lost:>8}{total.duplicates:>12}")
