"""What the doors call: propose a plan for a tenant and window, show one, accept one.

A plan is read from the KPI projection once it has caught up with everything committed before the call
(read-your-writes), solved outside the event loop, stored with its facts' cut-off and solver, and logged.
An acceptance first asks the projection what changed since; a plan whose runs were withdrawn or whose
agreements stopped being plannable is refused, naming them; otherwise its bookings go through the intake, each
refused there (``invalid_state``, naming the change) when its run or agreement was withdrawn, or its agreement
booked, after the check — another process may write those streams (or book the agreement) in between, and the
intake decides under their locks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

import structlog

from domain.aggregates.booking import fit_for_plan
from domain.planning.window import check_window
from infra.plans import PlanStore, StoredPlan
from projections.kpi.plan_facts import Change, read_plan_facts, stale
from services.core.app import App
from services.core.intake import prepare
from services.core.planning import SolverOptions, plan_from_facts
from services.core.planning.acceptance import booking_ids, booking_messages
from services.core.planning.document import plan_document
from services.core.planning.solver import SOLVER_NAME, SOLVER_VERSION
from services.core.reads import UnknownTenant, require_fresh_tenant

__all__ = ["UnknownTenant", "accept", "propose", "show"]

log = structlog.get_logger(__name__)

CATCH_UP_WAIT = 2.0


class UnknownPlan(LookupError):
    def __init__(self, plan_id: str, tenant: str | None) -> None:
        where = f" of tenant {tenant!r}" if tenant else ""
        super().__init__(f"there is no plan {plan_id!r}{where}")


class StalePlan(Exception):
    """The plan's facts changed since it was made; ``changes`` names each run and agreement concerned."""

    def __init__(self, plan_id: str, changes: list[Change]) -> None:
        self.plan_id = plan_id
        self.changes = changes
        super().__init__(f"plan {plan_id} is refused: " + "; ".join(change.detail for change in changes))


@dataclass(frozen=True)
class Acceptance:
    plan_id: str
    tenant: str
    booked_on: date
    outcomes: list[dict[str, Any]]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(outcome["status"] for outcome in self.outcomes)
        return {status: found[status] for status in ("accepted", "duplicate", "rejected")}

    def as_json(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "tenant": self.tenant, "booked_on": self.booked_on.isoformat(),
                **self.counts, "outcomes": self.outcomes}


async def propose(app: App, tenant: str, start: date, end: date, options: SolverOptions, *,
                  catch_up_here: bool = True) -> dict[str, Any]:
    """A new plan for the tenant and window, stored; its document. Raises BadWindow, UnknownTenant,
    ProjectionsBehind (``catch_up_here``: fold the projections in this process when no runner does)."""
    check_window(start, end)
    store = PlanStore(app.pool)
    await require_fresh_tenant(app, tenant, wait=CATCH_UP_WAIT if catch_up_here else None,
                               catch_up_here=catch_up_here)
    read = await read_plan_facts(app.pool, tenant, start, end)
    proposed = await asyncio.to_thread(plan_from_facts, read.facts, options)
    plan_id = uuid.uuid4().hex
    document = plan_document(plan_id, proposed, read.cutoff, options)
    await store.save(StoredPlan(plan_id, tenant, start, end, read.cutoff, SOLVER_NAME, SOLVER_VERSION, document))
    log.info(
        "plan_proposed", tenant=tenant, plan_id=plan_id, window_from=start.isoformat(), window_to=end.isoformat(),
        status=document["status"], objective=document["objective"], bound=document["bound"], gap=document["gap"],
        assignments=len(document["assignments"]), unplanned=len(document["unplanned"]),
        facts_cutoff=read.cutoff, solver=SOLVER_NAME, solver_version=SOLVER_VERSION,
        solver_status=document["solver"]["status"], wall_time_s=document["solver"]["wall_time_s"],
    )
    return document


async def show(app: App, plan_id: str, tenant: str | None = None) -> StoredPlan:
    plan = await PlanStore(app.pool).load(plan_id)
    if plan is None or (tenant is not None and plan.tenant != tenant):
        raise UnknownPlan(plan_id, tenant)
    return plan


async def accept(app: App, plan_id: str, *, tenant: str | None = None, on: date | None = None,
                 catch_up_here: bool = True) -> Acceptance:
    """Book the plan's assignments through the intake (booked_on = ``on``, default today). Raises UnknownPlan,
    StalePlan."""
    plan = await show(app, plan_id, tenant)
    document = plan.document
    booked_on = on or date.today()
    await require_fresh_tenant(app, plan.tenant, wait=CATCH_UP_WAIT if catch_up_here else None,
                               catch_up_here=catch_up_here)
    changes = await stale(
        app.pool, plan.tenant,
        run_ids=[a["run_id"] for a in document["assignments"]],
        agreement_ids=[a["agreement_id"] for a in document["assignments"]],
        own_bookings=booking_ids(document),
    )
    bound = log.bind(tenant=plan.tenant, plan_id=plan_id, solver=plan.solver, solver_version=plan.solver_version)
    if changes:
        bound.warning("plan_refused", changes=[change.detail for change in changes])
        raise StalePlan(plan_id, changes)
    messages = booking_messages(document, booked_on, datetime.now(UTC))
    # What changed after the check above is decided with each booking, under its streams' locks; its agreement's
    # other bookings too, under the agreement's lock, which the append then takes exclusively.
    prepared = [replace(prepare(message), guard=fit_for_plan, agreement_links=True) for message in messages]
    outcomes = await app.intake.process(prepared, door="plan")
    acceptance = Acceptance(plan_id, plan.tenant, booked_on, outcomes)
    await PlanStore(app.pool).record_acceptance(plan, booked_on, acceptance.counts)
    bound.info("plan_accepted", booked_on=booked_on.isoformat(), **acceptance.counts)
    return acceptance
