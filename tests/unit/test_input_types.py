"""The one JSON parser and the number and link types every payload goes through (issue 10)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from hub.errors import BadRequest
from hub.http import MAX_JSON_DEPTH, json_payload, nesting_exceeds
from hub.models.common import EpochMs, Seconds, is_web_url

EPOCH_MS = TypeAdapter(EpochMs | None)
SECONDS = TypeAdapter(Seconds | None)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        "[1e400]",
        '{"a": -1e400}',
        "[NaN]",
        '{"a": Infinity}',
        "[-Infinity]",
        '["\\udcff"]',
        "",
        "{",
    ],
)
def test_json_payload_unreadable_or_unrepresentable_is_bad_request(body: str) -> None:
    with pytest.raises(BadRequest):
        json_payload(body)


def test_json_payload_takes_what_json_means() -> None:
    text = '{"a": [1.5, "[[[[{{{{", "\\ud83d\\ude00", "\\"["], "b": {"c": [[[]]]}, "d": 1e300}'
    assert json_payload(text) == {"a": [1.5, "[[[[{{{{", "😀", '"['], "b": {"c": [[[]]]}, "d": 1e300}
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert not nesting_exceeds(deepest) and json_payload(deepest) is not None


@pytest.mark.parametrize(
    "value", [float("inf"), float("-inf"), float("nan"), "inf", "-inf", "1e400", "nan", 1e300]
)
def test_timestamp_that_is_not_finite_or_in_range_is_a_validation_error(value: object) -> None:
    with pytest.raises(ValidationError):
        EPOCH_MS.validate_python(value)


def test_timestamp_in_seconds_or_ms_as_number_or_text_is_ms() -> None:
    assert [EPOCH_MS.validate_python(v) for v in (1431686100, "1431686100123", 1431686100.5, None)] == [
        1431686100000,
        1431686100123,
        1431686100500,
        None,
    ]


@pytest.mark.parametrize("value", [float("inf"), "inf", "1e400", "nan", -1, "86400", 1e300, "12 s"])
def test_seconds_that_are_not_a_duration_are_a_validation_error(value: object) -> None:
    with pytest.raises(ValidationError):
        SECONDS.validate_python(value)


def test_seconds_as_number_or_text_drop_the_fraction() -> None:
    assert [SECONDS.validate_python(v) for v in ("42", 42.9, "7.9", 0, None)] == [42, 42, 7, 0, None]


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://acme.phonet.com.ua/rest/public/calls/x/audio", True),
        ("http://127.0.0.1:3002/records/1.wav", True),
        ("HTTPS://Example.COM/a", True),
        ("javascript:alert(1)", False),
        ("javascript://example.com/%0Aalert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("http:example.com", False),
        ("//example.com/a", False),
        ("https://", False),
        ("https://exa mple.com/", False),
        ("https://example.com/\nx", False),
        ("https://example.com:port/", False),
        ("https://ex\\ample.com/", False),
        ("", False),
    ],
)
def test_is_web_url_only_http_links_with_a_host(url: str, safe: bool) -> None:
    assert is_web_url(url) is safe
