"""Proposing and accepting a plan through the application core (contract §8): the bookings it sends, the
KPIs they move, duplicates on a second acceptance, and refusal of a plan whose facts changed since."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import asyncpg
import pytest
from conftest import ingest
from plan_scenario import END, START, TENANT, company, message

from projections import kpi_document
from services.core.app import App
from services.core.planning import SolverOptions
from services.core.planning.acceptance import booking_id
from services.core.planning.service import StalePlan, UnknownPlan, accept, propose, show


async def plan_of(app: App) -> dict[str, Any]:
    return await propose(app, TENANT, START, END, SolverOptions())


async def bookings(app: App) -> dict[str, dict[str, Any]]:
    events, _ = await app.store.read_all(None, 10_000, tenant=TENANT)
    return {e["data"]["booking_id"]: e for e in events if e["type"] == "CourseBooked"}


async def test_a_plan_proposes_runs_pairs_buddies_and_explains_the_rest(app: App) -> None:
    await ingest(app, company())
    document = await plan_of(app)
    assert document["status"] == "optimal"
    assert [(a["agreement_id"], a["employee_id"], a["run_id"]) for a in document["assignments"]] == [
        ("a1", "e1", "r1"), ("a2", "e2", "r1"), ("a3", "e3", "r2")]
    # three runs' days all in a low month cost nothing; e1 and e2 share r1: both earn the buddy bonus
    assert document["objective"] == 3000 + 2 * 5
    assert [(u["agreement_id"], u["why"]) for u in document["unplanned"]] == [("a4", "no_eligible_run")]
    assert set(document["unplanned"][0]["detail"]) == {"da", "en"}
    stored = await show(app, document["plan_id"], TENANT)
    assert stored.document == document and stored.solver == "OR-Tools CP-SAT" and stored.solver_version
    assert stored.facts_cutoff == document["facts_cutoff"]


async def test_accepting_books_every_assignment_through_the_intake_and_moves_the_kpis(app: App) -> None:
    await ingest(app, company())
    as_of = date(2027, 2, 5)
    before = (await kpi_document(app.pool, TENANT, as_of))["company"]
    assert before["buddy_share"] is None and before["season_fit_rate"] is None
    document = await plan_of(app)

    acceptance = await accept(app, document["plan_id"], tenant=TENANT, on=date(2027, 1, 5))

    assert acceptance.counts == {"accepted": 3, "duplicate": 0, "rejected": 0}
    booked = await bookings(app)
    assert len(booked) == 3
    first = next(e["data"] for e in booked.values() if e["data"]["agreement_id"] == "a1")
    assert first["run_id"] == "r1" and first["employee_id"] == "e1" and first["booked_on"] == "2027-01-05"
    assert (first["starts_on"], first["ends_on"]) == ("2027-02-01", "2027-02-03")
    assert first["course"] == {"title": "Welding", "kind": "amu", "hours": 22.2, "code": "40121",
                               "provider": "AMU Syd", "competence": "welding", "level": None}
    assert first["buddies"] == ["e2"]
    excel = next(e["data"] for e in booked.values() if e["data"]["agreement_id"] == "a3")
    assert excel["buddies"] == [] and excel["course"]["kind"] == "private"
    await ingest(app, [])
    after = (await kpi_document(app.pool, TENANT, as_of))["company"]
    assert after["buddy_share"] == 1.0  # e1 and e2 (unskilled, skilled) both booked with a buddy
    assert after["season_fit_rate"] == 1.0  # every booking starts in a low month


async def test_accepting_again_only_yields_duplicates(app: App) -> None:
    await ingest(app, company())
    document = await plan_of(app)
    await accept(app, document["plan_id"], on=date(2027, 1, 5))
    again = await accept(app, document["plan_id"], on=date(2027, 1, 9))
    assert again.counts == {"accepted": 0, "duplicate": 3, "rejected": 0}
    assert len(await bookings(app)) == 3


async def test_a_plan_whose_agreement_was_booked_since_is_refused_naming_it(app: App) -> None:
    await ingest(app, company())
    document = await plan_of(app)
    await ingest(app, [message("CourseBooked", booking_id="by-hand", employee_id="e1", booked_on="2027-01-06",
                               agreement_id="a1", course={"title": "Welding", "kind": "amu", "hours": 7},
                               starts_on="2027-03-01", ends_on="2027-03-01")])
    with pytest.raises(StalePlan) as refused:
        await accept(app, document["plan_id"])
    assert [(c.kind, c.ref) for c in refused.value.changes] == [("agreement_booked", "a1")]
    assert "agreement a1 was booked since" in str(refused.value)
    assert set(await bookings(app)) == {"by-hand"}


async def test_a_plan_whose_run_was_withdrawn_or_agreement_withdrawn_is_refused_naming_them(app: App) -> None:
    await ingest(app, company())
    document = await plan_of(app)
    await ingest(app, [message("CourseRunWithdrawn", run_id="r2", withdrawn_on="2027-01-20"),
                       message("EducationAgreementWithdrawn", agreement_id="a2", withdrawn_on="2027-01-21",
                               reason="changed role")])
    with pytest.raises(StalePlan) as refused:
        await accept(app, document["plan_id"])
    assert sorted((c.kind, c.ref) for c in refused.value.changes) == [
        ("agreement_withdrawn", "a2"), ("run_withdrawn", "r2")]
    assert await bookings(app) == {}


async def test_a_cancelled_booking_of_the_agreement_does_not_make_the_plan_stale(app: App) -> None:
    await ingest(app, company())
    document = await plan_of(app)
    await ingest(app, [
        message("CourseBooked", booking_id="by-hand", employee_id="e3", booked_on="2027-01-06", agreement_id="a3",
                course={"title": "Excel", "kind": "private", "hours": 7}, starts_on="2027-03-01",
                ends_on="2027-03-01"),
        message("CourseCancelled", booking_id="by-hand", cancelled_on="2027-01-07", reason="ill"),
    ])
    assert (await accept(app, document["plan_id"])).counts["accepted"] == 3


async def test_an_unknown_plan_or_another_tenants_plan_is_not_found(app: App) -> None:
    await ingest(app, company())
    document = await plan_of(app)
    with pytest.raises(UnknownPlan):
        await accept(app, "no-such-plan")
    with pytest.raises(UnknownPlan):
        await accept(app, document["plan_id"], tenant="someone-else")


async def accepted_while_another_process_writes(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch, document: dict[str, Any],
    written: list[dict[str, Any]],
) -> Any:
    """Accept the plan while another process (an app with a pool and stream cache of its own) commits ``written``
    right after the acceptance's check; the acceptance."""
    from services.core.app import app_for_url
    from services.core.planning import service

    other = await app_for_url(database_url)
    checked = service.stale

    async def check_then_another_process_writes(*args: Any, **kwargs: Any) -> Any:
        changes = await checked(*args, **kwargs)
        outcomes = await other.intake.submit_many(written, door="test")
        assert [o["status"] for o in outcomes] == ["accepted"] * len(written)
        return changes

    monkeypatch.setattr(service, "stale", check_then_another_process_writes)
    try:
        return await accept(app, document["plan_id"], on=date(2027, 1, 5))
    finally:
        await other.close()


