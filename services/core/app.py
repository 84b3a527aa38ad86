"""The composition root: settings → database → store → intake, shared by every door."""

from __future__ import annotations

from dataclasses import dataclass, field

import asyncpg

from infra.db import open_database
from infra.logging import configure_logging
from infra.settings import Settings
from infra.store import EventStore
from services.core.audit import AuditKeys
from services.core.funding.startup import install_rules
from services.core.intake import Intake
from services.core.retention import RetentionSweeper


@dataclass
class App:
    settings: Settings
    pool: asyncpg.Pool
    store: EventStore
    intake: Intake
    sweeper: RetentionSweeper | None = None
    audit_keys: AuditKeys = field(default_factory=AuditKeys)
    """the keys that sign and check the audit checkpoints (EDUPLAN_AUDIT_*, services/core/audit/keys.py)"""

    async def close(self) -> None:
        if self.sweeper is not None:
            await self.sweeper.close()
        await self.intake.close()
        await self.store.close()
        if self.store.write_pool is not self.pool:
            await self.store.write_pool.close()
        await self.pool.close()


async def open_app(
    settings: Settings | None = None, *, max_size: int = 10, notify: bool = True, log_level: str = "WARNING",
    sweep: bool = True,
) -> App:
    """The app of a door; ``sweep``: run the retention sweep here (the partition processes of a bulk ingest do not)."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level or log_level)
    install_rules(settings)  # before any door takes a message: bad rules files stop start-up here
    audit_keys = AuditKeys.from_env()  # so does an unreadable audit key file
    pool, write_pool = await open_database(settings, max_size=max_size)
    store = EventStore(pool, write_pool=write_pool, notify=notify,
                       rejection_retention_days=settings.rejection_retention_days)
    sweeper = RetentionSweeper(store) if sweep else None
    if sweeper is not None:
        sweeper.start()
    return App(settings=settings, pool=pool, store=store, intake=Intake(store), sweeper=sweeper,
               audit_keys=audit_keys)


async def app_for_url(url: str, *, max_size: int = 10) -> App:
    """An app on an explicit database URL (tests, benchmarks); it runs no retention sweep of its own."""
    from infra.db import create_pool, create_write_pool, migrate

    settings = Settings.from_env()
    install_rules(settings)
    pool = await create_pool(url, max_size=max_size)
    await migrate(pool)
    store = EventStore(pool, write_pool=await create_write_pool(url, max_size=max_size),
                       rejection_retention_days=settings.rejection_retention_days)
    return App(settings=settings, pool=pool, store=store, intake=Intake(store), audit_keys=AuditKeys.from_env())
