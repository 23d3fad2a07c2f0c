"""Every label in every language, and every label a template names: a missing one would show a blank
(or fail the page) in one language only, which nobody testing in another would see."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from jinja2 import nodes

from hub import pages
from hub.domain.call_notes import _WORDS as CALL_NOTE_WORDS
from hub.models.tenant import Language
from hub.pages import i18n, labels
from hub.vendors.phonet.answers import NEW_CONTACT_TEXT

LANGUAGES = {language.value for language in Language}
TEMPLATES = sorted(path.name for path in (pages.HERE / "templates").glob("*.html"))


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


@pytest.mark.parametrize("module", labels.MODULES, ids=lambda module: module.__name__.rsplit(".", 1)[-1])
def test_page_labels_module_has_the_same_keys_and_placeholders_in_every_language(module) -> None:
    assert set(module.LABELS) == LANGUAGES
    russian = module.LABELS["ru"]
    for lang, found in module.LABELS.items():
        assert found.keys() == russian.keys(), f"{lang}: {sorted(found.keys() ^ russian.keys())}"
        assert all(text.strip() for text in found.values()), f"{lang} has an empty label"
        differ = [key for key in russian if placeholders(found[key]) != placeholders(russian[key])]
        assert not differ, f"{lang}: placeholders differ in {differ}"


def label_keys(node: nodes.Node) -> Iterator[str]:
    """The keys of `t` a template names as constants: `t.key`, `t["key"]`, `t.get("key", ...)`."""
    for found in node.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(found, nodes.Call):
            target = found.node
            if (
                isinstance(target, nodes.Getattr)
                and isinstance(target.node, nodes.Name)
                and target.node.name == "t"
                and target.attr == "get"
                and found.args
                and isinstance(found.args[0], nodes.Const)
            ):
                yield found.args[0].value
        elif isinstance(found.node, nodes.Name) and found.node.name == "t":
            if isinstance(found, nodes.Getattr) and found.attr != "get":
                yield found.attr
            elif isinstance(found, nodes.Getitem) and isinstance(found.arg, nodes.Const):
                yield found.arg.value


@pytest.mark.parametrize("template", TEMPLATES)
def test_page_labels_every_key_a_template_names_exists(template: str) -> None:
    env = pages.environment()
    source = env.loader.get_source(env, template)[0]  # type: ignore[union-attr]
    named = set(label_keys(env.parse(source)))
    for lang in LANGUAGES:
        assert not named - pages.LABELS[lang].keys(), (
            f"{template} names {sorted(named - pages.LABELS[lang].keys())}"
        )


def test_page_labels_parser_finds_every_form_of_a_key() -> None:
    """The check above is only as good as its parser: each way a template names a key is found."""
    tree = pages.environment().parse('{{ t.one }}{{ t["two"] }}{{ t.get("three", x) }}{{ t[dynamic] }}')
    assert set(label_keys(tree)) == {"one", "two", "three"}


def test_page_labels_navigation_names_labels_of_every_language() -> None:
    for lang in LANGUAGES:
        assert all(key in pages.LABELS[lang] for _, key in pages.NAVIGATION)


def test_page_labels_every_tenant_language_is_spoken_wherever_the_hub_speaks() -> None:
    """A language a tenant may choose has pages, a switch entry, Phonet's link text and call notes."""
    for spoken in (pages.LABELS, i18n.ENDONYMS, NEW_CONTACT_TEXT, CALL_NOTE_WORDS):
        assert {str(key) for key in spoken} == LANGUAGES