async def test_a_run_withdrawn_by_another_process_between_the_check_and_the_bookings_gets_none_of_them(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check reads the projection; the bookings are decided under the locks of the streams they read. A
    withdrawal (and an employee leaving) another process commits in between must still keep the plan's bookings
    off that run (and off that employee): those are refused naming the change, the others go through."""
    await ingest(app, company())
    document = await plan_of(app)
    acceptance = await accepted_while_another_process_writes(app, database_url, monkeypatch, document, [
        message("CourseRunWithdrawn", run_id="r2", withdrawn_on="2027-01-20"),
        message("EmployeeLeft", employee_id="e2", left_on="2027-01-21"),
    ])

    assert acceptance.counts == {"accepted": 1, "duplicate": 0, "rejected": 2}
    refused = {o["message_id"]: o for o in acceptance.outcomes if o["status"] == "rejected"}
    by_agreement = {a["agreement_id"]: booking_id(document["plan_id"], a["agreement_id"])
                    for a in document["assignments"]}
    assert set(refused) == {by_agreement["a2"], by_agreement["a3"]}
    assert {o["reason"] for o in refused.values()} == {"invalid_state"}
    assert "run 'r2' was withdrawn" in refused[by_agreement["a3"]]["detail"]
    assert "employee 'e2' has left" in refused[by_agreement["a2"]]["detail"]
    assert set(await bookings(app)) == {by_agreement["a1"]}


def by_hand(booking_id: str = "by-hand", agreement_id: str = "a1") -> dict[str, Any]:
    return message("CourseBooked", booking_id=booking_id, employee_id="e1", booked_on="2027-01-06",
                   agreement_id=agreement_id, course={"title": "Welding", "kind": "amu", "hours": 7},
                   starts_on="2027-03-01", ends_on="2027-03-01")


async def test_an_agreement_booked_by_another_process_between_the_check_and_the_bookings_gets_no_second_booking(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An agreement booked (by hand, or by another plan) after the check no longer is plannable: the plan's
    booking for it must not go through as a second live booking of the agreement."""
    await ingest(app, company())
    document = await plan_of(app)
    acceptance = await accepted_while_another_process_writes(app, database_url, monkeypatch, document, [by_hand()])

    on_a1 = [b for b in (await bookings(app)).values() if b["data"].get("agreement_id") == "a1"]
    assert [b["data"]["booking_id"] for b in on_a1] == ["by-hand"]
    assert acceptance.counts == {"accepted": 2, "duplicate": 0, "rejected": 1}
    [refused] = [o for o in acceptance.outcomes if o["status"] == "rejected"]
    assert refused["message_id"] == booking_id(document["plan_id"], "a1")
    assert refused["reason"] == "invalid_state"
    assert refused["detail"] == "agreement 'a1' was booked ('by-hand') after the plan was checked"


async def test_an_agreement_booked_and_cancelled_by_another_process_after_the_check_gets_the_plans_booking(
    app: App, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cancelled booking is not a live one: the agreement stays plannable."""
    await ingest(app, company())
    document = await plan_of(app)
    acceptance = await accepted_while_another_process_writes(app, database_url, monkeypatch, document, [
        by_hand(), message("CourseCancelled", booking_id="by-hand", cancelled_on="2027-01-07", reason="ill")])

    assert acceptance.counts == {"accepted": 3, "duplicate": 0, "rejected": 0}
    on_a1 = [b for b in (await bookings(app)).values() if b["data"].get("agreement_id") == "a1"]
    assert sorted(b["data"]["booking_id"] for b in on_a1) == sorted(["by-hand", booking_id(document["plan_id"], "a1")])


async def test_a_plan_booking_after_a_cancel_of_the_agreements_booking_in_its_batch_goes_through(
    app: App, database_url: str
) -> None:
    """The log tells of a live booking of the agreement, which the batch itself cancels before the plan's booking:
    that is decided as not booked, and the append, told which bookings it was decided against, writes it (rather
    than being told of the same booking round after round)."""
    from dataclasses import replace

    from domain.aggregates.booking import fit_for_plan
    from services.core.app import app_for_url
    from services.core.intake import prepare

    await ingest(app, company())
    other = await app_for_url(database_url)  # this process's cache knows nothing of the booking
    try:
        assert [o["status"] for o in await other.intake.submit_many([by_hand()], door="test")] == ["accepted"]
    finally:
        await other.close()
    planned = replace(prepare(by_hand("plan-x-a1")), guard=fit_for_plan, agreement_links=True)
    cancel = prepare(message("CourseCancelled", booking_id="by-hand", cancelled_on="2027-01-07", reason="ill"))

    outcomes = await app.intake.process([cancel, planned], door="test")

    assert [o["status"] for o in outcomes] == ["accepted", "accepted"]
    assert {"by-hand", "plan-x-a1"} <= set(await bookings(app))


PAUSE = 8_020_160
"""The advisory lock a paused by-hand booking waits for, inside its append (see ``paused_by_hand``)."""


async def waiting_on_advisory_locks(conn: Any, count: int, *, unless: Any = None) -> None:
    """Until ``count`` sessions wait for an advisory lock (or the ``unless`` task is done); at most 10 s."""
    for _ in range(1000):
        waiting = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
        if waiting >= count or (unless is not None and unless.done()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"fewer than {count} sessions came to wait for an advisory lock")


async def test_a_plan_booking_waits_for_a_concurrent_booking_of_its_agreement_and_then_is_refused(
    app: App, database_url: str
) -> None:
    """Truly concurrent: another process's booking of a1 has taken its locks and written, but not committed, when
    the plan is checked and its bookings are appended. The plan's booking of a1 must wait for that commit and then
    see the booking; the others go through."""
    from services.core.app import app_for_url

    await ingest(app, company())
    document = await plan_of(app)
    holder = await asyncpg.connect(database_url)
    other = await app_for_url(database_url)
    try:
        # The by-hand booking's event waits, inside its append (its stream locks held), for a lock the test holds.
        await holder.execute(f"""
            CREATE FUNCTION paused_by_hand() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.stream = 'booking-by-hand' THEN PERFORM pg_advisory_xact_lock_shared({PAUSE}); END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER a_paused_by_hand BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION paused_by_hand();
            SELECT pg_advisory_lock({PAUSE});""")
        booked = asyncio.create_task(other.intake.submit_many([by_hand()], door="test"))
        await waiting_on_advisory_locks(holder, 1, unless=booked)
        accepting = asyncio.create_task(accept(app, document["plan_id"], on=date(2027, 1, 5)))
        # The plan's bookings wait for a1's agreement lock (the by-hand booking holds it shared).
        await waiting_on_advisory_locks(holder, 2, unless=accepting)
        await holder.execute(f"SELECT pg_advisory_unlock({PAUSE})")
        outcomes = await asyncio.wait_for(booked, 10)
        acceptance = await asyncio.wait_for(accepting, 10)
    finally:
        await holder.close()
        await other.close()

    assert [o["status"] for o in outcomes] == ["accepted"]
    assert acceptance.counts == {"accepted": 2, "duplicate": 0, "rejected": 1}
    [refused] = [o for o in acceptance.outcomes if o["status"] == "rejected"]
    assert refused["detail"] == "agreement 'a1' was booked ('by-hand') after the plan was checked"
    on_a1 = [b for b in (await bookings(app)).values() if b["data"].get("agreement_id") == "a1"]
    assert [b["data"]["booking_id"] for b in on_a1] == ["by-hand"]
