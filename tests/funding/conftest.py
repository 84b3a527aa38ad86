"""The funding tests' app on a fresh database with the projections set up (a module may define its own ``core``,
with rules of its own)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from projections import ensure_schema
from services.core.app import App, app_for_url


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=4)
    await ensure_schema(app.pool)
    try:
        yield app
    finally:
        await app.close()
