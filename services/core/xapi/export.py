"""The learning-records export: a tenant's log, read in log order without decrypting anything, as
xAPI statements in JSON Lines. Both doors (the CLI and HTTP) stream from here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

from infra.store import EventStore
from services.core.xapi.statements import LearningRecords, Statement
from services.core.xapi.vocabulary import Namespace, compact_json

PAGE_SIZE = 2000


def statement_line(statement: Statement) -> str:
    """One statement as a JSON Lines line: compact, keys in a fixed order, UTF-8 as it is."""
    return compact_json(statement).decode() + "\n"


async def xapi_lines(store: EventStore, tenant: str, *, homepage: str, since: date | None = None,
                     page_size: int = PAGE_SIZE) -> AsyncIterator[str]:
    """The tenant's statements, in log order, whose business date is on or after ``since``.

    Reads page by page (personal fields stay encrypted: no statement needs one), so memory holds one
    page and the per-booking entries of :class:`LearningRecords`.
    """
    records = LearningRecords(tenant, Namespace.of(homepage))
    after = since.isoformat() if since else ""
    cursor: str | None = None
    while True:
        page, cursor = await store.read_all(cursor, page_size, tenant=tenant, decrypt=False)
        if not page:
            return
        for event in page:
            for statement in records.statements(event, since=after):
                yield statement_line(statement)
