"""The actions read (CONTRACT.md §7) against an independent reference (``actions_oracle``) on seeded random
companies: several dates, with and without the manager and department filters.

Fact dates cluster around the asked dates at the table's edges (30, 14/30, 60, 90, 365/366 days), so each
boundary is crossed both ways. Only the messages the intake accepted feed the reference."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

import actions_facts as f
from actions_oracle import expected_actions
from message_samples import settled

from domain.rules import ACTION_KINDS
from projections import catch_up
from services.core import reads

AS_OF = (date(2025, 2, 10), date(2025, 5, 20), date(2025, 9, 30))
EDGES = (-367, -366, -365, -364, -120, -91, -90, -89, -61, -60, -59, -31, -30, -29, -15, -14, -13,
         -4, -1, 0, 1, 4, 59, 60, 61)
SCENARIOS = 20


def _near(rng: random.Random) -> date:
    offset = rng.choice(EDGES) if rng.random() < 0.6 else rng.randint(-420, 90)
    return rng.choice(AS_OF) + timedelta(days=offset)


def scenario(seed: int) -> list[f.Fact]:  # noqa: C901 - a generator of every message kind
    rng = random.Random(seed)
    days = timedelta
    departments = ("rd", "ops", "hq")
    setup: list[f.Fact] = []
    for _ in range(rng.randint(0, 2)):
        setup.append(f.strategy(_near(rng) - days(200), month=rng.randint(1, 12)))
    for _ in range(rng.randint(1, 4)):
        setup.append(f.wheel(_near(rng) + days(rng.randint(-60, 60)),
                             busy=tuple(rng.sample(range(1, 13), rng.randint(0, 9))),
                             dept=rng.choice((None, *departments))))
    bosses = ["m1", "m2"]
    people = [f"e{i}" for i in range(rng.randint(5, 9))]
    hires = [f.hire(b, rng.choice(departments), date(2020, 1, 1), family="manager") for b in bosses]
    for e in people:
        hired = _near(rng) - days(rng.choice((0, 0, 90, 400)))
        hires.append(f.hire(e, rng.choice(departments), hired,
                            family=rng.choice(("unskilled", "skilled", "professional", "manager"))))
    placed: list[f.Fact] = []
    for e in people:
        for _ in range(rng.choice((0, 0, 1, 2))):
            placed.append(f.move(e, rng.choice(departments), _near(rng)))
        for _ in range(rng.choice((0, 1, 1, 2))):
            placed.append(f.manager(e, rng.choice(bosses), rng.choice((None, _near(rng)))))
    reviews, agreements, bookings, steps, ends, leaves = [], [], [], [], [], []
    for e in people:
        for _ in range(rng.randint(0, 3)):
            held = _near(rng)
            reviews.append(f.review(e, held, item=rng.random() < 0.7,
                                    follow_up=rng.choice((None, held + days(rng.randint(0, 120))))))
        mine: list[str] = []
        for k in range(rng.randint(0, 3)):
            agreement = f"{e}-a{k}"
            mine.append(agreement)
            agreed = _near(rng)
            agreements.append(f.agree(agreement, e, agreed,
                                      due=rng.choice((None, agreed + days(rng.randint(0, 200))))))
            if rng.random() < 0.2:
                ends.append(f.withdraw(agreement, _near(rng)))
        for k in range(rng.randint(0, 4)):
            booking = f"{e}-b{k}"
            if rng.random() < 0.5:  # around the look-ahead and check-in windows of an asked date
                starts = rng.choice(AS_OF) + days(rng.randint(-20, 70))
                booked = starts - days(rng.randint(0, 60))
            else:
                booked = _near(rng)
                starts = rng.choice((booked + days(rng.randint(0, 90)), _near(rng)))
            stop = starts + days(rng.choice((0, 3, 4, 5, 12)))
            buddies = tuple(rng.sample(bosses, 1)) if rng.random() < 0.2 else ()
            link = rng.choice(mine) if mine and rng.random() < 0.6 else None
            bookings.append(f.book(booking, e, booked, starts, stop, agreement=link, buddies=buddies))
            if rng.random() < 0.3:
                steps.append(f.pair(booking, rng.choice(bosses), _near(rng)))
            if rng.random() < 0.3:
                steps.append(f.substitute(booking, _near(rng)))
            if rng.random() < 0.4:
                steps.append(f.check_in(booking, starts + days(rng.randint(-2, 14))))
            if rng.random() < 0.3:
                steps.append(f.share(booking, rng.choice((stop + days(rng.randint(0, 40)), _near(rng)))))
            end = rng.random()
            if end < 0.5:
                done = stop + days(rng.choice((0, 0, 1, 20)))
                if rng.random() < 0.4:  # in or near the knowledge-sharing window of an asked date
                    done = rng.choice(AS_OF) - days(rng.choice((13, 14, 15, 20, 29, 30, 31)))
                ends.append(f.complete(booking, done))
            elif end < 0.65:
                ends.append(f.cancel(booking, _near(rng)))
        if rng.random() < 0.2:
            leaves.append(f.leave(e, _near(rng)))
    for group in (placed, reviews, agreements, bookings, steps, ends):
        rng.shuffle(group)
    return setup + hires + placed + reviews + agreements + bookings + steps + ends + leaves


def _seen(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(a["kind"], a["employee_id"], a["manager_id"], a["department"], a["ref"], a["since"])
            for a in document["actions"] if a["kind"] in ACTION_KINDS]


async def test_actions_match_the_reference_on_random_companies(core):
    accepted: dict[str, list[dict[str, Any]]] = {}
    for seed in range(SCENARIOS):
        tenant = f"random-{seed}"
        envelopes = [f.envelope(tenant, fact) for fact in scenario(seed)]
        outcomes = await core.intake.submit_many([json.dumps(e).encode() for e in envelopes], "test")
        accepted[tenant] = [e for e, o in zip(envelopes, outcomes, strict=True) if o["status"] == "accepted"]
        assert len(accepted[tenant]) >= 0.8 * len(envelopes), [o for o in outcomes if o["status"] != "accepted"]
    await settled(core)
    await catch_up(core.pool)
    compared = 0
    for tenant, messages in accepted.items():
        for day in AS_OF:
            for filters in ({}, {"manager": "m1"}, {"department": "rd"}, {"manager": "m2", "department": "ops"}):
                document = await reads.actions(core, tenant, day, **filters)
                expected = expected_actions(messages, day, **filters)
                assert _seen(document) == expected, (tenant, day, filters)
                compared += len(expected)
    assert compared > 200  # the scenarios do produce actions of every kind to compare
