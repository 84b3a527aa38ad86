"""A course may last thousands of years (an open-ended booking whose end is some far date such as 9990-12-31) or
end on the calendar's last day (9999-12-31) or start on its first (0001-01-01): the expected amounts are counted
without listing the course's days, every date computed from one stays on the calendar, and the funding reads of
such a tenant answer."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from scenarios import scenario_rules
from test_funding_reads import TENANT, core, envelope, ingest  # noqa: F401 - core is the fixture

from domain.funding.claims import ClaimStep, claim_line, funding_actions
from domain.funding.expected import fund_expected, veu_expected
from domain.funding.facts import CourseFacts
from domain.funding.hours import LISTED_WEEKS, counted_hours
from domain.funding.money import kroner
from domain.funding.rules import RuleBook
from services.core.app import App
from services.core.funding.report import funding_action_list, funding_report

ROOT = Path(__file__).resolve().parents[2]


def _course(**changes: object) -> CourseFacts:
    base: dict[str, object] = dict(
        booking_id="b-1", employee_id="e-1", department="ops", title="Open-ended mentoring", kind="amu",
        booked_on=date(2023, 3, 1), starts_on=date(2023, 5, 8), ends_on=date(9990, 12, 31), hours=Fraction(1000),
        hours_attended=False, cancelled=False, hired_on=date(2015, 1, 1), job_family="skilled",
        collective_agreement="test-agreement")
    base.update(changes)
    return CourseFacts(**base)  # type: ignore[arg-type]


def _weekdays(first: date, last: date) -> int:
    """Mon–Fri from first to last: whole weeks of five, then the days left over one by one."""
    span = (last - first).days + 1
    weeks, rest = divmod(span, 7)
    return weeks * 5 + sum((first.weekday() + n) % 7 < 5 for n in range(rest))


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> RuleBook:
    return scenario_rules(tmp_path_factory.mktemp("rules"))


LONG_COURSES = textwrap.dedent("""
    import json, sys
    from datetime import date
    from fractions import Fraction
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from scenarios import scenario_rules
    from domain.funding.expected import fund_expected, veu_expected
    from domain.funding.facts import CourseFacts

    book = scenario_rules(Path(sys.argv[2]))
    out = {}
    for kind, starts, ends, hours in (("amu", date(2023, 5, 8), date(9990, 12, 31), 1000),
                                      ("vocational", date(2025, 5, 5), date(9990, 12, 31), 1000),
                                      ("vocational", date(2022, 1, 3), date(9999, 12, 31), 10 ** 12)):
        family = "skilled" if kind == "amu" else "professional"  # a professional with no level recorded: no VEU
        course = CourseFacts(
            booking_id=kind, employee_id="e", department="ops", title="t", kind=kind, booked_on=date(2022, 1, 1),
            starts_on=starts, ends_on=ends, hours=Fraction(hours), hours_attended=False, cancelled=False,
            hired_on=date(2015, 1, 1), job_family=family, collective_agreement="test-agreement")
        veu = {kind: veu_expected(book.veu, course)}
        fund = fund_expected(book.funds["test-fund"], [course], book.agreements, veu)[kind]
        out[f"{kind}-{starts.year}"] = {
            scheme: {"amount": None if e.amount is None else str(e.amount), "eligible": e.eligible,
                     "deadline": e.deadline.isoformat() if e.deadline else None, "explain": list(e.explain)}
            for scheme, e in (("veu", veu[kind]), ("fund", fund))}
    print(json.dumps(out))
