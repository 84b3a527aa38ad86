"""An occurred_at whose instant lies outside the years 1–9999 in UTC (a valid RFC 3339 text with an extreme
offset) can be stored by PostgreSQL but not read back by any reader of the log (the relay, the events read,
the exports): the log is append-only, so such an event would block them for good. It is rejected instead."""

from __future__ import annotations

import pytest
from message_samples import TENANT, department, read_everything, settled

from services.core.app import App


@pytest.mark.parametrize("occurred_at", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
async def test_an_instant_beyond_the_readable_years_is_rejected_and_the_log_stays_readable(
    app: App, occurred_at: str
) -> None:
    fine = await app.intake.submit(department("rd"), door="test")
    assert fine["status"] == "accepted"

    outcome = await app.intake.submit(department("ops", occurred_at=occurred_at), door="test")

    assert outcome["status"] == "rejected"
    assert outcome["reason"] == "invalid_envelope"
    assert "occurred_at" in outcome["detail"]
    await settled(app)
    events = await read_everything(app, tenant=TENANT)
    assert [e["data"]["department"] for e in events] == ["rd"]


@pytest.mark.parametrize("occurred_at", ["9999-12-31T09:59:59-14:00", "0001-01-01T14:00:00+14:00"])
async def test_the_last_and_first_readable_instants_are_accepted(app: App, occurred_at: str) -> None:
    outcome = await app.intake.submit(department("rd", occurred_at=occurred_at), door="test")
    assert outcome["status"] == "accepted"
    await settled(app)
    [event] = await read_everything(app, tenant=TENANT)
    assert event["occurred_at"] in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00")
