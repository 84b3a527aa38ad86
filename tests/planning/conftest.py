"""Planning tests import their helpers from this folder; store-backed ones get an app on a fresh database."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.core.app import App, app_for_url

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    core = await app_for_url(database_url)
    try:
        yield core
    finally:
        await core.close()


async def ingest(app: App, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every message through the intake, then the projections brought up to date."""
    from projections import catch_up

    outcomes = await app.intake.submit_many(messages, door="test")
    await catch_up(app.pool)
    return outcomes
