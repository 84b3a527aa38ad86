"""What a plan reads from the KPI projection (contract §8): the facts dated on or before its first day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from conftest import ingest
from plan_scenario import START, TENANT, agreed, message, person, run

from projections.kpi.plan_facts import read_plan_facts
from services.core.app import App

END = date(2027, 12, 31)


def booking(booking_id: str, employee_id: str, booked_on: str, **more: object) -> dict[str, object]:
    data = {"booking_id": booking_id, "employee_id": employee_id, "booked_on": booked_on,
            "course": {"title": "Other", "kind": "private", "hours": 7}, "starts_on": "2027-02-01",
            "ends_on": "2027-02-02", **more}
    return message("CourseBooked", **data)


async def test_facts_dated_after_the_first_day_do_not_count(app: App) -> None:
    outcomes = await ingest(app, [
        person("stays"), person("moves"), person("leaves-later"), person("left"), person("hired-later"),
        message("EmployeeRegistered", employee_id="hired-later-2", name="N", department="rd", job_family="skilled",
                hired_on="2027-02-01"),
        message("EmployeeMoved", employee_id="moves", department="ops", moved_on="2027-01-05"),
        message("PlanningRulesSet", effective_from="2027-01-01", away_share={"low": 0.5}),
        message("PlanningRulesSet", effective_from="2027-01-01", away_share={"low": 0.4, "busy": 0.1}),
        message("PlanningRulesSet", effective_from="2027-01-05", away_share={"low": 0.9}),
        run("withdrawn-before", "Welding", "2027-02-01", "2027-02-01"),
        message("CourseRunWithdrawn", run_id="withdrawn-before", withdrawn_on="2027-01-04"),
        run("withdrawn-after", "Welding", "2027-02-01", "2027-02-01"),
        message("CourseRunWithdrawn", run_id="withdrawn-after", withdrawn_on="2027-01-05"),
        run("starts-before", "Welding", "2027-01-03", "2027-01-05"),
        run("beyond", "Welding", "2027-12-31", "2028-01-01"),
        agreed("open", "stays", "Welding"),
        agreed("agreed-later", "stays", "Welding", agreed_on="2027-01-05"),
        agreed("withdrawn-later", "stays", "Welding"),
        message("EducationAgreementWithdrawn", agreement_id="withdrawn-later", withdrawn_on="2027-01-05",
                reason="x"),
        agreed("withdrawn", "stays", "Welding"),
        message("EducationAgreementWithdrawn", agreement_id="withdrawn", withdrawn_on="2027-01-04", reason="x"),
        agreed("booked-later", "moves", "Welding"), booking("b-later", "moves", "2027-01-05",
                                                            agreement_id="booked-later"),
        agreed("booked", "moves", "Welding"), booking("b-live", "moves", "2027-01-04", agreement_id="booked"),
        agreed("cancelled", "moves", "Welding"), booking("b-cancelled", "moves", "2027-01-02",
                                                         agreement_id="cancelled"),
        message("CourseCancelled", booking_id="b-cancelled", cancelled_on="2027-01-04", reason="ill"),
        agreed("cancel-later", "moves", "Welding"), booking("b-cancel-later", "moves", "2027-01-02",
                                                            agreement_id="cancel-later"),
        message("CourseCancelled", booking_id="b-cancel-later", cancelled_on="2027-01-05", reason="ill"),
        agreed("due-before", "leaves-later", "Welding", due_by="2027-01-03"),
        agreed("due-on-first-day", "leaves-later", "Welding", due_by="2027-01-04"),
        agreed("of-a-leaver", "left", "Welding"),
        message("EmployeeLeft", employee_id="left", left_on="2027-01-04"),
        message("EmployeeLeft", employee_id="leaves-later", left_on="2027-01-05"),
    ])
    assert {outcome["status"] for outcome in outcomes} == {"accepted"}
    facts = (await read_plan_facts(app.pool, TENANT, START, END)).facts
    assert {e.employee_id: e.department for e in facts.employees} == {
        "stays": "rd", "moves": "rd", "leaves-later": "rd", "hired-later": "rd"}
    assert sorted(a.agreement_id for a in facts.agreements) == [
        "booked-later", "cancelled", "due-on-first-day", "open", "withdrawn-later"]
    assert sorted(r.run_id for r in facts.runs) == ["withdrawn-after"]
    assert sorted(b.booking_id for b in facts.bookings) == ["b-cancel-later", "b-live"]
    assert facts.shares.low == Decimal("0.4") and facts.shares.busy == Decimal("0.1")
    assert facts.shares.normal == Decimal("0.15")


async def test_without_rules_the_default_shares_apply_and_due_by_defaults_to_the_cycle_end(app: App) -> None:
    await ingest(app, [
        person("e1"),
        message("EducationStrategyAdopted", adopted_on="2020-01-01", formality="formal", vision="v",
                cycle_start_month=9),
        message("EducationAgreed", agreement_id="a1", employee_id="e1", title="Welding", agreed_on="2026-10-01",
                gap_id=None, course_code="40121"),
    ])
    facts = (await read_plan_facts(app.pool, TENANT, START, END)).facts
    assert (facts.shares.low, facts.shares.normal, facts.shares.busy) == (
        Decimal("0.25"), Decimal("0.15"), Decimal("0.05"))
    [wanted] = facts.agreements
    assert (wanted.due_by, wanted.course_code, wanted.gap_competence) == (date(2027, 8, 31), "40121", None)
