"""KPI reads as known at an instant (CONTRACT.md §6): only events recorded by then count.

A document read at T1 is stored byte for byte; messages that correct the past arrive; the read with
known_at=T1 gives the same bytes. And over random histories whose recorded_at does not follow the log's
order, a read as known at T equals the read of a fresh tenant fed only the events recorded by T.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import kpi_facts as f
import pytest
from kpi_eventlog import stream_of
from kpi_history import random_history, sample_dates

from infra.append_data import stream_lock_key
from projections import SeriesRequest, catch_up, competence_matrix, kpi_document, kpi_series

D = date(2025, 2, 28)
T = "acme"


def canonical(document: dict[str, Any], tenant: str | None = None) -> bytes:
    """The document's JSON as the doors send it (with another tenant's name put in, to compare a replay)."""
    if tenant is not None:
        document = {**document, "tenant": tenant}
    return json.dumps(document, ensure_ascii=False).encode()


async def now(pool: asyncpg.Pool) -> datetime:
    stamp = await pool.fetchval("SELECT clock_timestamp()")
    assert isinstance(stamp, datetime)
    return stamp


async def reads(pool: asyncpg.Pool, tenant: str, known_at: datetime | None = None) -> list[bytes]:
    """Every KPI read of the tenant as of D (document, by manager, one department, series, competences)."""
    series = SeriesRequest.checked(date(2024, 1, 1), date(2025, 6, 30), "month")
    return [
        canonical(await kpi_document(pool, tenant, D, known_at=known_at)),
        canonical(await kpi_document(pool, tenant, D, by_manager=True, known_at=known_at)),
        canonical(await kpi_document(pool, tenant, D, "assembly", known_at=known_at)),
        canonical(await kpi_document(pool, tenant, date(2024, 2, 29), by_manager=True, known_at=known_at)),
        canonical(await kpi_series(pool, tenant, series, by_manager=True, known_at=known_at)),
        canonical(await competence_matrix(pool, tenant, D, known_at=known_at)),
    ]


FIRST = [
    f.strategy(date(2023, 1, 1), month=3, target=0.8),
    f.department("assembly"),
    f.department("paint"),
    f.hire("boss", "office", date(2022, 1, 1), family="manager"),
    f.hire("e1", "assembly", date(2023, 1, 10), family="unskilled"),
    f.hire("e2", "assembly", date(2023, 3, 1), family="skilled"),
    f.hire("e3", "paint", date(2023, 5, 1), family="professional"),
    f.manager("e1", "boss"),
    f.manager("e2", "boss", date(2024, 6, 1)),
    f.wheel(date(2023, 1, 1), busy=(6, 7)),
    f.meeting(date(2024, 9, 1)),
    f.review("e1", date(2024, 4, 1), item=True),
    f.review("e2", date(2024, 5, 1), item=False),
    f.assess("e1", "weld", 2, date(2024, 3, 1)),
    f.gap("g1", "e1", "weld", date(2024, 3, 2), current=2, target=4),
    f.gap("g2", "e3", "cad", date(2024, 3, 2), current=1, target=3),
    f.agree("a1", "e1", date(2024, 4, 2), due=date(2025, 1, 31)),
    f.agree("a2", "e2", date(2024, 5, 2)),
    f.agree("a3", "e3", date(2024, 6, 2)),
    f.book("b1", "e1", date(2024, 4, 10), date(2024, 6, 3), hours=14, agreement="a1"),
    f.book("b2", "e2", date(2024, 5, 10), date(2024, 9, 2), hours=7.4, agreement="a2"),
    f.book("b3", "e3", date(2024, 6, 10), date(2024, 10, 1), hours=22.2, agreement="a3"),
    f.book("b4", "e2", date(2024, 7, 10), date(2024, 11, 4), hours=3),
    f.complete("b1", date(2024, 6, 7)),
    f.complete("b2", date(2024, 9, 6), hours=6),
]

# Messages that arrive later and correct what D looked like: each kind of correction the contract allows.
CORRECTIONS = [
    f.withdraw("a3", date(2024, 8, 1)),  # a withdrawal dated before D
    f.cancel("b4", date(2024, 10, 1)),  # a cancellation dated before D
    f.move("e2", "paint", date(2024, 1, 1)),  # a department change dated before the agreement and booking
    f.assess("e1", "weld", 4, date(2024, 12, 1)),  # a re-assessment that closes g1
    f.close_gap("g2", date(2024, 11, 1)),
    f.leave("e3", date(2024, 12, 31)),  # a departure dated before D
    f.wheel(date(2024, 1, 1), busy=(9, 10), dept="assembly"),  # a new wheel in force on the starts
    f.strategy(date(2024, 6, 1), month=9, target=0.5),  # a strategy adopted later, dated before D
    f.manager("e1", "e3", date(2024, 1, 1)),  # a manager assigned since earlier
    f.hire("e4", "assembly", date(2024, 2, 1)),  # a later-dated hiring arrives late
    f.review("e3", date(2024, 10, 1)),
    f.complete("b3", date(2024, 12, 1)),  # a completion dated before D
    f.pair("b2", "e1", date(2024, 8, 1)),
    f.substitute("b1", date(2024, 5, 1)),
    f.share("b1", date(2024, 6, 20)),
    f.meeting(date(2024, 12, 1)),
    f.agree("a4", "e4", date(2024, 5, 1)),
    f.book("b5", "e4", date(2024, 5, 2), date(2024, 6, 10), hours=5, agreement="a4"),
    f.company("Acme A/S", date(2023, 1, 1)),
]


async def test_known_at_reproduces_an_earlier_document_byte_for_byte_after_corrections(pool, log):
    await log.append_many([(T, kind, data) for kind, data in FIRST])
    await catch_up(pool)
    shown_then = await reads(pool, T)
    t1 = await now(pool)

    for fact in CORRECTIONS:  # one at a time, each recorded after t1
        await log.append(T, *fact)
    await catch_up(pool)

    shown_now = await reads(pool, T)
    changed = [now_ != then for now_, then in zip(shown_now, shown_then, strict=True)]
    assert all(changed), f"the corrections reach every read: {changed}"
    assert await reads(pool, T, known_at=t1) == shown_then
    # Known at now (or later) is the ordinary read.
    assert await reads(pool, T, known_at=await now(pool)) == shown_now
    assert await reads(pool, T, known_at=datetime(2999, 1, 1, tzinfo=UTC)) == shown_now


async def test_known_at_before_anything_was_recorded_counts_nothing(pool, log):
    await log.append_many([(T, kind, data) for kind, data in FIRST])
    await catch_up(pool)
    document = await kpi_document(pool, T, D, known_at=datetime(2000, 1, 1, tzinfo=UTC))
    assert document["company"]["active_employees"] == 0
    assert document["departments"] == {}
    assert (await competence_matrix(pool, T, D, known_at=datetime(2000, 1, 1, tzinfo=UTC)))["employees"] == []


async def test_known_at_needs_an_offset(pool, log):
    await log.append_many([(T, kind, data) for kind, data in FIRST])
    await catch_up(pool)
    with pytest.raises(ValueError, match="offset"):
        await kpi_document(pool, T, D, known_at=datetime(2025, 1, 1))


# Random histories, appended with recorded_at that does not follow the log's order across streams (as with
# concurrent writers), though it does within each stream (its writers take turns under its lock).

INSERT_AT = """
INSERT INTO events (tenant, stream, version, type, occurred_at, message_id, actor, data, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, 'test', $7::jsonb, $8)
"""


async def append_recorded(pool: asyncpg.Pool, tenant: str, events: list[tuple[str, dict[str, Any], datetime]],
                          per_transaction: int = 5) -> None:
    """Append normalized events in this order, each with its recorded_at."""
    versions: dict[str, int] = {}
    rows = []
    for n, (kind, data, recorded_at) in enumerate(events):
        stream = stream_of(kind, data)
        versions[stream] = versions.get(stream, 0) + 1
        rows.append((tenant, stream, versions[stream], kind, recorded_at, f"{tenant}-{n}", json.dumps(data),
                     recorded_at))
    async with pool.acquire() as conn:
        for start in range(0, len(rows), per_transaction):
            chunk = rows[start : start + per_transaction]
            async with conn.transaction():
                keys = sorted({stream_lock_key(row[0], row[1]) for row in chunk})
                await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)
                await conn.executemany(INSERT_AT, chunk)


def recorded_times(rng: random.Random, events: list[tuple[str, dict[str, Any]]]) -> list[datetime]:
    """A recorded_at per event: about one a minute in log order, jittered by up to 5 minutes either way,
    but growing within each stream."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    last: dict[str, datetime] = {}
    times = []
    for n, (kind, data) in enumerate(events):
        stream = stream_of(kind, data)
        at = base + timedelta(minutes=n, seconds=rng.randint(-300, 300))
        if stream in last and at <= last[stream]:
            at = last[stream] + timedelta(microseconds=1)
        last[stream] = at
        times.append(at)
    return times


