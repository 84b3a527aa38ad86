"""The funding facts are kept per state of the projection for the tenant (``projections.kpi.funding_read``): reads
on other dates use the kept facts while nothing of the tenant was folded since; a new event — appended and folded
by another process — a change of the rules and an erasure give what a read with nothing kept gives."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from scenarios import courses, people
from test_funding_reads import TENANT, core, envelope, ingest, scenario_messages  # noqa: F401 - core is the fixture

from domain.funding.facts import CourseFacts
from domain.funding.rules import RuleBook
from infra.db import create_pool
from projections import catch_up
from projections.kpi.funding_read import funding_facts
from services.core.app import App, app_for_url
from services.core.erasure import erase_employee
from services.core.funding.report import funding_action_list
from services.core.funding.startup import installed_rules

DAY = date(2023, 6, 1)


def _open_around(rng: random.Random, course: CourseFacts) -> CourseFacts:
    """The same course moved to start within 40 days of ``DAY``, not completed nor cancelled: its VEU claim is open
    on ``DAY`` and on the days around it."""
    starts = DAY + timedelta(days=rng.randint(-20, 40))
    return replace(course, starts_on=starts, ends_on=starts + (course.ends_on - course.starts_on),
                   booked_on=starts - timedelta(days=rng.randint(30, 90)), hours_attended=False, cancelled=False)


async def _scenario(core: App) -> list[CourseFacts]:  # noqa: F811
    rng = random.Random(31)
    made = [_open_around(rng, c) for person in people(rng, 25) for c in courses(rng, person, rng.randint(1, 4))]
    outcomes = await ingest(core, scenario_messages(made))
    assert all(o["status"] == "accepted" for o in outcomes)
    return made


async def _with_nothing_kept(database_url: str, day: date, book: RuleBook | None = None,
                             **filters: Any) -> list[dict[str, Any]]:
    """The actions read through a pool of its own: no facts of this database are kept for it yet."""
    pool = await create_pool(database_url, max_size=2)
    try:
        return await funding_action_list(pool, TENANT, day, book, **filters)
    finally:
        await pool.close()


async def test_reads_on_other_dates_use_the_kept_facts_until_the_tenant_moves(core: App) -> None:  # noqa: F811
    await _scenario(core)
    first = await funding_facts(core.pool, TENANT, DAY)
    later = await funding_facts(core.pool, TENANT, DAY + timedelta(days=20))
    assert first.kept is not None and later.kept is first.kept
    assert len(later.bookings) >= len(first.bookings) > 0
    await ingest(core, [envelope("EmployeeRegistered", employee_id="e-new", name="N", department="rd",
                                 job_family="skilled", hired_on="2020-01-01")])
    moved = await funding_facts(core.pool, TENANT, DAY)
    assert moved.kept is not first.kept
    assert [b["booking_id"] for b in moved.bookings] == [b["booking_id"] for b in first.bookings]


async def test_an_event_another_process_appends_changes_the_next_read(core: App, database_url: str) -> None:  # noqa: F811
    await _scenario(core)
    before = await funding_action_list(core.pool, TENANT, DAY)
    unclaimed = [a for a in before if a["kind"] == "funding_unclaimed"]
    assert len(unclaimed) >= 3
    applied, cancelled = unclaimed[0]["ref"], unclaimed[1]["ref"]
    day_before = (DAY - timedelta(days=1)).isoformat()
    other = await app_for_url(database_url, max_size=2)  # another process: its own pool, nothing shared
    try:
        outcomes = await other.intake.submit_many([json.dumps(m) for m in (
            envelope("FundingApplied", booking_id=applied, scheme="veu", applied_on=day_before, amount=100),
            envelope("CourseCancelled", booking_id=cancelled, cancelled_on=day_before, reason="x"),
        )])
        assert all(o["status"] == "accepted" for o in outcomes), outcomes
        await catch_up(other.pool)
    finally:
        await other.close()
    after = await funding_action_list(core.pool, TENANT, DAY)
    assert {a["ref"] for a in after if a["kind"] == "funding_unclaimed"} == \
        {a["ref"] for a in unclaimed} - {applied, cancelled}
    assert after == await _with_nothing_kept(database_url, DAY)


async def test_a_change_of_the_rules_changes_the_amounts_of_the_kept_courses(core: App, database_url: str) -> None:  # noqa: F811
    await _scenario(core)
    book = installed_rules()
    assert book.veu is not None
    doubled = replace(book, veu=replace(book.veu, years={
        year: replace(rates, hourly_rate=None if rates.hourly_rate is None else rates.hourly_rate * Fraction(2))
        for year, rates in book.veu.years.items()}))
    first = await funding_action_list(core.pool, TENANT, DAY, book)
    changed = await funding_action_list(core.pool, TENANT, DAY, doubled)
    assert [a["ref"] for a in changed] == [a["ref"] for a in first]
    assert sum(a["detail"] != b["detail"] for a, b in zip(first, changed, strict=True)) >= 3
    assert changed == await _with_nothing_kept(database_url, DAY, doubled)
    assert await funding_action_list(core.pool, TENANT, DAY, book) == first


async def test_an_erasure_leaves_the_actions_a_read_with_nothing_kept_gives(core: App, database_url: str) -> None:  # noqa: F811
    made = await _scenario(core)
    before = await funding_action_list(core.pool, TENANT, DAY)
    assert before
    erased = before[0]["employee_id"]
    await erase_employee(core.store, TENANT, erased)
    after = await funding_action_list(core.pool, TENANT, DAY)
    assert after == before  # the actions name no personal data: employee ids and course titles only
    assert after == await _with_nothing_kept(database_url, DAY)
    assert any(c.employee_id == erased for c in made)


async def test_reads_back_and_forth_over_dates_give_what_reads_with_nothing_kept_give(
        core: App, database_url: str) -> None:  # noqa: F811
    """The kept course facts, claim lines and details are reused across dates: read out of order, on dates before,
    during and after the courses and past their claims' lapse, each read equals one with nothing kept."""
    await _scenario(core)
    days = [DAY + timedelta(days=offset) for offset in (0, 60, -30, 150, 15, 90, 0, 30, -10, 200, 45, 60)]
    found = [await funding_action_list(core.pool, TENANT, day) for day in days]
    kinds = {action["kind"] for actions in found for action in actions}
    assert kinds == {"funding_unclaimed", "funding_deadline"}, kinds
    listed = [{action["ref"] for action in actions if action["kind"] == "funding_unclaimed"} for actions in found]
    assert listed[0] - listed[3], "some claim open on DAY has lapsed 150 days later"
    for day, actions in zip(days, found, strict=True):
        assert actions == await _with_nothing_kept(database_url, day), day
    for manager in {action["manager_id"] for action in found[0]} - {None}:
        assert await funding_action_list(core.pool, TENANT, DAY, manager=manager) == \
            await _with_nothing_kept(database_url, DAY, manager=manager)
