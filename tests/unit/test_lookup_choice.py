from __future__ import annotations

from hub.domain.lookup import choose_contact
from hub.models.contact import ContactType, PhoneEntry


def entry(id: str, type: ContactType = ContactType.CONTACT, responsible: str | None = None, updated: int = 0):
    return PhoneEntry(id=id, type=type, name=id, responsible_employee_id=responsible, updated_at=updated)


def test_choose_contact_none_when_nobody_holds_the_number() -> None:
    assert choose_contact([]) is None


def test_choose_contact_prefers_person_or_company_over_lead() -> None:
    lead = entry("lead", ContactType.LEAD, responsible="e1", updated=9)
    company = entry("company", ContactType.COMPANY, updated=1)
    person = entry("person", ContactType.CONTACT, updated=0)
    assert choose_contact([lead, company, person]).id == "person"
    assert choose_contact([lead, company]).id == "company"


def test_choose_contact_prefers_one_with_a_responsible_manager() -> None:
    assert choose_contact([entry("a", updated=9), entry("b", responsible="e1", updated=1)]).id == "b"


def test_choose_contact_prefers_most_recently_updated_then_lowest_id() -> None:
    assert choose_contact([entry("a", updated=1), entry("b", updated=2)]).id == "b"
    assert choose_contact([entry("b", updated=2), entry("a", updated=2)]).id == "a"


def test_choose_contact_same_answer_whatever_the_order() -> None:
    entries = [entry(str(i), updated=i % 3, responsible="e" if i % 2 else None) for i in range(8)]
    assert len({choose_contact(entries[i:] + entries[:i]).id for i in range(8)}) == 1
