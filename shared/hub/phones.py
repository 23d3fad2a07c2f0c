"""Phone numbers are E.164 inside the hub; vendors send whatever their users typed.

Parsing uses the tenant's default country, so for a UA tenant `0442246595`, `(044) 224-65-95`,
`380442246595` and `+380442246595` are the same number, and for a RU tenant `89222220000` is
`+79222220000`.
"""

from __future__ import annotations

import re

import phonenumbers

from hub.errors import InvalidPhone

_E164 = phonenumbers.PhoneNumberFormat.E164
_MAX_RAW_LENGTH = 64
_DIGITS = re.compile(r"\d")


def normalize_phone(raw: str | int | None, default_country: str) -> str:
    """Return the E.164 form of `raw`, or raise InvalidPhone with a message a user can act on.

    A number written internationally without its `+` (`380442246595` at a RU tenant) is tried as
    international when it makes no sense as a national number: PBXs send both forms.
    """
    text = "" if raw is None else str(raw).strip()
    if not text:
        raise InvalidPhone("phone number is empty")
    if len(text) > _MAX_RAW_LENGTH or len(_DIGITS.findall(text)) < 3:
        raise InvalidPhone(f"not a phone number: {text[:_MAX_RAW_LENGTH]!r}")
    candidates = [text]
    if not text.startswith("+"):
        candidates.append("+" + text)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, default_country.upper())
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, _E164)
    raise InvalidPhone(f"not a phone number for country {default_country.upper()}: {text!r}")


def is_supported_country(code: str) -> bool:
    """True for an ISO 3166 alpha-2 code that phone parsing knows."""
    return code.upper() in phonenumbers.SUPPORTED_REGIONS
