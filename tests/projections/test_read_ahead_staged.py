"""A batch read ahead is staged (its merged rows computed on the second connection) while the batch before it is
folded and not yet committed: the staged rows come from the batch alone, so folding them gives the reference."""

from __future__ import annotations

import pytest
from kpi_compare import assert_matches_reference
from kpi_history import random_history, sample_dates

from projections import batches, catch_up


@pytest.mark.parametrize("seed", range(3))
async def test_histories_folded_from_staged_read_ahead_batches_match_the_reference(pool, log, seed, monkeypatch):
    original_stage, original_fold = batches.stage, batches.fold
    staged_folds: list[int] = []

    async def fold(conn, target, loaded):
        if loaded.batch.staged:
            staged_folds.append(loaded.read)
        return await original_fold(conn, target, loaded)

    monkeypatch.setattr(batches, "stage", original_stage)
    monkeypatch.setattr(batches, "fold", fold)
    tenant = f"s{seed}"
    await log.append_many([(tenant, kind, data) for kind, data in random_history(seed + 20, events=300)])
    await catch_up(pool, batch_size=29)
    assert staged_folds, "no batch was read ahead and staged"
    await assert_matches_reference(pool, log, tenant, sample_dates(seed + 20), per_department_every=3)
