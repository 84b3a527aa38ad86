"""Random valid histories, compared with the reference on many dates: the projection and the brute-force
reading of the contract must agree on every key, for the company and every department."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kpi_compare import assert_matches_reference
from kpi_history import random_history, sample_dates

from projections import catch_up
from projections.model import Projection


@pytest.mark.parametrize("seed", range(8))
async def test_random_history_matches_the_reference(pool, log, seed):
    tenant = f"t{seed}"
    await log.append_many([(tenant, kind, data) for kind, data in random_history(seed, events=300)])
    await catch_up(pool, batch_size=37)  # small batches: many batch boundaries
    await assert_matches_reference(pool, log, tenant, sample_dates(seed), per_department_every=3)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**31), size=st.integers(min_value=1, max_value=120),
       days=st.lists(st.dates(min_value=date(2022, 6, 1), max_value=date(2026, 6, 1)), min_size=1, max_size=4))
async def test_any_history_matches_the_reference(pool, log, seed, size, days):
    tenant = f"h{len(log.events)}"  # examples share the database: one tenant each
    facts = random_history(seed, events=size, departments=3)
    await log.append_many([(tenant, kind, data) for kind, data in facts], per_transaction=3)
    await catch_up(pool, batch_size=16)
    await assert_matches_reference(pool, log, tenant, sorted(set(days)))


@pytest.mark.parametrize("seed", range(2))
async def test_random_history_folded_with_hashed_lookups_matches_the_reference(pool, log, seed, monkeypatch):
    # A large batch looks the department spells and employees up by hash joins (folds.HASHED_LOOKUPS): the same
    # statements planned that way for every batch of a small history must fold it the same.
    original = Projection.apply

    async def hashed(self, conn, schema, batch):
        await conn.execute("SET LOCAL enable_nestloop = off")
        await original(self, conn, schema, batch)

    monkeypatch.setattr(Projection, "apply", hashed)
    tenant = f"n{seed}"
    await log.append_many([(tenant, kind, data) for kind, data in random_history(seed, events=300)])
    await catch_up(pool, batch_size=97)
    await assert_matches_reference(pool, log, tenant, sample_dates(seed), per_department_every=3)
