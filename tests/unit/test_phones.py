from __future__ import annotations

import pytest

from hub.errors import InvalidPhone
from hub.phones import normalize_phone


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+380442246595", "UA", "+380442246595"),
        ("380442246595", "UA", "+380442246595"),
        ("0442246595", "UA", "+380442246595"),
        ("(044) 224-65-95", "UA", "+380442246595"),
        ("  0442246595\t", "UA", "+380442246595"),
        ("89222220000", "RU", "+79222220000"),
        ("+79222220000", "RU", "+79222220000"),
        ("79222220000", "RU", "+79222220000"),
        (" 79012222222", "RU", "+79012222222"),  # `+` lost as a space in a query string
        ("380442246595", "RU", "+380442246595"),  # international without `+`, not a RU number
        (79222220000, "RU", "+79222220000"),
        ("+380442246595", "ru", "+380442246595"),
    ],
)
def test_normalize_phone_local_and_international_forms_give_e164(
    raw: str, country: str, expected: str
) -> None:
    assert normalize_phone(raw, country) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", None, "abc", "001", "12", "+", "x" * 500, "1" * 80, "call me maybe"]
)
def test_normalize_phone_garbage_raises_invalid_phone(raw: str | None) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw, "UA")


@pytest.mark.parametrize(
    ("raw", "country", "fallbacks", "expected"),
    [
        ("80442236517", "UA", (), "+380442236517"),  # Ukraine's old long-distance `8 0XX`
        ("8 (044) 223-65-17", "UA", (), "+380442236517"),
        ("80501234567", "UA", ("RU",), "+380501234567"),
        ("00380442236517", "UA", (), "+380442236517"),
        ("00380442236517", "RU", (), "+380442236517"),  # `00` is not RU's exit code, still meant so
        ("89222220000", "UA", ("RU",), "+79222220000"),  # not a UA number: the vendor's country
        ("0442236517", "RU", ("UA",), "+380442236517"),
        ("+380442236517", "RU", ("UA",), "+380442236517"),
        ("89222220000", "RU", ("RU",), "+79222220000"),
    ],
)
def test_normalize_phone_fallback_countries_take_the_first_valid_reading(
    raw: str, country: str, fallbacks: tuple[str, ...], expected: str
) -> None:
    assert normalize_phone(raw, country, fallbacks) == expected


def test_normalize_phone_russian_domestic_form_is_no_ua_number_without_fallback() -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone("89222220000", "UA")


@pytest.mark.parametrize("raw", ["anonymous", "Unknown", "101", "+", "", "12"])
def test_normalize_phone_odd_caller_ids_raise_even_with_fallbacks(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw, "UA", ("RU",))
