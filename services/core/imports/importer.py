"""A spreadsheet into the intake: each row becomes the message of its kind and goes through the same
pipeline as a JSON Lines file (``services.core.ingest``), in row order.

The message id is derived from the tenant, the kind, the row's own id and a digest of the row's values
(``import:T:KIND:ID:DIGEST``), so importing the same file again only gives duplicates, while a row that
was corrected after a rejection is judged afresh; a row without its id gets one from its row number.
The envelope's ``occurred_at`` is the row's own date (midnight UTC), or the time of the import when the
row has none that can be read.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from domain.messages import MESSAGE_ID_MAX
from services.core.imports.columns import KINDS, Cell, Column, Kind, normalise
from services.core.imports.sheets import SheetError, open_sheet
from services.core.ingest import IngestCounts, ingest_lines
from services.core.intake import Intake

ACTOR = "spreadsheet-import"


class ColumnsError(SheetError):
    """The file's columns do not fit the kind: nothing was sent."""


@dataclass(frozen=True)
class Layout:
    """Which column of the file feeds which field."""

    kind: Kind
    positions: tuple[tuple[int, Column], ...]


def layout(kind: Kind, header: list[str], source: str) -> Layout:
    """Match the header row to the kind's columns; unknown, repeated or missing columns are refused."""
    index = kind.header_index()
    positions: list[tuple[int, Column]] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    repeated: list[str] = []
    for position, title in enumerate(header):
        if not title.strip():
            continue
        column = index.get(normalise(title))
        if column is None:
            unknown.append(title)
        elif column.name in seen:
            repeated.append(f"{seen[column.name]!r} and {title!r}")
        else:
            seen[column.name] = title
            positions.append((position, column))
    missing = [f"{c.name} ({c.danish})" for c in kind.columns if c.required and c.name not in seen]
    problems = []
    if unknown:
        known = ", ".join(c.name for c in kind.columns)
        problems.append(f"unknown columns {', '.join(repr(u) for u in unknown)} (a {kind.name} sheet has: {known})")
    if repeated:
        problems.append(f"columns given twice: {'; '.join(repeated)}")
    if missing:
        problems.append(f"missing required columns {', '.join(missing)}")
    if problems:
        raise ColumnsError(f"{source}: " + "; ".join(problems) + ". Nothing was imported.")
    return Layout(kind, tuple(positions))


def envelope(tenant: str, layout: Layout, row_number: int, cells: list[Cell], now: str) -> dict[str, Any]:
    """The message a row becomes."""
    data: dict[str, Any] = dict(layout.kind.fixed)
    for position, column in layout.positions:
        cell = cells[position] if position < len(cells) else ""
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            continue
        _put(data, column.name, column.read(cell))
    row_id = [str(_get(data, name) or "") for name in layout.kind.row_id]
    key = "|".join(row_id) if all(row_id) else f"row-{row_number}"
    # The row's content is part of its id: the same row again is a duplicate, but a row corrected after a
    # rejection (or changed since) is a new message, judged afresh.
    key += ":" + hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
    occurred = _get(data, layout.kind.occurred_on) if layout.kind.occurred_on else None
    occurred_at = f"{occurred}T00:00:00Z" if isinstance(occurred, str) and _is_iso_date(occurred) else now
    return {
        "message_id": message_id(tenant, layout.kind.name, key),
        "tenant": tenant,
        "type": layout.kind.message_type,
        "occurred_at": occurred_at,
        "actor": ACTOR,
        "data": data,
    }


def message_id(tenant: str, kind: str, row_key: str) -> str:
    text = f"import:{tenant}:{kind}:{row_key}"
    if len(text) <= MESSAGE_ID_MAX:
        return text
    return f"import:{tenant}:{kind}:sha256:{hashlib.sha256(row_key.encode()).hexdigest()}"


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target = data
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def _get(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _is_iso_date(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-" and text.replace("-", "").isdigit()


@dataclass
class RowOutcome:
    row: int
    outcome: dict[str, Any]


async def import_sheet(
    intake: Intake,
    tenant: str,
    kind_name: str,
    path: str,
    *,
    batch_size: int = 500,
    on_outcome: Callable[[RowOutcome], None] | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> IngestCounts:
    """Import every row of the file; ``on_outcome`` sees each row's outcome in row order."""
    kind = KINDS[kind_name]
    sheet = open_sheet(path)
    try:
        rows_layout = layout(kind, sheet.header, path)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        numbers: deque[int] = deque()  # row numbers of the rows sent and not yet answered
        done = 0

        def lines() -> Iterator[bytes]:
            for number, cells in sheet.rows:
                numbers.append(number)
                yield orjson.dumps(envelope(tenant, rows_layout, number, cells, now))

        def emit(outcome: dict[str, Any]) -> None:
            nonlocal done
            row = numbers.popleft()
            done += 1
            if on_outcome is not None:
                on_outcome(RowOutcome(row, outcome))
            if on_progress is not None and done % 200 == 0:
                on_progress(sheet.position() if sheet.size else done, sheet.size)

        counts = await ingest_lines(intake, lines(), door="import", workers=1, batch_size=batch_size,
                                    on_outcome=emit)
        if on_progress is not None:
            on_progress(sheet.size or done, sheet.size)
        return counts
    finally:
        sheet.close()
