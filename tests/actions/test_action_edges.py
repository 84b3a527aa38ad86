"""Each kind of action of CONTRACT.md §7 at its edges, worked out by hand."""

from __future__ import annotations

from datetime import date as D
from typing import Any

import actions_facts as f

from services.core import reads

T = "acme"


async def actions_on(core: Any, day: D, **filters: Any) -> list[dict[str, Any]]:
    return (await reads.actions(core, T, day, **filters))["actions"]


def kinds(actions: list[dict[str, Any]], kind: str) -> list[tuple[str, str]]:
    return [(a["ref"], a["since"]) for a in actions if a["kind"] == kind]


async def test_an_overdue_agreement_from_the_day_after_its_due_date(core, given):
    await given(
        f.hire("e1", "rd", D(2024, 1, 1)),
        f.review("e1", D(2025, 3, 1), item=False),
        f.agree("a1", "e1", D(2025, 3, 1), due=D(2025, 6, 30)),
        f.book("b1", "e1", D(2025, 3, 2), D(2025, 5, 1), agreement="a1"),
    )
    assert kinds(await actions_on(core, D(2025, 6, 30)), "agreement_overdue") == []
    overdue = await actions_on(core, D(2025, 7, 1))
    assert kinds(overdue, "agreement_overdue") == [("a1", "2025-07-01")]
    action = next(a for a in overdue if a["kind"] == "agreement_overdue")
    assert action["employee_id"] == "e1" and action["department"] == "rd" and action["manager_id"] is None
    assert "Welding" in action["detail"] and "2025-06-30" in action["detail"]
    await given(f.complete("b1", D(2025, 7, 2)))
    assert kinds(await actions_on(core, D(2025, 7, 1)), "agreement_overdue") == [("a1", "2025-07-01")]
    assert kinds(await actions_on(core, D(2025, 7, 2)), "agreement_overdue") == []