async def test_what_counts_is_recorded_at_not_the_place_in_the_log(pool, log):
    """A writer that began first may commit last: its event comes later in the log but was recorded earlier."""
    late_in_log_early_recorded = datetime(2026, 5, 1, 10, 1, tzinfo=UTC)
    first_in_log = datetime(2026, 5, 1, 10, 5, tzinfo=UTC)
    facts = [f.hire("e1", "assembly", date(2024, 1, 1)), f.hire("e2", "paint", date(2024, 1, 1)),
             f.move("e1", "paint", date(2024, 6, 1))]
    normalized = [(kind, log.normalize(T, kind, data)) for kind, data in facts]
    times = [first_in_log, late_in_log_early_recorded, first_in_log + timedelta(minutes=1)]
    await append_recorded(pool, T, [(k, d, t) for (k, d), t in zip(normalized, times, strict=True)])
    await catch_up(pool)

    between = datetime(2026, 5, 1, 10, 3, tzinfo=UTC)
    document = await kpi_document(pool, T, D, known_at=between)
    assert document["company"]["active_employees"] == 1
    assert list(document["departments"]) == ["paint"]  # e2, whose event is the later one in the log
    everything = await kpi_document(pool, T, D, known_at=first_in_log + timedelta(minutes=1))
    assert everything["departments"]["paint"]["active_employees"] == 2
    assert canonical(everything) == canonical(await kpi_document(pool, T, D))


