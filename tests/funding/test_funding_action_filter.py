"""The funding actions read only the courses whose claims can still be at risk (``claimable_courses``); on random
companies with funds, VEU and leavers, at dates around every deadline, they equal the actions computed over
every course — also for one manager's or one department's employees."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from scenarios import courses, people
from test_funding_reads import TENANT, core, envelope, ingest, scenario_messages  # noqa: F401 - core is the fixture

from domain.funding.claims import funding_actions
from domain.funding.facts import CourseFacts
from projections.kpi.funding_read import funding_facts
from services.core.app import App
from services.core.funding.lines import claim_lines, course_facts, placements
from services.core.funding.report import funding_action_list
from services.core.funding.startup import installed_rules


def _within_2023(rng: random.Random, course: CourseFacts) -> CourseFacts:
    """The same course moved into 2023, so an employee's courses share a year: the fund's days and yearly cap used
    by earlier courses change the later ones' amounts."""
    starts = date(2023, 1, 1) + timedelta(days=rng.randint(0, 364))
    return replace(course, starts_on=starts, ends_on=starts + (course.ends_on - course.starts_on),
                   booked_on=starts - (course.starts_on - course.booked_on))


async def _over_every_course(app: App, day: date) -> list[dict[str, object]]:
    facts = await funding_facts(app.pool, TENANT, day)
    book = installed_rules()
    lines = claim_lines(book, course_facts(facts, day), facts.claims, day)
    return funding_actions([(b.course, line) for b in lines for line in b.lines], placements(facts), day)


async def test_funding_actions_from_the_claimable_courses_equal_those_over_every_course(core: App) -> None:  # noqa: F811
    rng = random.Random(2027)
    made = [_within_2023(rng, c) for person in people(rng, 30) for c in courses(rng, person, rng.randint(2, 7))]
    bosses = sorted({c.employee_id for c in made})[:2]
    managed = [envelope("ManagerAssigned", employee_id=e, manager_id=bosses[n % 2])
               for n, e in enumerate(sorted({c.employee_id for c in made})) if n % 3]
    await ingest(core, scenario_messages(made) + managed)
    departments = sorted({c.department for c in made})
    edges = sorted({d for c in made for d in (c.booked_on, c.starts_on, c.ends_on)})
    days = {d + timedelta(days=k) for d in rng.sample(edges, min(25, len(edges))) for k in (-43, -14, -1, 0, 1, 28, 29)}
    seen = filtered = 0
    for day in sorted(days):
        expected = await _over_every_course(core, day)
        assert await funding_action_list(core.pool, TENANT, day) == expected, day
        for manager, department in ((bosses[0], None), (None, departments[0]), (bosses[1], departments[-1])):
            mine = await funding_action_list(core.pool, TENANT, day, manager=manager, department=department)
            assert mine == [a for a in expected if (manager is None or a["manager_id"] == manager)
                            and (department is None or a["department"] == department)], (day, manager, department)
            filtered += len(mine)
        seen += len(expected)
    assert seen > 20 and filtered > 10
