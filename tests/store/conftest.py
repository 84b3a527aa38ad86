"""An app (pool, store, intake) on the test's fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.core.app import App, app_for_url


@pytest.fixture
async def app(database_url: str) -> AsyncIterator[App]:
    core = await app_for_url(database_url)
    try:
        yield core
    finally:
        await core.close()

