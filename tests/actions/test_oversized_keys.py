"""Identifiers (of employees, bookings, gaps, agreements, runs) and the department and competence names are
keys of the log's and the projections' indexes. PostgreSQL cannot index a value of more than about 2,700 bytes:
accepted once, such a value would fail its batch for every message in it (an employee's key), or stop the
projections folding the log for every tenant for good (a department, a competence). They are refused as out of
range instead (invalid_data, naming the field)."""

from __future__ import annotations

import json
import secrets
from datetime import date as D

import actions_facts as f
import pytest

from services.core import reads
from services.core.checks import prepare

LONG = secrets.token_hex(2000)  # 4,000 characters that do not compress


def _facts() -> list[tuple[str, f.Fact]]:
    hire_kind, hire = f.hire(LONG, "rd", D(2024, 1, 1))
    gap = ("CompetenceGapIdentified", {"gap_id": "g1", "employee_id": "e1", "competence": LONG,
                                       "identified_on": D(2025, 1, 1), "current_level": 1, "target_level": 3,
                                       "source": "mus"})
    return [
        ("data.employee_id", (hire_kind, hire)),
        ("data.department", ("DepartmentRegistered", {"department": LONG, "name": "Long"})),
        ("data.competence", ("CompetenceAssessed", {"employee_id": "e1", "competence": LONG, "level": 3,
                                                    "assessed_on": D(2025, 1, 1)})),
        ("data.competence", gap),
        ("data.booking_id", f.book(LONG, "e1", D(2025, 3, 10), D(2025, 5, 5))),
        ("data.agreement_id", f.agree(LONG, "e1", D(2025, 3, 1))),
        ("data.buddies[0]", f.book("b1", "e1", D(2025, 3, 10), D(2025, 5, 5), buddies=(LONG,))),
    ]


@pytest.mark.parametrize(("field", "fact"), _facts(), ids=lambda value: value if isinstance(value, str) else "")
def test_an_identifier_too_long_to_index_is_out_of_range(field: str, fact: f.Fact) -> None:
    prepared = prepare(f.raw("acme", fact))
    assert prepared.rejection is not None, f"{field} of {len(LONG)} characters was accepted"
    assert prepared.rejection.reason.value == "invalid_data"
    assert prepared.rejection.detail.startswith(f"{field} ")


def test_an_identifier_of_200_characters_is_fine() -> None:
    assert prepare(f.raw("acme", f.hire("e" * 200, "d" * 200, D(2024, 1, 1)))).rejection is None


async def test_other_tenants_keep_their_reads_after_such_a_message(core, given) -> None:
    await given(f.hire("e1", "rd", D(2024, 1, 1)))
    outcomes = await core.intake.submit_many(
        [json.dumps(f.envelope("other-co", fact)).encode() for _, fact in _facts()], "test")
    assert {o["status"] for o in outcomes} == {"rejected"}
    await given(f.hire("e2", "rd", D(2024, 1, 1)))
    document = await reads.kpi_document(core, "acme", D(2025, 6, 1), wait=5)
    assert document["company"]["active_employees"] == 2
