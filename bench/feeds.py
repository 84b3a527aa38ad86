"""Generated feeds (services.simulator.demo_data) as files, and the KPI data set shared by benchmarks 3 and 4.

The KPI data set is a database holding a 125-employee tenant with 5 years of history (``small-125``)
and a 5,000-employee tenant (``large-5000``). In a full run it is the database the bulk-ingest
benchmark filled: its 1 M-line feed is those two tenants merged in business-time order with filler
tenants, so `eduplan ingest` builds the data set while it is measured. Otherwise (a quick run, or
--only rebuild/kpi) the two tenants are ingested through the intake in-process. Each benchmark then
works on its own copy (CREATE DATABASE … TEMPLATE), so none sees another's projection tables.
"""

from __future__ import annotations

import heapq
import itertools
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import FreshDatabase, Server, drop_database

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

SMALL_TENANT = "small-125"
LARGE_TENANT = "large-5000"


def keyed_lines(*, tenants: int, employees: int, years: int, tenant: str | None = None) -> Iterator[tuple[str, str]]:
    """(occurred_at, line) of the demo feed; ``tenant`` renames the (single) tenant, so feeds can share a log."""
    from services.simulator.demo_data import generate

    key = ""
    for item in generate(tenants=tenants, employees=employees, years=years):
        if isinstance(item, str):
            yield key, item  # a deliberately broken line: it travels with its neighbour
        else:
            if tenant is not None:
                item["tenant"] = tenant
            key = str(item.get("occurred_at", key))
            yield key, _dumps(item)


def kpi_tenants(quick: bool) -> list[dict[str, Any]]:
    large_years = 1 if quick else 3
    return [{"tenants": 1, "employees": 125, "years": 5, "tenant": SMALL_TENANT},
            {"tenants": 1, "employees": 5000, "years": large_years, "tenant": LARGE_TENANT}]


@dataclass(frozen=True)
class FeedFile:
    path: Path
    lines: int
    knobs: dict[str, Any]
    seconds: float
    kpi_tenants: bool = False


def write_feed(directory: Path, *, lines: int, tenants: int, employees: int, years: int,
               with_kpi_tenants: bool = False) -> FeedFile:
    """``lines`` lines of generate(tenants=, employees=, years=) into a file.

    ``with_kpi_tenants``: the KPI tenants' whole histories plus as many filler lines as make up
    ``lines``, merged in business-time order (a provider serving many companies sends them so).
    """
    begin = time.perf_counter()
    filler: dict[str, Any] = {"tenants": tenants, "employees": employees, "years": years}
    knobs: dict[str, Any] = dict(filler)
    sources: list[Iterator[tuple[str, str]]] = []
    if with_kpi_tenants:
        spooled = []
        for spec in kpi_tenants(quick=False):
            part = directory / f"part-{spec['tenant']}.jsonl"
            with open(part, "w", encoding="utf-8") as file:
                for key, line in keyed_lines(**spec):
                    file.write(f"{key}\t{line}\n")
            spooled.append(part)
        taken = sum(_count(p) for p in spooled)
        sources = [_read_keyed(p) for p in spooled]
        knobs["kpi_tenants"] = kpi_tenants(quick=False)
        knobs["kpi_tenant_lines"] = taken
        sources.append(itertools.islice(keyed_lines(**filler), max(lines - taken, 0)))
    else:
        sources.append(itertools.islice(keyed_lines(**filler), lines))
    path = directory / f"feed-{lines}-{tenants}x{employees}x{years}{'-kpi' if with_kpi_tenants else ''}.jsonl"
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for _, line in heapq.merge(*sources, key=lambda pair: pair[0]):
            out.write(line)
            out.write("\n")
            count += 1
    return FeedFile(path=path, lines=count, knobs=knobs, seconds=time.perf_counter() - begin,
                    kpi_tenants=with_kpi_tenants)


def _count(path: Path) -> int:
    with open(path, "rb") as file:
        return sum(1 for _ in file)


def _read_keyed(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8") as file:
        for row in file:
            key, line = row.rstrip("\n").split("\t", 1)
            yield key, line


# --- the KPI data set -----------------------------------------------------------------------------


@dataclass
class KpiDataset:
    dbname: str
    large_years: int
    lines: int
    events: int
    ingest_seconds: float
    source: str
    rebuilt_dbname: str | None = None  # a copy whose projections are already built (left by the rebuild)
    owned: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"{SMALL_TENANT}: 125 employees × 5 years; {LARGE_TENANT}: 5,000 employees × {self.large_years}"
                f" years; {self.source}; {self.events:,} events in the log")


_dataset: dict[str, KpiDataset] = {}


def _key(server: Server, quick: bool) -> str:
    return f"{server.url}|{quick}"


def offer_dataset(server: Server, quick: bool, dataset: KpiDataset) -> None:
    """The bulk-ingest benchmark hands over its database (which holds the KPI tenants) as the data set."""
    _dataset[_key(server, quick)] = dataset


def known_dataset(server: Server, quick: bool) -> KpiDataset | None:
    return _dataset.get(_key(server, quick))


async def kpi_dataset(server: Server, *, quick: bool) -> KpiDataset:
    found = known_dataset(server, quick)
    if found is not None:
        return found
    from services.core.app import app_for_url
    from services.core.ingest import ingest_lines

    specs = kpi_tenants(quick)
    holder = FreshDatabase(server, "kpidata", keep=True)
    url = await holder.__aenter__()
    app = await app_for_url(url, max_size=6)
    lines = 0
    begin = time.perf_counter()
    try:
        for spec in specs:
            feed = (line for _, line in keyed_lines(**spec))
            counts = await ingest_lines(app.intake, feed, door="bench", workers=4)
            lines += counts.total
        lines += await _works_with_funding(app, LARGE_TENANT)
        events = int(await app.pool.fetchval("SELECT count(*) FROM events"))
    finally:
        await app.close()
    dataset = KpiDataset(dbname=holder.dbname, large_years=specs[1]["years"], lines=lines, events=events,
                         ingest_seconds=time.perf_counter() - begin,
                         source=f"{lines:,} lines ingested in-process for these benchmarks",
                         owned=[holder.dbname])
    _dataset[_key(server, quick)] = dataset
    return dataset


async def _works_with_funding(app: Any, tenant: str) -> int:
    """One funding fact for the tenant (an education level, as the demo feed's assumed one), so the workbench lists
    the funding kinds for it as for a company that works with funding — the actions benchmark measures that
    read; every other employee keeps the level assumed from their job family."""
    from services.core.ingest import ingest_lines

    employee = await app.pool.fetchval(
        "SELECT data->>'employee_id' FROM events WHERE tenant = $1 AND type = 'EmployeeRegistered'"
        " AND data->>'job_family' = 'skilled' ORDER BY position LIMIT 1", tenant)
    if employee is None:
        return 0
    line = _dumps({"message_id": f"{tenant}-education-level", "tenant": tenant, "type": "EducationLevelRecorded",
                   "occurred_at": "2020-01-01T08:00:00Z",
                   "data": {"employee_id": employee, "level": "vocational", "recorded_on": "2000-01-01"}})
    return (await ingest_lines(app.intake, [line], door="bench")).total


async def drop_datasets(server: Server) -> None:
    for key, dataset in list(_dataset.items()):
        if key.startswith(server.url + "|"):
            for dbname in dataset.owned:
                await drop_database(server, dbname)
            del _dataset[key]


def dataset_info(dataset: KpiDataset) -> dict[str, Any]:
    return {"dataset": dataset.describe(), "dataset_ingest_seconds": round(dataset.ingest_seconds, 1)}
