"""A number the log can hold but the reads cannot (an hour count beyond what a double holds, or whose sum
overflows one) would make a tenant's KPI document and funding read fail for good once accepted: the log is
append-only. Such hours are refused as out of range (invalid_data, naming the field)."""

from __future__ import annotations

import json
from datetime import date as D

import actions_facts as f
import pytest

from services.core import reads


@pytest.mark.parametrize("hours", [10**400, 1e308])
async def test_course_hours_beyond_any_course_are_refused_and_the_reads_keep_answering(core, given, hours):
    kind, data = f.book("b1", "e1", D(2025, 3, 10), D(2025, 5, 5), D(2025, 5, 6))
    data["course"]["hours"] = hours
    run = ("CourseRunAnnounced", {"run_id": "r1", "title": "Welding", "starts_on": D(2025, 9, 1),
                                  "ends_on": D(2025, 9, 2), "hours": hours, "seats": 4})
    await given(f.hire("e1", "rd", D(2024, 1, 1)), f.hire("e2", "rd", D(2024, 1, 1)))
    refused = await given((kind, data), run, accepted=False)
    assert [(r["status"]) for r in refused] == ["rejected", "rejected"]

    fine_kind, fine = f.book("b2", "e2", D(2025, 3, 10), D(2025, 5, 5), D(2025, 5, 6))
    fine["course"]["kind"] = "amu"
    completion = ("CourseCompleted", {"booking_id": "b2", "completed_on": D(2025, 5, 6), "hours_attended": hours})
    outcomes = await given((fine_kind, fine), completion, accepted=False)
    assert [o["status"] for o in outcomes] == ["accepted", "rejected"]
    await given(f.complete("b2", D(2025, 5, 6)))

    document = await reads.kpi_document(core, "acme", D(2025, 6, 1))
    json.dumps(document, allow_nan=False)
    assert document["company"]["training_hours_per_employee_12m"] == 7.5 / 2
    await reads.funding_report(core, "acme", D(2025, 6, 1))


async def test_rejections_name_the_hours_field(core):
    from services.core.checks import prepare

    kind, data = f.book("b1", "e1", D(2025, 3, 10), D(2025, 5, 5), D(2025, 5, 6))
    data["course"]["hours"] = 10**400
    prepared = prepare(json.dumps(f.envelope("acme", (kind, data))).encode())
    assert prepared.rejection is not None
    assert prepared.rejection.reason.value == "invalid_data"
    assert prepared.rejection.detail.startswith("data.course.hours ")


@pytest.mark.parametrize("seats", [2**31, 10**400])
async def test_seats_beyond_any_run_are_refused_and_every_tenant_s_projections_keep_folding(core, given, seats):
    """The projections keep a run's seats as an integer: a larger number, once accepted, would stop the fold of
    the whole log — every tenant's reads would wait for it for good."""
    run = ("CourseRunAnnounced", {"run_id": "r1", "title": "Welding", "starts_on": D(2025, 9, 1),
                                  "ends_on": D(2025, 9, 2), "hours": 7, "seats": seats})
    [outcome] = await given(run, tenant="other-co", accepted=False)
    assert outcome["status"] == "rejected"

    await given(f.hire("e1", "rd", D(2024, 1, 1)))
    document = await reads.kpi_document(core, "acme", D(2025, 6, 1), wait=5)
    assert document["company"]["active_employees"] == 1
