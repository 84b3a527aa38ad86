"""The dashboard's pages as pure functions of what the reads answered (no I/O): each chooses what to show
and hands it to its template (``views.render``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from services.doors.dashboard.season import season_strip
from services.doors.dashboard.text import ACTION_KIND_ORDER
from services.doors.dashboard.views import CHARTS, UI, charts, render

__all__ = ["actions_page", "company_page", "competences_page", "funding_page", "greb_page", "managers_page",
           "overview_page", "plan_page", "print_page"]


def _chart_titles(ui: UI, drawn: int) -> list[str]:
    titles = [ui.t("chart_completion_cycles"), ui.t("chart_completion_month"), *(ui.t(t) for _, t, _ in CHARTS)]
    return titles[len(titles) - drawn:]


def company_page(ui: UI, doc: Mapping[str, Any], series: Mapping[str, Any] | None, greb: Mapping[str, Any],
                 facts: Mapping[str, Any] | None, department: str | None = None, *, actions: int | None = None) -> str:
    """A company's page around the four phases, or one department's (``department``); ``actions``: how many
    things there are to follow up in it (linked to the actions page)."""
    tenant = str(doc["tenant"])
    departments = doc.get("departments") or {}
    strip = season_strip(facts, ui.as_of, list(departments)) if facts is not None else None
    cycle_start = date.fromisoformat(doc["cycle"]["start"]) if doc.get("cycle") else None
    last = doc.get("last_cycle")
    last_departments = (last or {}).get("departments") or {}
    if department is None:
        figures = doc["company"]
        scope = None
        strip_rows = [] if strip is None else [
            (ui.t("company"), strip.company, True, figures.get("season_fit_rate")),
            *((ui.dept(k), strip.row_for(k), False, f.get("season_fit_rate")) for k, f in departments.items()),
        ]
        rows = [(k, ui.dept(k), ui.url("/", tenant=tenant, department=k), f) for k, f in departments.items()]
        last_rows = [("company", ui.t("company"), last["company"])] if last else []
        last_rows += [(k, ui.dept(k), f) for k, f in last_departments.items()]
        heading, kind = ui.company_name or tenant, "company"
    else:
        figures = departments.get(department) or {}
        scope = ("departments", department)
        strip_rows = [] if strip is None else [
            (ui.dept(department), strip.row_for(department), False, figures.get("season_fit_rate"))]
        rows = []
        last_rows = [(k, ui.dept(k), f) for k, f in last_departments.items() if k == department]
        heading, kind = ui.dept(department), "department"
    drawn = charts(ui, series, cycle_start, figures.get("completion_target"), scope) if series is not None else []
    return render(
        "scope.html", ui, path="/", params={"tenant": tenant, "department": department},
        tenant_nav=True, kind=kind, heading=heading, department=department, doc=doc, figures=figures, greb=greb,
        strip=strip, strip_rows=strip_rows, charts=drawn, chart_titles=_chart_titles(ui, len(drawn)),
        last_cycle=last, last_rows=last_rows, rows=rows, rows_title=ui.t("departments"),
        rows_head=ui.t("department"), actions=actions,
        actions_href=ui.page("actions", department=department),
    )


def overview_page(ui: UI, companies: list[dict[str, Any]]) -> str:
    """Every company: ``companies`` are ``{"tenant", "name", "doc"}``."""
    return render("overview.html", ui, path="/", companies=companies)


def managers_page(ui: UI, doc: Mapping[str, Any], manager: str | None, department: str | None, *,
                  actions: int | None = None) -> str:
    """Every manager's figures (a KPI document by manager), or one manager's page (``actions``: how many
    things there are to follow up for the manager's employees)."""
    managers = doc.get("managers") or {}
    path = f"/dashboard/{ui.tenant}/managers"
    if manager is None:
        rows = [(m, m, ui.page("managers", manager=m), f) for m, f in managers.items()]
        return render("scope_list.html", ui, path=path, params={"department": department}, tenant_nav=True,
                      heading=ui.t("managers_title"), rows=rows, rows_head=ui.t("manager"), doc=doc)
    last = doc.get("last_cycle") or {}
    last_rows = [(m, m, f) for m, f in (last.get("managers") or {}).items() if m == manager]
    return render(
        "scope.html", ui, path=path, params={"manager": manager, "department": department}, tenant_nav=True,
        kind="manager", heading=ui.t("manager_title", manager=manager), department=None, doc=doc,
        figures=managers.get(manager) or {}, greb=None, strip=None, strip_rows=[], charts=[], chart_titles=[],
        last_cycle=doc.get("last_cycle"), last_rows=last_rows, rows=[], rows_title="", rows_head="",
        actions=actions, actions_href=ui.page("actions", manager=manager, department=department),
    )


MATRIX_ROWS = 400
"""The most people one matrix page lists; a larger company's page links to each department's."""


def competences_page(ui: UI, matrix: Mapping[str, Any], department: str | None) -> str:
    employees = list(matrix["employees"])
    per_department: dict[str, int] = {}
    for e in employees:
        per_department[e["department"]] = per_department.get(e["department"], 0) + 1
    shown = employees[:MATRIX_ROWS]
    names = sorted({name for e in shown for name in e["competences"]})
    return render("competences.html", ui, path=f"/dashboard/{ui.tenant}/competences",
                  params={"department": department}, tenant_nav=True, matrix={**matrix, "employees": shown},
                  competences=names, department=department, total=len(employees),
                  departments=sorted(per_department.items(), key=lambda item: ui.dept(item[0])))


def greb_page(ui: UI, doc: Mapping[str, Any], greb: Mapping[str, Any], department: str | None) -> str:
    figures = doc["company"] if department is None else ((doc.get("departments") or {}).get(department) or {})
    return render("greb.html", ui, path=f"/dashboard/{ui.tenant}/greb", params={"department": department},
                  tenant_nav=True, greb=greb, figures=figures, doc=doc, department=department)


def print_page(ui: UI, doc: Mapping[str, Any], greb: Mapping[str, Any]) -> str:
    scopes = [("company", ui.t("company"), doc["company"])]
    scopes += [(k, ui.dept(k), f) for k, f in (doc.get("departments") or {}).items()]
    return render("print.html", ui, path=f"/dashboard/{ui.tenant}/print", tenant_nav=False, doc=doc, greb=greb,
                  scopes=scopes)


def funding_page(ui: UI, report: Mapping[str, Any], year: int | None) -> str:
    return render("funding.html", ui, path=f"/dashboard/{ui.tenant}/funding", params={"year": year},
                  tenant_nav=True, report=report)


ACTIONS_PER_KIND = 300
"""The most actions of one kind a page lists; the CSV file has them all."""


def action_groups(actions: list[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """The actions grouped by kind, in the page's order of kinds, each group in the read's order."""
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for action in actions:
        groups.setdefault(str(action["kind"]), []).append(action)
    known = [kind for kind in ACTION_KIND_ORDER if kind in groups]
    return [(kind, groups[kind]) for kind in known + sorted(set(groups) - set(known))]


def actions_page(ui: UI, document: Mapping[str, Any], manager: str | None, department: str | None) -> str:
    """What is to be followed up (the actions read), per company, department or manager, grouped by kind."""
    groups = action_groups(list(document["actions"]))
    if manager is not None:
        heading = ui.t("manager_title", manager=manager)
    elif department is not None:
        heading = ui.dept(department)
    else:
        heading = ui.company_name or str(ui.tenant)
    csv = {"as_of": ui.as_of.isoformat(), "manager": manager, "department": department,
           "known_at": ui.known_text() or None}
    base = f"/v1/tenants/{ui.tenant}/actions.csv"
    return render("actions.html", ui, path=f"/dashboard/{ui.tenant}/actions",
                  params={"manager": manager, "department": department}, tenant_nav=True, heading=heading,
                  manager=manager, department=department, groups=groups, total=len(document["actions"]),
                  per_kind=ACTIONS_PER_KIND,
                  csv_da=base + "?" + urlencode({k: v for k, v in {**csv, "lang": "da"}.items() if v is not None}),
                  csv_en=base + "?" + urlencode({k: v for k, v in {**csv, "lang": "en"}.items() if v is not None}))


def _month(day: str) -> str:
    return day[:7]


def _months_between(first: str, last: str) -> list[str]:
    """Every month ``YYYY-MM`` from ``first`` to ``last``."""
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def plan_rows(document: Mapping[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """The plan's assignments per department and month of the run's start (``YYYY-MM``), each with its run's
    course and hours; departments, months and rows in order (starts_on, employee, agreement)."""
    runs = document.get("runs") or {}
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    ordered = sorted(document["assignments"], key=lambda a: (a["starts_on"], a["employee_id"], a["agreement_id"]))
    for a in ordered:
        run = runs.get(a["run_id"]) or {}
        row = {**a, "title": run.get("title"), "code": run.get("code"), "provider": run.get("provider"),
               "hours": run.get("hours")}
        found.setdefault(str(a.get("department") or ""), {}).setdefault(_month(a["starts_on"]), []).append(row)
    return found


def _hours(rows: list[dict[str, Any]]) -> float:
    return float(sum(row["hours"] or 0 for row in rows))


def plan_page(ui: UI, view: Mapping[str, Any], plan_id: str | None) -> str:
    """The planning assistant's plan, read only: its figures, warnings and reasons, and month by month per
    department who goes on which run; or how to make one."""
    document = view.get("plan")
    path = f"/dashboard/{ui.tenant}/plan"
    common: dict[str, Any] = {"tenant_nav": True, "recent": view.get("recent") or [], "asked": plan_id,
              "command": f"eduplan plan --tenant {ui.tenant} --from {ui.as_of.isoformat()} "
                         f"--to {(ui.as_of + timedelta(days=365)).isoformat()}"}
    if document is None:
        return render("plan.html", ui, path=path, params={"plan": plan_id}, plan=None, **common)
    per_department = plan_rows(document)
    departments = sorted(per_department, key=lambda key: ui.dept(key or None).lower())
    starts = [a["starts_on"] for a in document["assignments"]]
    months = _months_between(_month(min(starts)), _month(max(starts))) if starts else []
    matrix = {
        key: {m: (len({r["employee_id"] for r in rows}), _hours(rows)) for m, rows in per_department[key].items()}
        for key in departments
    }
    reasons = Counter(u["why"] for u in document["unplanned"])
    warnings: list[tuple[str, str]] = []
    if document["status"] != "optimal":
        warnings.append(("feasible", ui.t("warn_feasible", objective=ui.num(document["objective"]),
                                          bound=ui.num(document["bound"]), gap=ui.percent_text(document["gap"]))))
    if document["unplanned"]:
        listed = ", ".join(f"{ui.num(n)} {ui.t('why_' + why) if ui.has('why_' + why) else why}"
                           for why, n in reasons.most_common())
        warnings.append(("unplanned", ui.t("warn_unplanned", n=ui.num(len(document["unplanned"])), reasons=listed)))
    if not document["assignments"]:
        warnings.append(("empty", ui.t("warn_empty")))
    if date.fromisoformat(document["from"]) < ui.as_of and not view.get("acceptances"):
        warnings.append(("started", ui.t("warn_started", start=ui.day(document["from"]), as_of=ui.day(ui.as_of))))
    totals = {
        "assignments": len(document["assignments"]),
        "unplanned": len(document["unplanned"]),
        "people": len({a["employee_id"] for a in document["assignments"]}),
        "hours": sum(_hours(rows) for by_month in per_department.values() for rows in by_month.values()),
    }
    return render("plan.html", ui, path=path, params={"plan": plan_id}, plan=document, view=view,
                  per_department=per_department, departments=departments, months=months, matrix=matrix,
                  warnings=warnings, totals=totals, hours_of=_hours, **common)
