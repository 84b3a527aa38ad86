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
    "committee_meetings_12m": "Committee meetings, 12 months",
}
_RATES = {"agreement_completion_rate", "completion_target", "participation_rate_12m", "mus_coverage",
          "mus_education_item_rate", "knowledge_sharing_rate", "season_fit_rate", "buddy_share",
          "substitute_coverage_busy"}


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in _RATES:
        return f"{value * 100:.0f} %"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def print_kpis(doc: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    cycle = doc.get("cycle", {})
    table = Table(title=f"{doc['tenant']} — as of {doc['as_of']} (cycle {cycle.get('start')} – {cycle.get('end')})")
    table.add_column("KPI")
    table.add_column("company", justify="right")
    departments = sorted(doc.get("departments", {}))
    for name in departments:
        table.add_column(name, justify="right")
    for key, label in KPI_LABELS.items():
        row = [label, fmt(key, doc["company"].get(key))]
        row += [fmt(key, doc["departments"][d].get(key)) if key != "committee_meetings_12m" else ""
                for d in departments]
        table.add_row(*row)
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
