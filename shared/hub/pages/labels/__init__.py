"""Every label the pages show, per language, one module per group of pages.

Each module's LABELS maps a language to its labels; they are merged here into one dict per language,
and a key defined by two modules is an error (two pages would silently disagree).
"""

from __future__ import annotations

from hub.pages.labels import callbacks, calls, campaigns, common, contacts, team

MODULES = (common, contacts, calls, callbacks, campaigns, team)


def merged() -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for module in MODULES:
        for lang, labels in module.LABELS.items():
            into = found.setdefault(lang, {})
            if clash := into.keys() & labels.keys():
                raise ValueError(f"{module.__name__} redefines {sorted(clash)} in {lang}")
            into.update(labels)
    return found


LABELS = merged()
