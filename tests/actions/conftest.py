"""A fresh application core per test, and ``given``: facts through the intake, folded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from actions_facts import Fact, envelope
from message_samples import settled

from projections import catch_up
from services.core.app import App, app_for_url

Given = Callable[..., Awaitable[list[dict[str, Any]]]]


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url)
    try:
        yield app
    finally:
        await app.close()


@pytest.fixture
def given(core: App) -> Given:
    """Ingest facts through the intake (one message each, in order) and fold them; returns the envelopes
    with their outcome's status under ``status``."""

    async def ingest(*facts: Fact, tenant: str = "acme", accepted: bool = True) -> list[dict[str, Any]]:
        envelopes = [envelope(tenant, fact) for fact in facts]
        outcomes = await core.intake.submit_many([json.dumps(e).encode() for e in envelopes], "test")
        if accepted:
            assert [(o["status"], o.get("detail")) for o in outcomes] == [("accepted", None)] * len(outcomes)
        await settled(core)
        await catch_up(core.pool)
        return [{**e, "status": o["status"]} for e, o in zip(envelopes, outcomes, strict=True)]

    return ingest
