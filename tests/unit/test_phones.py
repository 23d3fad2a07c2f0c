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