""")


def test_courses_of_eight_thousand_years_are_counted_without_listing_their_days(tmp_path: Path) -> None:
    """Listing 2–3 M days per course took tens of seconds and hundreds of MB each; counted in closed form, the
    three courses together take a blink (the subprocess's 60 s bound is for a machine under heavy load)."""
    done = subprocess.run([sys.executable, "-c", LONG_COURSES, str(Path(__file__).parent), str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    found = json.loads(done.stdout)

    amu = found["amu-2023"]["veu"]
    assert amu["amount"] is None and amu["eligible"]  # the VEU rate of 2024 is not configured (2023's is)
    rates = [s for s in amu["explain"] if s["rule"] == "veu.rate"]
    assert [r["year"] for r in rates] == [2023, 2024]
    weekdays = _weekdays(date(2023, 5, 8), date(9990, 12, 31))
    per_day = Fraction(1000, weekdays)  # far below 37 h a week: no week is capped
    in_2023 = _weekdays(date(2023, 5, 8), date(2023, 12, 31))
    assert rates[0]["hours"] == f"{float(per_day * in_2023):.4f}"
    assert amu["deadline"] == (date(9990, 12, 31) + timedelta(days=28)).isoformat()

    vocational = found["vocational-2025"]
    assert vocational["veu"]["amount"] == "0.00" and not vocational["veu"]["eligible"]
    days = _weekdays(date(2025, 5, 5), date(9990, 12, 31))
    fund_days = next(s for s in vocational["fund"]["explain"] if s["rule"] == "fund.days")
    assert fund_days["days"] == days and fund_days["covered_days"] == 12  # 6 days a year and 6 saved
    hours = next(s for s in vocational["fund"]["explain"] if s["rule"] == "hours")
    assert hours["counted_hours"] == "1000" and "capped" not in hours["text"]
    assert vocational["fund"]["amount"] == str(kroner(Fraction(1000) * Fraction(12, days) * Fraction("272.75")))

    capped = found["vocational-2022"]["fund"]
    hours = next(s for s in capped["explain"] if s["rule"] == "hours")
    # 10^12 h: every ISO week counts its cap, 37 h (a week of 5 course days; the first and last weeks have fewer)
    assert hours["text"].count("-W") <= 54 and "more weeks" in hours["text"]
    assert capped["amount"] == "9000.50"  # the yearly cap


def test_a_course_ending_on_the_calendars_last_day_has_its_deadline_on_that_day(book: RuleBook) -> None:
    assert book.veu is not None
    course = _course(starts_on=date(9999, 12, 27), ends_on=date(9999, 12, 31), hours=Fraction(37),
                     booked_on=date(9999, 1, 1))
    veu = veu_expected(book.veu, course)
    assert veu.deadline == date.max  # 28 days after 9999-12-31 is past the calendar: its last day
    assert veu.eligible and veu.amount is None  # employed after the course (the days beyond count as its last)
    line = claim_line("VEU", veu, course, [], date(9999, 12, 31))
    assert line.state == "at_risk"


def test_a_course_starting_on_the_calendars_first_day_has_its_fund_deadline_on_that_day(book: RuleBook) -> None:
    course = _course(starts_on=date(1, 1, 1), ends_on=date(1, 1, 5), booked_on=date(1, 1, 1), hired_on=date(1, 1, 1),
                     kind="amu")
    fund = fund_expected(book.funds["test-fund"], [course], book.agreements, {})["b-1"]
    assert fund.deadline is None  # the test fund has no rules for year 1
    early = book.funds["test-fund"]
    first = early.periods[0]
    moved = replace(early, periods=(replace(first, valid_from=date.min, seniority_months=0), *early.periods[1:]))
    fund = fund_expected(moved, [course], book.agreements, {})["b-1"]
    assert fund.deadline == date.min  # 10 days before 0001-01-01: the calendar's first day
    line = claim_line("Test fund", fund, course, [ClaimStep(1, "FundingApplied", date(1, 1, 1), Decimal(1))],
                      date(1, 1, 1))
    assert line.state == "applied"
    unapplied = claim_line("Test fund", fund, course, [], date(1, 1, 1))
    assert unapplied.state == "at_risk"
    assert funding_actions([(course, unapplied)], {}, date(1, 1, 1)) == []  # nobody is placed


async def test_the_funding_reads_answer_for_a_course_of_millennia_and_one_to_the_calendars_end(core: App) -> None:  # noqa: F811
    await ingest(core, [
        envelope("EmployeeRegistered", employee_id="e1", name="N", department="ops", job_family="skilled",
                 hired_on="2015-01-01"),
        envelope("EmploymentTermsSet", employee_id="e1", effective_from="2000-01-01",
                 collective_agreement="test-agreement", weekly_hours=37.0, apprentice=False, public_benefits=False),
        envelope("CourseBooked", booking_id="b1", employee_id="e1", booked_on="2025-03-10", starts_on="2025-05-05",
                 ends_on="9999-12-31", course={"title": "Open-ended mentoring", "kind": "amu", "hours": 40.0}),
        envelope("CourseBooked", booking_id="b2", employee_id="e1", booked_on="2025-03-10", starts_on="2025-06-02",
                 ends_on="2025-06-06", course={"title": "Forklift", "kind": "amu", "hours": 37.0}),
        envelope("CourseBooked", booking_id="b3", employee_id="e1", booked_on="2025-03-10", starts_on="2025-05-05",
                 ends_on="9990-12-31", course={"title": "Open-ended coaching", "kind": "amu", "hours": 40.0}),
    ])
    report = await funding_report(core.pool, TENANT, date(2025, 6, 1))
    veu = {b["booking_id"]: next(s for s in b["schemes"] if s["scheme"] == "veu") for b in report["bookings"]}
    assert veu["b1"]["deadline"] == "9999-12-31" and veu["b1"]["state"] == "at_risk"
    assert veu["b2"]["deadline"] == "2025-07-04"
    assert veu["b3"]["deadline"] == "9991-01-28" and veu["b3"]["state"] == "at_risk"
    hours = next(s for s in veu["b3"]["explain"] if s["rule"] == "hours")
    assert f"spread over {_weekdays(date(2025, 5, 5), date(9990, 12, 31))} course days" in hours["text"]
    actions = await funding_action_list(core.pool, TENANT, date(2025, 6, 1))
    assert {(a["kind"], a["ref"]) for a in actions} >= {
        ("funding_unclaimed", "b1"), ("funding_unclaimed", "b2"), ("funding_unclaimed", "b3")}


def _listed(starts_on: date, ends_on: date, total: Fraction, cap: Fraction) -> tuple[object, ...]:
    """The same figures by listing every day (as the hours were counted before): per year, days per year, the
    capped weeks."""
    days = [starts_on + timedelta(n) for n in range((ends_on - starts_on).days + 1)]
    days = [d for d in days if d.weekday() < 5] or days
    weeks: dict[tuple[int, int], list[date]] = {}
    for d in days:
        weeks.setdefault(d.isocalendar()[:2], []).append(d)
    by_year: dict[int, Fraction] = {}
    count: dict[int, int] = {}
    capped = []
    for week, in_week in sorted(weeks.items()):
        hours = total / len(days) * len(in_week)
        kept = min(hours, cap)
        for d in in_week:
            by_year[d.year] = by_year.get(d.year, Fraction(0)) + (total / len(days) * kept / hours if hours else 0)
            count[d.year] = count.get(d.year, 0) + 1
        if kept < hours:
            capped.append(week)
    return len(days), sum(by_year.values()), sorted(by_year.items()), sorted(count.items()), capped


def test_the_counted_hours_equal_those_of_listing_every_day() -> None:
    rng = random.Random(11)
    for n in range(400):
        starts = date(2019, 12, 20) + timedelta(days=rng.randint(0, 800))
        ends = starts + timedelta(days=rng.choice([0, 1, 2, 4, 6, 7, 9, 13, 30, rng.randint(0, 900)]))
        total = Fraction(rng.choice([0, 1, 7, 37, 40, 150, 999, 5000]), rng.choice([1, 2, 3]))
        cap = Fraction(rng.choice([0, 20, 30, 37]))
        got = counted_hours(starts, ends, total, cap)
        days, in_all, by_year, count, capped = _listed(starts, ends, total, cap)
        assert (got.days, got.total, list(got.by_year), list(got.days_by_year)) == (days, in_all, by_year, count), n
        assert got.capped_weeks == len(capped) and list(got.capped) == capped[:LISTED_WEEKS], n
