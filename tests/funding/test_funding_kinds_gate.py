"""The workbench's funding kinds are for a company that works with funding: a company that sends only the
contract's messages gets exactly the contract's action kinds (CONTRACT §7), although its skilled employee's AMU
course would be VEU-eligible from the assumed education level; any one funding fact opens them."""

from __future__ import annotations

import itertools
import json
from datetime import date
from typing import Any

import pytest

from projections import catch_up
from services.core.actions import actions_of
from services.core.app import App
from services.core.funding.report import funding_action_list

_ids = itertools.count()
CONTRACT_KINDS = {"agreement_overdue", "agreement_not_booked", "review_missing", "follow_up_due",
                  "check_in_missing", "sharing_missing", "substitute_missing", "buddy_missing"}
AS_OF = date(2026, 3, 2)


def envelope(tenant: str, type_: str, **data: Any) -> str:
    return json.dumps({"message_id": f"g-{next(_ids)}", "tenant": tenant, "type": type_,
                       "occurred_at": "2026-01-01T08:00:00Z", "data": data})


def contract_company(tenant: str) -> list[str]:
    """A skilled employee with an AMU course booked: only messages of the contract."""
    return [
        envelope(tenant, "DepartmentRegistered", department="ops", name="Operations"),
        envelope(tenant, "EmployeeRegistered", employee_id="e-1", name="N", department="ops", job_family="skilled",
                 hired_on="2020-01-01"),
        envelope(tenant, "EmployeeRegistered", employee_id="m-1", name="M", department="ops", job_family="manager",
                 hired_on="2020-01-01"),
        envelope(tenant, "ManagerAssigned", employee_id="e-1", manager_id="m-1"),
        envelope(tenant, "CourseBooked", booking_id="b-1", employee_id="e-1", booked_on="2026-02-01",
                 starts_on="2026-05-04", ends_on="2026-05-08",
                 course={"title": "AMU 48596 Welding", "kind": "amu", "hours": 37}),
    ]


FUNDING_FACTS = {
    "terms": ("EmploymentTermsSet", {"employee_id": "e-1", "effective_from": "2020-01-01"}),
    "education": ("EducationLevelRecorded", {"employee_id": "e-1", "level": "vocational", "recorded_on": "2020-01-01"}),
    "costs": ("CourseCostsRecorded", {"booking_id": "b-1", "recorded_on": "2026-02-01", "fee": 1200}),
    "wage": ("CourseWagePaid", {"booking_id": "b-1", "paid_on": "2026-02-01", "hourly_wage": 250}),
}


async def _ingest(core: App, lines: list[str]) -> None:
    outcomes = await core.intake.submit_many(lines)
    assert [o["status"] for o in outcomes] == ["accepted"] * len(lines), outcomes
    await catch_up(core.pool)


async def test_a_company_with_only_the_contracts_messages_gets_only_the_contracts_kinds(core: App) -> None:
    tenant = "gate-contract"
    await _ingest(core, contract_company(tenant))
    # the funding read itself still sees the VEU-eligible course …
    assert [a["kind"] for a in await funding_action_list(core.pool, tenant, AS_OF)] == ["funding_unclaimed"]
    # … but the workbench lists only the contract's kinds
    kinds = [a["kind"] for a in (await actions_of(core.pool, tenant, AS_OF))["actions"]]
    assert set(kinds) <= CONTRACT_KINDS


@pytest.mark.parametrize("fact", sorted(FUNDING_FACTS))
async def test_any_funding_fact_opens_the_funding_kinds(core: App, fact: str) -> None:
    tenant = f"gate-{fact}"
    await _ingest(core, contract_company(tenant))
    type_, data = FUNDING_FACTS[fact]
    await _ingest(core, [envelope(tenant, type_, **data)])
    kinds = [a["kind"] for a in (await actions_of(core.pool, tenant, AS_OF))["actions"]]
    assert "funding_unclaimed" in kinds, kinds
    for manager in ("m-1", "m-2"):
        mine = [a["kind"] for a in (await actions_of(core.pool, tenant, AS_OF, manager=manager))["actions"]]
        assert ("funding_unclaimed" in mine) == (manager == "m-1")