@pytest.mark.parametrize("seed", range(4))
async def test_known_at_equals_a_replay_of_the_events_recorded_by_then(pool, log, seed):
    rng = random.Random(seed)
    tenant = f"k{seed}"
    facts = random_history(seed, events=220)
    normalized = [(kind, log.normalize(tenant, kind, data)) for kind, data in facts]
    times = recorded_times(rng, normalized)
    assert times != sorted(times), "recorded_at does not follow the log's order"
    await append_recorded(pool, tenant, [(k, d, t) for (k, d), t in zip(normalized, times, strict=True)])
    await catch_up(pool, batch_size=29)

    ordered = sorted(times)
    cuts = [ordered[0] - timedelta(seconds=1), *rng.sample(ordered, 4), ordered[-1]]
    days = sample_dates(seed, count=4)
    for n, cut in enumerate(cuts):
        replay = f"{tenant}-r{n}"
        known = [(k, d, t) for (k, d), t in zip(normalized, times, strict=True) if t <= cut]
        await append_recorded(pool, replay, known)
        await catch_up(pool, batch_size=53)
        for as_of in days:
            for by_manager in (False, True):
                want = canonical(await kpi_document(pool, replay, as_of, by_manager=by_manager), tenant)
                got = canonical(await kpi_document(pool, tenant, as_of, by_manager=by_manager, known_at=cut))
                assert got == want, f"{tenant} as of {as_of} known at {cut} (by manager: {by_manager})"
            want = canonical(await competence_matrix(pool, replay, as_of), tenant)
            assert canonical(await competence_matrix(pool, tenant, as_of, known_at=cut)) == want
        request = SeriesRequest.checked(days[0], days[-1], "quarter")
        want = canonical(await kpi_series(pool, replay, request, by_manager=True), tenant)
        assert canonical(await kpi_series(pool, tenant, request, by_manager=True, known_at=cut)) == want

