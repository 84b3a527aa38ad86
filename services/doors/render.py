"""Readable output for people; --json gives the contract's JSON instead.

A table goes to a terminal at its full width (a cell is never folded onto several lines, however narrow
the terminal: widen it, or page with ``less -S``), and to a pipe or a file as tab-separated values (a
header row, then a row per line; several tables are separated by an empty line, the first heading of each
later table naming it). Company and department names stand in for their keys where they are known.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from services.doors.cli.words import Words

KPI_KEYS = (
    "active_employees", "agreements_made", "agreements_completed_on_time", "agreement_completion_rate",
    "completion_target", "target_met", "participation_rate_12m", "training_hours_per_employee_12m",
    "mus_coverage", "mus_education_item_rate", "open_gaps", "gaps_closed_in_cycle", "knowledge_sharing_rate",
    "season_fit_rate", "buddy_share", "substitute_coverage_busy", "agreements_due_to_date",
    "agreements_due_completed_on_time", "on_track_rate", "cycle_status", "committee_meetings_12m",
)
"""The KPI document's keys in the order the tables list them."""

ENGLISH = Words("en")
KPI_LABELS = {key: ENGLISH(key) for key in KPI_KEYS}
_RATES = {"agreement_completion_rate", "completion_target", "participation_rate_12m", "mus_coverage",
          "mus_education_item_rate", "knowledge_sharing_rate", "season_fit_rate", "buddy_share",
          "substitute_coverage_busy", "on_track_rate"}


@dataclass
class Grid:
    """A table: its title (shown on a terminal), headings, rows of text and the columns set to the right."""

    title: str | None
    headings: list[str]
    rows: list[list[str]] = field(default_factory=list)
    right: frozenset[int] = frozenset()


def show(grids: Sequence[Grid], *, out: IO[str] | None = None, terminal: bool | None = None,
         console: Console | None = None) -> None:
    """Print tables: full-width rich tables on a terminal, tab-separated values otherwise."""
    out = out or sys.stdout
    if terminal is None:
        terminal = console.is_terminal if console is not None else out.isatty()
    if not terminal:
        for number, grid in enumerate(grids):
            if number:
                out.write("\n")
            headings = list(grid.headings)
            if number and grid.title and headings:
                headings[0] = grid.title
            out.write("\t".join(_cell(h) for h in headings) + "\n")
            for row in grid.rows:
                out.write("\t".join(_cell(c) for c in row) + "\n")
        out.flush()
        return
    for grid in grids:
        table = Table(title=grid.title)
        for number, heading in enumerate(grid.headings):
            table.add_column(heading, justify="right" if number in grid.right else "left", no_wrap=True)
        for row in grid.rows:
            table.add_row(*row)
        base = console or Console(file=out)
        needed = Measurement.get(base, base.options.update_width(1_000_000), table).maximum
        wide = Console(file=base.file, width=max(base.width, needed), force_terminal=base.is_terminal,
                       color_system="auto" if base.color_system else None, no_color=base.no_color,
                       highlight=False)
        wide.print(table)


def say(text: str, *, out: IO[str] | None = None) -> None:
    """A line of text beside the tables (a count, a total)."""
    print(text, file=out or sys.stdout)


def _cell(value: Any) -> str:
    return "" if value is None else str(value).replace("\t", " ").replace("\n", " ")


def fmt(key: str, value: Any, words: Words = ENGLISH) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return words("yes") if value else words("no")
    if key == "cycle_status":
        return words(f"status_{value}") if f"status_{value}" in _STATUS_KEYS else str(value)
    if key in _RATES:
        return f"{value * 100:.0f} %"
    if isinstance(value, float):
        return words.number(value)
    return str(value)


_STATUS_KEYS = {"status_on_track", "status_behind", "status_nothing_due_yet"}


def named(key: str, names: Mapping[str, str] | None) -> str:
    """A department's (company's) display name where it is known, else its key."""
    return (names or {}).get(key) or key


def kpi_grids(doc: dict[str, Any], words: Words = ENGLISH, *, company: str | None = None,
              departments: Mapping[str, str] | None = None) -> list[Grid]:
    """The document as tables: the company and its departments, then its managers when it has them, then
    the last cycle's verdict."""
    cycle = doc.get("cycle", {})
    title = words("kpi_title", company=company or doc["tenant"], as_of=doc["as_of"], start=cycle.get("start"),
                  end=cycle.get("end"))
    grids = [_scopes_grid(title, doc["company"], doc.get("departments", {}), KPI_KEYS, words, departments)]
    if "managers" in doc:
        grids.append(_scopes_grid(words("by_manager"), None, doc["managers"], KPI_KEYS, words, None))
    last = doc.get("last_cycle")
    if last:
        keys = [key for key in KPI_KEYS if key in last["company"]]
        grids.append(_scopes_grid(words("last_cycle", start=last["start"], end=last["end"]), last["company"],
                                  last.get("departments", {}), keys, words, departments))
    return grids


