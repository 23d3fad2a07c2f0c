"""How the pages write numbers and attribution keys (hub.pages.formats)."""

from __future__ import annotations

import pytest

from hub.pages import environment
from hub.pages.formats import attribution_label, format_phone
from hub.pages.labels import LABELS


@pytest.mark.parametrize(
    ("e164", "country", "shown"),
    [
        ("+380442246595", "UA", "044 224 6595"),  # at home: the national form
        ("+380442246595", "ua", "044 224 6595"),
        ("+79222220000", "UA", "+7 922 222-00-00"),  # abroad: the international form
        ("+79222220000", "RU", "8 (922) 222-00-00"),
        ("+380442246595", None, "+380 44 224 6595"),
        ("+3804422", "UA", "+3804422"),  # no possible number: as stored
        ("anonymous", "UA", "anonymous"),
        ("", "UA", ""),
    ],
)
def test_format_phone_national_at_home_international_abroad_else_as_stored(
    e164: str, country: str | None, shown: str
) -> None:
    assert format_phone(e164, country) == shown


def test_phone_filter_reads_the_tenant_country_of_the_page() -> None:
    template = environment().from_string("{{ number | phone }}")
    assert template.render(number="+380442246595", tenant_country="UA") == "044 224 6595"
    assert template.render(number="+380442246595") == "+380 44 224 6595"


def test_attribution_label_reads_known_keys_in_each_language_and_leaves_others() -> None:
    assert [attribution_label("utm_source", LABELS[lang]) for lang in ("ru", "en", "uk")] == [
        "Источник",
        "Source",
        "Джерело",
    ]
    assert attribution_label("yclid", LABELS["en"]) == "yclid"
    template = environment().from_string("{{ key | attribution }}")
    assert template.render(key="utm_medium", t=LABELS["en"]) == "Medium"
