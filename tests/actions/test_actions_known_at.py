"""The actions read as known at an instant (CONTRACT.md §6 "As known at", §7): only events recorded by then
count.

The actions read at T1 are stored byte for byte; messages that change the actions arrive (a completion, a
withdrawal, a check-in, a review, a pairing, a departure …); the read with known_at=T1 gives the same bytes.
And on generated companies fed in parts, the actions as known at the end of a part equal those of a fresh
tenant fed only the parts up to it.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime
from typing import Any

import actions_facts as f
import pytest
from message_samples import settled
from test_action_oracle import AS_OF, scenario

from domain.rules import ACTION_KINDS
from projections import catch_up
from services.core import reads
from services.core.app import App

T = "acme"
D = date(2025, 6, 30)


def canonical(document: dict[str, Any], tenant: str | None = None) -> bytes:
    if tenant is not None:
        document = {**document, "tenant": tenant}
    return json.dumps(document, ensure_ascii=False).encode()


async def clock(core: App) -> datetime:
    stamp = await core.pool.fetchval("SELECT clock_timestamp()")
    assert isinstance(stamp, datetime)
    return stamp


FIRST = [
    f.strategy(date(2024, 1, 1), month=1),
    f.wheel(date(2024, 1, 1), busy=(7, 8)),
    f.hire("boss", "office", date(2020, 1, 1), family="manager"),
    f.hire("e1", "rd", date(2023, 1, 1), family="unskilled"),
    f.hire("e2", "rd", date(2023, 1, 1), family="skilled"),
    f.hire("e3", "ops", date(2023, 1, 1), family="skilled"),
    f.hire("e4", "ops", date(2025, 1, 1), family="unskilled"),
    f.manager("e1", "boss"),
    f.manager("e2", "boss"),
    f.review("e1", date(2025, 1, 10), item=True, follow_up=date(2025, 3, 1)),
    f.review("e2", date(2024, 3, 1), item=False),
    f.agree("a1", "e1", date(2025, 1, 20), due=date(2025, 5, 31), title="Welding"),
    f.agree("a2", "e2", date(2025, 2, 1), due=date(2025, 12, 31), title="Safety"),
    f.agree("a3", "e3", date(2024, 2, 1), due=date(2024, 12, 31), title="Cranes"),
    f.book("b1", "e1", date(2025, 2, 1), date(2025, 6, 20), date(2025, 7, 4), agreement="a1"),
    f.book("b2", "e3", date(2025, 5, 1), date(2025, 5, 20), date(2025, 5, 22), title="First aid"),
    f.book("b3", "e4", date(2025, 6, 1), date(2025, 7, 14), date(2025, 7, 15), title="Forklift"),
    f.book("b4", "e2", date(2025, 6, 1), date(2025, 8, 4), date(2025, 8, 8), title="Leadership"),
]

# Later messages, each of which changes the actions on D.
LATER = [
    f.complete("b2", date(2025, 6, 10)),  # sharing_missing appears
    f.withdraw("a3", date(2025, 1, 5)),  # agreement_overdue goes
    f.check_in("b1", date(2025, 6, 25)),  # check_in_missing goes
    f.review("e2", date(2025, 6, 1), item=True, follow_up=date(2025, 6, 15)),  # review_missing -> follow_up_due
    f.pair("b3", "boss", date(2025, 6, 5)),  # buddy_missing goes
    f.substitute("b4", date(2025, 6, 10)),  # substitute_missing goes
    f.move("e1", "ops", date(2024, 6, 1)),  # another department for e1's actions
    f.leave("e4", date(2025, 6, 20)),  # e4's actions go
    f.manager("e3", "boss", date(2024, 1, 1)),  # a manager for e3's actions
    f.hire("e5", "rd", date(2023, 6, 1)),  # a late hiring: review_missing appears
]


async def test_actions_known_at_reproduce_an_earlier_read_byte_for_byte(core, given):
    await given(*FIRST)
    then = {lang: canonical(await reads.actions(core, T, D, lang=lang)) for lang in ("en", "da")}
    by_boss = canonical(await reads.actions(core, T, D, manager="boss"))
    in_rd = canonical(await reads.actions(core, T, D, department="rd"))
    kinds = {a["kind"] for a in json.loads(then["en"])["actions"]}
    assert {"agreement_overdue", "check_in_missing", "review_missing", "buddy_missing",
            "substitute_missing"} <= kinds, kinds
    t1 = await clock(core)

    for fact in LATER:  # one message at a time, each recorded after t1
        await given(fact)
    now = canonical(await reads.actions(core, T, D))
    assert now != then["en"]
    later_kinds = {a["kind"] for a in json.loads(now)["actions"]}
    assert {"sharing_missing", "follow_up_due"} <= later_kinds, later_kinds

    for lang in ("en", "da"):
        assert canonical(await reads.actions(core, T, D, lang=lang, known_at=t1)) == then[lang]
    assert canonical(await reads.actions(core, T, D, manager="boss", known_at=t1)) == by_boss
    assert canonical(await reads.actions(core, T, D, department="rd", known_at=t1)) == in_rd
    # Known at now or later is the ordinary read; before anything was recorded, nothing is due.
    assert canonical(await reads.actions(core, T, D, known_at=await clock(core))) == now
    assert canonical(await reads.actions(core, T, D, known_at=datetime(2999, 1, 1, tzinfo=UTC))) == now
    before = await reads.actions(core, T, D, known_at=datetime(2000, 1, 1, tzinfo=UTC))
    assert before["actions"] == []  # nor a funding kind: those are of bookings known by then


async def test_actions_known_at_need_an_offset(core, given):
    from services.core.actions import actions_of

    await given(*FIRST[:4])
    with pytest.raises(ValueError, match="offset"):
        await actions_of(core.pool, T, D, known_at=datetime(2025, 1, 1))


def _contract_kinds(document: dict[str, Any], tenant: str) -> bytes:
    """The document with the contract's kinds only: the funding kinds are read as now (see README)."""
    return canonical({**document, "actions": [a for a in document["actions"] if a["kind"] in ACTION_KINDS]},
                     tenant)