def print_kpis(doc: dict[str, Any], console: Console | None = None, *, words: Words = ENGLISH,
               company: str | None = None, departments: Mapping[str, str] | None = None) -> None:
    show(kpi_grids(doc, words, company=company, departments=departments), console=console)


def _scopes_grid(title: str, company: dict[str, Any] | None, scopes: dict[str, dict[str, Any]],
                 keys: Sequence[str], words: Words, names: Mapping[str, str] | None) -> Grid:
    headings = [words("kpi")] + ([words("company")] if company is not None else [])
    keys_of_scopes = sorted(scopes, key=lambda key: (named(key, names).casefold(), key))
    headings += [named(key, names) for key in keys_of_scopes]
    grid = Grid(title, headings, right=frozenset(range(1, len(headings))))
    for key in keys:
        row = [words(key)] + ([fmt(key, company.get(key), words)] if company is not None else [])
        row += [fmt(key, scopes[name].get(key), words) if key in scopes[name] else "" for name in keys_of_scopes]
        if any(row[1:]):
            grid.rows.append(row)
    return grid


def print_series(series: dict[str, Any], console: Console | None = None, *, words: Words = ENGLISH,
                 company: str | None = None) -> None:
    """The company's figures of a series, a row per point."""
    title = words(f"series_title_{series['step']}", company=company or series["tenant"], start=series["from"],
                  end=series["to"])
    grid = Grid(title, [words("as_of")] + [words(key).strip() if key in KPI_LABELS else key
                                           for key in series["keys"]],
                right=frozenset(range(1, len(series["keys"]) + 1)))
    for point in series["points"]:
        grid.rows.append([point["as_of"], *(fmt(key, point["company"][key], words) for key in series["keys"])])
    show([grid], console=console)


def print_competences(matrix: dict[str, Any], console: Console | None = None, *, words: Words = ENGLISH,
                      company: str | None = None, departments: Mapping[str, str] | None = None) -> None:
    """People × competences: the level reached against the target of open gaps ("2 → 4")."""
    names = sorted({name for employee in matrix["employees"] for name in employee["competences"]})
    grid = Grid(words("competences_title", company=company or matrix["tenant"], as_of=matrix["as_of"]),
                [words("employee"), words("department"), *names])
    for employee in matrix["employees"]:
        cells = []
        for name in names:
            found = employee["competences"].get(name)
            level = "–" if found is None or found["level"] is None else str(found["level"])
            target = "" if found is None or found["target"] is None else f" → {found['target']}"
            cells.append("" if found is None else level + target)
        grid.rows.append([employee["employee_id"], named(employee["department"], departments), *cells])
    show([grid], console=console)


COMPANY_COLUMNS = ("tenant", "name", "cvr", "registered_on")


def print_companies(companies: list[dict[str, Any]], console: Console | None = None, *,
                    words: Words = ENGLISH) -> None:
    headings = [words("col_company_id"), *(words(f"col_{column}") for column in COMPANY_COLUMNS[1:])]
    grid = Grid(words("companies"), headings)
    for company in companies:
        grid.rows.append([company[column] or "–" for column in COMPANY_COLUMNS])
    show([grid], console=console)


def print_rejections(tenant: str, rejections: list[dict[str, Any]], console: Console | None = None, *,
                     words: Words = ENGLISH) -> None:
    if not rejections:
        say(words("no_rejections", tenant=tenant))
        return
    grid = Grid(words("rejections_title", tenant=tenant, n=len(rejections)),
                [words(f"col_{c}") for c in ("received", "message_id", "type", "reason", "detail")])
    for r in rejections:
        grid.rows.append([r.get("received_at", "")[:19], r.get("message_id") or "–", r.get("type") or "–",
                          r["reason"], r["detail"]])
    show([grid], console=console)


def print_outcome_summary(by_tenant: dict[str, dict[str, int]], console: Console | None = None, *,
                          words: Words = ENGLISH, terminal: bool | None = None) -> None:
    grid = Grid(words("outcomes_title"), [words("col_tenant"), words("accepted"), words("duplicates"),
                                          words("rejected")], right=frozenset({1, 2, 3}))
    for tenant in sorted(by_tenant):
        counts = by_tenant[tenant]
        grid.rows.append([tenant or words("unreadable"), str(counts["accepted"]), str(counts["duplicate"]),
                          str(counts["rejected"])])
    show([grid], console=console, terminal=terminal)
