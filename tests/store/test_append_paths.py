"""The two ways a batch is appended, and group commit of concurrent submits.

A process decides against what it knows of its streams and appends in one statement that checks that
knowledge; when another process has moved a stream, seen a message id or created a key meanwhile, the
statement writes nothing and the batch is decided again with what the log knows. Concurrent
``submit`` calls share batches; each caller still gets exactly its own outcome.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from message_samples import booking, check_in, company_with_bookings, employee, envelope, review

from services.core.app import App, app_for_url
from services.core.intake import prepare

TENANT = "acme"


async def test_a_second_process_with_stale_knowledge_decides_again(app: App, database_url: str) -> None:
    other = await app_for_url(database_url)
    try:
        for message in company_with_bookings(1):
            assert (await app.intake.submit(message))["status"] == "accepted"
        # The other process learns booking b-1 at version 1 (its check-in is version 2) ...
        assert (await other.intake.submit(check_in("b-1", "2026-04-07")))["events"][0]["version"] == 2
        # ... then this process, which still believes version 1, appends: it must land on version 3.
        outcome = await app.intake.submit(check_in("b-1", "2026-04-08"))
        assert outcome["status"] == "accepted"
        assert outcome["events"][0]["version"] == 3
        # The employee leaves in the other process; this process's belief (still employed) is stale, and
        # a booking for the employee must be refused on what the log knows, not on that belief.
        left = envelope("EmployeeLeft", {"employee_id": "e-1", "left_on": "2026-04-01"})
        assert (await other.intake.submit(left))["status"] == "accepted"
        refused = await app.intake.submit(booking("b-2", "e-1"))
        assert refused["status"] == "rejected", refused
    finally:
        await other.close()


async def test_a_message_id_seen_by_another_process_is_a_duplicate(app: App, database_url: str) -> None:
    other = await app_for_url(database_url)
    try:
        for message in company_with_bookings(1):
            await app.intake.submit(message)
        message = check_in("b-1", message_id="same-id")
        first = await other.intake.submit(message)
        again = await app.intake.submit(message)
        assert again["status"] == "duplicate"
        assert again["first"] == first
    finally:
        await other.close()


async def test_a_batch_that_looks_first_is_decided_once_with_what_the_log_holds(app: App, database_url: str) -> None:
    """A bulk ingest's batch (``look_first``) reads the log's outcomes of its message ids and the streams it holds no
    state of before it is decided: one decision, and the outcomes the batch gets when the append tells it the same."""
    for message in company_with_bookings(2):
        assert (await app.intake.submit(message))["status"] == "accepted"
    repeated = check_in("b-1", "2026-04-07")
    first = await app.intake.submit(repeated)
    outcomes: dict[bool, list[dict[str, Any]]] = {}
    rounds: dict[bool, list[int]] = {}
    for look_first, booking_id in ((False, "b-1"), (True, "b-2")):
        other = await app_for_url(database_url)  # caches nothing: every stream of the batch is news to it
        try:
            rounds[look_first] = []
            other.store.on_appended.append(lambda appended, seen=rounds[look_first]: seen.append(appended.rounds))
            batch = [prepare(json.dumps(m)) for m in (check_in(booking_id, "2026-04-09"), repeated)]
            outcomes[look_first] = await other.intake.process(batch, "file", look_first=look_first)
        finally:
            await other.close()
    assert rounds == {False: [2], True: [1]}
    for look_first, booking_id in ((False, "b-1"), (True, "b-2")):
        accepted, again = outcomes[look_first]
        assert accepted["status"] == "accepted"
        assert accepted["events"][0]["stream"] == f"booking-{booking_id}"
        assert accepted["events"][0]["version"] == (3 if booking_id == "b-1" else 2)
        assert again == {"status": "duplicate", "tenant": TENANT, "message_id": repeated["message_id"],
                         "first": first}


async def test_a_key_created_by_another_process_is_used_not_replaced(app: App, database_url: str) -> None:
    other = await app_for_url(database_url)
    try:
        await app.intake.submit(employee("e-7", name="Karen Holm"))
        # The other process has never seen e-7's key; it must find and use the stored one.
        await other.intake.submit(review("e-7", notes="wants welding"))
        keys = await app.pool.fetchval("SELECT count(*) FROM subject_keys WHERE tenant = $1", TENANT)
        assert keys == 1
        events = await app.store.read_stream(TENANT, "employee-e-7")
        assert events[0]["data"]["name"] == "Karen Holm"
        assert events[1]["data"]["notes"] == "wants welding"
    finally:
        await other.close()


async def test_concurrent_submits_share_commits_and_each_gets_its_own_outcome(app: App) -> None:
    for message in company_with_bookings(5):
        await app.intake.submit(message)
    messages: list[dict[str, Any]] = []
    for i in range(120):
        if i % 17 == 5:
            messages.append(check_in("b-404", message_id=f"g-{i}"))  # rejected: no such booking
        elif i % 23 == 7:
            messages.append(check_in("b-1", message_id="g-0"))  # a repeat of the first message
        else:
            messages.append(check_in(f"b-{1 + i % 5}", f"2026-04-{1 + i % 28:02d}", message_id=f"g-{i}"))
    before = await app.pool.fetchval("SELECT count(DISTINCT transaction_id) FROM events")
    outcomes = await asyncio.gather(*(app.intake.submit(m) for m in messages))
    transactions = await app.pool.fetchval("SELECT count(DISTINCT transaction_id) FROM events") - before
    for message, outcome in zip(messages, outcomes, strict=True):
        assert outcome["message_id"] == message["message_id"]
        if message["data"]["booking_id"] == "b-404":
            assert outcome["status"] == "rejected" and outcome["reason"] == "unknown_booking", outcome
        elif message["message_id"] == "g-0" and outcome["status"] == "duplicate":
            assert outcome["first"]["status"] == "accepted"
        else:
            assert outcome["status"] == "accepted", outcome
    accepted = [o for o in outcomes if o["status"] == "accepted"]
    assert len({o["message_id"] for o in accepted}) == len(accepted)
    per_stream: dict[str, list[int]] = {}
    for o in accepted:
        per_stream.setdefault(o["events"][0]["stream"], []).append(o["events"][0]["version"])
    for versions in per_stream.values():
        assert sorted(versions) == list(range(2, 2 + len(versions)))
    assert transactions < len(accepted), "concurrent submits should have shared transactions"


async def test_a_caller_that_goes_away_does_not_take_the_others_with_it(app: App) -> None:
    for message in company_with_bookings(2):
        await app.intake.submit(message)
    tasks = [asyncio.create_task(app.intake.submit(check_in("b-1", message_id=f"c-{i}"))) for i in range(30)]
    await asyncio.sleep(0)
    tasks[3].cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[3], asyncio.CancelledError)
    assert all(r["status"] == "accepted" for i, r in enumerate(results) if i != 3)  # type: ignore[index]
    # The cancelled caller's message was still decided and stored: submitting it again is a duplicate.
    again = await app.intake.submit(check_in("b-1", message_id="c-3"))
    assert again["status"] == "duplicate"