async def _submit(core: App, tenant: str, facts: list[f.Fact]) -> None:
    envelopes = [f.envelope(tenant, fact) for fact in facts]
    await core.intake.submit_many([json.dumps(e).encode() for e in envelopes], "test")
    await settled(core)


@pytest.mark.parametrize("seed", (3, 11))
async def test_actions_known_at_equal_a_replay_of_what_was_recorded_by_then(core, seed):
    facts = scenario(seed)
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(facts)), 2))
    parts = [facts[: cuts[0]], facts[cuts[0] : cuts[1]], facts[cuts[1] :]]
    tenant = f"known-{seed}"
    ends = []
    for part in parts:
        await _submit(core, tenant, part)
        ends.append(await clock(core))
    await catch_up(core.pool)

    compared = 0
    for n, end in enumerate(ends[:2]):
        replay = f"{tenant}-r{n}"
        await _submit(core, replay, [fact for part in parts[: n + 1] for fact in part])
        await catch_up(core.pool)
        for day in AS_OF:
            for filters in ({}, {"manager": "m1"}, {"department": "rd"}):
                want = await reads.actions(core, replay, day, **filters)
                got = await reads.actions(core, tenant, day, known_at=end, **filters)
                assert _contract_kinds(got, tenant) == _contract_kinds(want, tenant), (seed, n, day, filters)
                compared += len(want["actions"])
    assert compared > 20
    differs = [
        _contract_kinds(await reads.actions(core, tenant, day, known_at=ends[0]), tenant)
        != _contract_kinds(await reads.actions(core, tenant, day), tenant)
        for day in AS_OF
    ]
    assert any(differs), "the later parts change the actions"
