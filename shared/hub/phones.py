"""Phone numbers are E.164 inside the hub; vendors send whatever their users typed.

Parsing uses the tenant's default country, so for a UA tenant `0442246595`, `(044) 224-65-95`,
`380442246595` and `+380442246595` are the same number, and for a RU tenant `89222220000` is
`+79222220000`. A vendor whose users live elsewhere (Avtodialer's are Russian) sends domestic forms of
its own country: those are read with the vendor's home country as a fallback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import phonenumbers

from hub.errors import InvalidPhone

_E164 = phonenumbers.PhoneNumberFormat.E164
_MAX_RAW_LENGTH = 64
_DIGITS = re.compile(r"\d")
_NOT_DIGITS = re.compile(r"\D")
# Trunk prefixes people still dial that phonenumbers' metadata no longer strips: Ukraine's old
# long-distance `8` before the area code (`8 044 223 65 17`).
_LEGACY_TRUNK = {"UA": "80"}


def normalize_phone(raw: str | int | None, default_country: str, fallbacks: Sequence[str] = ()) -> str:
    """Return the E.164 form of `raw`, or raise InvalidPhone with a message a user can act on.

    The first *valid* reading wins, in this order: national in the default country, then in each
    fallback country, then international without its `+` or after `00` (PBXs send both forms). Only
    when nothing is valid does a merely possible reading in the default country count, so numbers
    from ranges phonenumbers does not know yet are still kept as the tenant's.
    """
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise InvalidPhone("phone number is empty")
    if len(text) > _MAX_RAW_LENGTH or len(_DIGITS.findall(text)) < 3:
        raise InvalidPhone(f"not a phone number: {text[:_MAX_RAW_LENGTH]!r}")
    primary = default_country.upper()
    countries = list(dict.fromkeys([primary, *(country.upper() for country in fallbacks)]))
    for number in _readings(text, countries):
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, _E164)
    for number in _readings(text, [primary]):
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, _E164)
    raise InvalidPhone(f"not a phone number for country {primary}: {text!r}")


def e164_or_none(raw: str | int | None, default_country: str, fallbacks: Sequence[str] = ()) -> str | None:
    """`normalize_phone`, or None for what is no number (empty, hidden, an extension): for a vendor's
    rows, where such a party is kept as given beside it, never a reason to refuse the row."""
    if raw is None or raw == "":
        return None
    try:
        return normalize_phone(raw, default_country, fallbacks)
    except InvalidPhone:
        return None


def _readings(text: str, countries: list[str]) -> Iterator[phonenumbers.PhoneNumber]:
    """Every way `text` may be meant, most likely first; unparseable readings are skipped."""
    digits = "" if text.startswith("+") else _NOT_DIGITS.sub("", text)
    candidates: list[tuple[str, str | None]] = []
    for country in countries:
        candidates.append((text, country))
        legacy = _LEGACY_TRUNK.get(country)
        if legacy and digits.startswith(legacy):
            candidates.append((digits[len(legacy) - 1 :], country))
    if digits:
        candidates.append(("+" + text, None))
        if digits.startswith("00"):
            candidates.append(("+" + digits[2:], None))
    for candidate, country in candidates:
        try:
            yield phonenumbers.parse(candidate, country)
        except phonenumbers.NumberParseException:
            continue


def is_supported_country(code: str) -> bool:
    """True for an ISO 3166 alpha-2 code that phone parsing knows."""
    return code.upper() in phonenumbers.SUPPORTED_REGIONS
