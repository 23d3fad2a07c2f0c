"""Fixtures the integration tests share."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain.tenants import add_employee
from tests.conftest import Seeded
from tests.integration.test_app_pages import PASSWORD
from tests.support import load_function


@pytest.fixture
def pages(seeded: Seeded) -> Any:
    """The pages' handler, with Anna (extension 007) at acme and Boris (101) at globex."""
    add_employee(
        seeded.tenant_store, seeded.acme.tenant, name="Анна", ext="007", login="anna", password=PASSWORD
    )
    add_employee(
        seeded.tenant_store, seeded.globex.tenant, name="Boris", ext="101", login="boris", password=PASSWORD
    )
    return load_function("app_pages")
