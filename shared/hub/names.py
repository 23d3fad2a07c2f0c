"""How contacts are found by name: words folded the way people type them, the same on write and search.

The store indexes a contact under these words and the search compares a query's words with them, so
both must fold alike; it lives beside phones.py as a value rule, not in the store or the domain.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.models.contact import Contact

# How many words of a contact's name and company are indexed: each is one index item written with the
# contact, so this bounds a contact write. Eight cover "Name Patronymic Surname" plus a long company.
MAX_NAME_WORDS = 8
# A word's share of a 1024-byte sort key, in characters (at most 4 bytes each in UTF-8).
MAX_WORD_LENGTH = 64
# Ukrainian names are written with any of these (Мар'яна, Мар’яна, Марʼяна) or none: all compare equal.
_APOSTROPHES = dict.fromkeys(map(ord, "'`´ʹʻʼʽ‘’′"))
_WORD = re.compile(r"\w+")


def name_words(text: str | None) -> list[str]:
    """The words of `text` as search compares them: case-folded, ё read as е, apostrophes dropped,
    split at spaces, hyphens and punctuation; distinct, in order."""
    if not text:
        return []
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е").translate(_APOSTROPHES)
    return list(dict.fromkeys(word[:MAX_WORD_LENGTH] for word in _WORD.findall(folded)))


def contact_name_words(contact: Contact) -> list[str]:
    """The words a contact is found by: its name's, then its company's, at most MAX_NAME_WORDS."""
    words = dict.fromkeys([*name_words(contact.name), *name_words(contact.company)])
    return list(words)[:MAX_NAME_WORDS]


def matches_name(words: list[str], query: list[str]) -> bool:
    """Every word of the query starts some word of the name ("бер" finds "Анастасия Березкина")."""
    return all(any(word.startswith(part) for word in words) for part in query)
