"""Plans of random small companies, made through the intake and the KPI projection, against an independent
reading of §8 (reference_plan): every hard rule holds, every unplanned agreement has the right ``why``, and
the objective of a plan reported optimal is the best an exhaustive search finds."""

from __future__ import annotations

import reference_plan as ref
from conftest import ingest
from plan_histories import history

from services.core.app import App
from services.core.planning import SolverOptions
from services.core.planning.service import propose

SEEDS = range(60)


async def test_random_plans_keep_every_rule_explain_every_gap_and_are_optimal(app: App) -> None:
    problems: dict[int, list[str]] = {}
    statuses = []
    whys: set[str] = set()
    for seed in SEEDS:
        tenant = f"random-{seed}"
        messages, start, end = history(seed, tenant)
        outcomes = await ingest(app, messages)
        rejected = [o for o in outcomes if o["status"] != "accepted"]
        assert not rejected, rejected
        document = await propose(app, tenant, start, end, SolverOptions(time_limit=20))
        world = ref.read(messages, start, end)
        found = ref.violations(world, document)
        statuses.append(document["status"])
        if document["status"] == "optimal" and document["objective"] != ref.best_objective(world):
            found.append(f"objective {document['objective']} but the best is {ref.best_objective(world)}")
        if found:
            problems[seed] = found
        whys.update(u["why"] for u in document["unplanned"])
    assert not problems, problems
    assert statuses.count("optimal") == len(SEEDS)
    # The histories reach every reason an agreement can stay unplanned.
    assert whys == {"no_eligible_run", "seats", "overlap", "capacity", "not_chosen"}, whys
