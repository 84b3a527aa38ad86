"""Readable terminal output (rich tables) for people; --json gives the contract's JSON instead."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

KPI_LABELS = {
    "active_employees": "Active employees",
    "agreements_made": "Agreements made (cycle)",
    "agreements_completed_on_time": "  completed on time",
    "agreement_completion_rate": "Agreement completion rate",
    "completion_target": "  target",
    "target_met": "  target met",
    "participation_rate_12m": "Participation, 12 months",
    "training_hours_per_employee_12m": "Training hours per employee, 12 months",
    "mus_coverage": "Development talk (MUS) coverage",
    "mus_education_item_rate": "  with education item",
    "open_gaps": "Open competence gaps",
    "gaps_closed_in_cycle": "Gaps closed in cycle",
    "knowledge_sharing_rate": "Knowledge sharing rate",
    "season_fit_rate": "Season fit (annual wheel)",
    "buddy_share": "Buddy share (unskilled/skilled)",
    "substitute_coverage_busy": "Substitute coverage, busy months",
    "agreements_due_to_date": "Agreements due so far (cycle)",
    "agreements_due_completed_on_time": "  completed on time",
    "on_track_rate": "On-track rate",
    "cycle_status": "  cycle status",
    "committee_meetings_12m": "Committee meetings, 12 months",
}
_RATES = {"agreement_completion_rate", "completion_target", "participation_rate_12m", "mus_coverage",
          "mus_education_item_rate", "knowledge_sharing_rate", "season_fit_rate", "buddy_share",
          "substitute_coverage_busy", "on_track_rate"}
_STATUS = {"on_track": "on track", "behind": "behind", "nothing_due_yet": "nothing due yet"}


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "cycle_status":
        return _STATUS.get(value, str(value))
    if key in _RATES:
        return f"{value * 100:.0f} %"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def print_kpis(doc: dict[str, Any], console: Console | None = None) -> None:
    """The document as tables: the company and its departments, then its managers when it has them, then
    the last cycle's verdict."""
    console = console or Console()
    cycle = doc.get("cycle", {})
    title = f"{doc['tenant']} — as of {doc['as_of']} (cycle {cycle.get('start')} – {cycle.get('end')})"
    console.print(_scopes_table(title, doc["company"], doc.get("departments", {}), KPI_LABELS))
    if "managers" in doc:
        console.print(_scopes_table("by manager", None, doc["managers"], KPI_LABELS))
    last = doc.get("last_cycle")
    if last:
        labels = {key: KPI_LABELS[key] for key in last["company"]}
        console.print(_scopes_table(f"last cycle {last['start']} – {last['end']}", last["company"],
                                    last.get("departments", {}), labels))


def _scopes_table(title: str, company: dict[str, Any] | None, scopes: dict[str, dict[str, Any]],
                  labels: dict[str, str]) -> Table:
    table = Table(title=title)
    table.add_column("KPI")
    if company is not None:
        table.add_column("company", justify="right")
    names = sorted(scopes)
    for name in names:
        table.add_column(name, justify="right")
    for key, label in labels.items():
        row = [label] + ([fmt(key, company.get(key))] if company is not None else [])
        row += [fmt(key, scopes[name].get(key)) if key in scopes[name] else "" for name in names]
        if any(row[1:]):
            table.add_row(*row)
    return table


def print_series(series: dict[str, Any], console: Console | None = None) -> None:
    """The company's figures of a series, a row per point."""
    console = console or Console()
    table = Table(title=f"{series['tenant']} — {series['step']} ends {series['from']} – {series['to']}")
    table.add_column("as of")
    for key in series["keys"]:
        table.add_column(KPI_LABELS.get(key, key).strip(), justify="right")
    for point in series["points"]:
        table.add_row(point["as_of"], *(fmt(key, point["company"][key]) for key in series["keys"]))
    console.print(table)


def print_competences(matrix: dict[str, Any], console: Console | None = None) -> None:
    """People × competences: the level reached against the target of open gaps ("2 → 4")."""
    console = console or Console()
    names = sorted({name for employee in matrix["employees"] for name in employee["competences"]})
    table = Table(title=f"{matrix['tenant']} — competences as of {matrix['as_of']}")
    table.add_column("employee")
    table.add_column("department")
    for name in names:
        table.add_column(name, justify="center")
    for employee in matrix["employees"]:
        cells = []
        for name in names:
            found = employee["competences"].get(name)
            level = "–" if found is None or found["level"] is None else str(found["level"])
            target = "" if found is None or found["target"] is None else f" → {found['target']}"
            cells.append("" if found is None else level + target)
        table.add_row(employee["employee_id"], employee["department"], *cells)
    console.print(table)


def print_companies(companies: list[dict[str, Any]], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Companies")
    for column in ("tenant", "name", "cvr", "registered_on"):
        table.add_column(column)
    for company in companies:
        table.add_row(*(company[column] or "–" for column in ("tenant", "name", "cvr", "registered_on")))
    console.print(table)


def print_rejections(tenant: str, rejections: list[dict[str, Any]], console: Console | None = None) -> None:
    console = console or Console()
    if not rejections:
        console.print(f"No rejected messages for {tenant}.")
        return
    table = Table(title=f"Rejected messages — {tenant} ({len(rejections)})")
    for column in ("received", "message_id", "type", "reason", "detail"):
        table.add_column(column, overflow="fold")
    for r in rejections:
        table.add_row(r.get("received_at", "")[:19], r.get("message_id") or "–", r.get("type") or "–",
                      r["reason"], r["detail"])
    console.print(table)


def print_outcome_summary(by_tenant: dict[str, dict[str, int]], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title="Messages per tenant")
    for column in ("tenant", "accepted", "duplicate", "rejected"):
        table.add_column(column, justify="right" if column != "tenant" else "left")
    for tenant in sorted(by_tenant):
        counts = by_tenant[tenant]
        table.add_row(tenant or "(unreadable)", str(counts["accepted"]), str(counts["duplicate"]),
                      str(counts["rejected"]))
    console.print(table)
