"""Planning an import: rows that touch one contact stay in one chunk, in order; parts fit an item."""

from __future__ import annotations

from hub.domain.imports import job_id_for, plan_import, row_contact_id
from hub.store.imports import split_parts


def test_plan_import_keeps_a_group_in_one_chunk_in_row_order() -> None:
    rows = [{"name": f"R{i}", "phones": [{"number": f"+38067{i:07d}"}]} for i in range(250)]
    rows[180]["phones"] = [{"number": "0670000003"}]  # row 3's number, in a local form
    rows[240]["external_codes"] = rows[181]["external_codes"] = {"crm": "X"}
    rows[7] = {"bogus": True}
    plan = plan_import(rows, merge=True, country="UA", chunk_rows=100)
    assert [r.row for r in plan.refused] == [7]
    where = {index: n for n, chunk in enumerate(plan.chunks) for index, _ in chunk}
    assert where[3] == where[180] and where[181] == where[240]
    assert all(len(chunk) <= 100 for chunk in plan.chunks)
    order = [index for index, _ in plan.chunks[where[3]]]
    assert order.index(3) < order.index(180)  # a group's rows keep their order
    assert sorted(where) == [i for i in range(250) if i != 7]


def test_plan_import_without_merge_chunks_every_row_alone() -> None:
    rows = [{"name": "Same", "phones": [{"number": "0670000001"}]}] * 250
    assert [len(chunk) for chunk in plan_import(rows, merge=False, country="UA").chunks] == [100, 100, 50]


def test_row_ids_and_job_ids_are_deterministic_and_tenant_scoped() -> None:
    job = {"tenant": "acme", "job_id": job_id_for("acme", "k"), "created_at": 1_700_000_000_000}
    assert row_contact_id(job, 5) == row_contact_id(dict(job), 5) != row_contact_id(job, 6)
    assert job_id_for("acme", "k") != job_id_for("globex", "k")
    assert len(row_contact_id(job, 5)) == 24


def test_split_parts_bounds_each_part() -> None:
    entries = [{"row": i, "data": "x" * 1000} for i in range(1000)]
    parts = split_parts(entries, max_bytes=100_000)
    assert [e for part in parts for e in part] == entries
    assert all(sum(len(str(e)) for e in part) < 110_000 for part in parts) and len(parts) > 5
