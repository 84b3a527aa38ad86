"""The plan page: the planning assistant's latest plan read from the plan store through ``services.core.reads``,
month by month per department, its objective's figures and the reasons for every agreement left without a run;
read only. Also headless Chromium screenshots of the plan page and the actions page."""

from __future__ import annotations

import itertools
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashboard_support import AS_OF, EVIL_DEPT, EVIL_NAME, TENANT, acme_feed, external_references, probe

from projections import catch_up, ensure_schema
from services.core import reads
from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.core.planning import SolverOptions
from services.core.planning.service import accept, propose
from services.doors.dashboard import render_actions, render_plan
from services.doors.http import create_app

PLANNED = "plania"
START, END = date(2027, 1, 4), date(2027, 3, 31)
EVIL_RUN = "Excel <b>onclick=alert(1)</b>"
LOW_WINTER = {str(m): ("low" if m <= 3 else "busy" if m in (6, 7) else "normal") for m in range(1, 13)}
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"

_ids = itertools.count(1)


def message(type_: str, **data: Any) -> dict[str, Any]:
    return {"message_id": f"plan-{next(_ids)}", "tenant": PLANNED, "type": type_,
            "occurred_at": "2027-01-02T08:00:00Z", "actor": "hr-system:test", "data": data}


def person(employee_id: str, department: str, family: str = "skilled") -> dict[str, Any]:
    return message("EmployeeRegistered", employee_id=employee_id, name=f"Person {employee_id}",
                   department=department, job_family=family, hired_on="2020-01-01")


def run(run_id: str, title: str, starts_on: str, ends_on: str, seats: int = 4, **more: Any) -> dict[str, Any]:
    return message("CourseRunAnnounced", run_id=run_id, title=title, starts_on=starts_on, ends_on=ends_on,
                   hours=22.2, seats=seats, **more)


def agreed(agreement_id: str, employee_id: str, title: str) -> dict[str, Any]:
    return message("EducationAgreed", agreement_id=agreement_id, employee_id=employee_id, title=title,
                   agreed_on="2026-12-01", due_by="2027-06-30")


def planned_company() -> list[dict[str, Any]]:
    """Two departments (one with a hostile name); runs in the low winter; one agreement no run fits."""
    return [
        message("DepartmentRegistered", department="rd", name="Udvikling"),
        message("DepartmentRegistered", department=EVIL_DEPT, name=EVIL_NAME),
        message("AnnualWheelDefined", effective_from="2020-01-01", department=None, kind="seasonal", months=LOW_WINTER),
        person("e1", "rd", "unskilled"), person("e2", "rd"), person("e3", EVIL_DEPT, "professional"),
        person("e4", "rd"), *(person(f"x{i}", "rd", "professional") for i in range(6)),
        *(person(f"y{i}", EVIL_DEPT, "professional") for i in range(4)),
        run("r1", "Svejsning", "2027-02-01", "2027-02-03", code="40121", provider="AMU Syd", competence="welding"),
        run("r2", EVIL_RUN, "2027-03-10", "2027-03-10", seats=2, kind="private"),
        run("r3", "Truckcertifikat", "2027-01-18", "2027-01-19"),
        agreed("a1", "e1", "Svejsning"), agreed("a2", "e2", "svejsning"), agreed("a3", "e3", EVIL_RUN),
        agreed("a4", "e4", "Spansk"), agreed("a5", "x0", "Truckcertifikat"),
    ]


class PlanProbe(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, str]] = []
        self.figures: dict[str, str] = {}
        self.cells: list[tuple[str, str, int, str]] = []  # (department, month, people, hours)
        self.unplanned: list[tuple[str, str]] = []
        self.warnings: list[str] = []
        self.accepted: list[str] = []
        self.tables: list[str] = []
        self.forms: list[dict[str, str]] = []
        self._department = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "table" and "plan" in classes:
            self.tables.append(a["data-plan-department"])
        if tag == "tr" and "data-plan-department" in a:
            self._department = a["data-plan-department"]
        if tag == "td" and "data-people" in a:
            self.cells.append((self._department, a["data-month"], int(a["data-people"]), a["data-hours"]))
        if tag == "tr" and "assignment" in classes:
            self.rows.append({**a, "table": self.tables[-1]})
        if "data-figure" in a and tag == "div":
            self.figures[a["data-figure"]] = a["data-value"]
        if tag == "tr" and "unplanned" in classes:
            self.unplanned.append((a["data-agreement"], a["data-why"]))
        if "data-warning" in a:
            self.warnings.append(a["data-warning"])
        if "data-accepted" in a:
            self.accepted.append(a["data-accepted"])
        if tag == "form":
            self.forms.append(a)


def plan_probe(page: str) -> PlanProbe:
    p = PlanProbe()
    p.feed(page)
    p.close()
    return p


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=4)
    try:
        counts = await app.intake.submit_many(planned_company(), door="test")
        assert {c["status"] for c in counts} == {"accepted"}, counts
        counts2 = await ingest_lines(app.intake, acme_feed().lines())
        assert counts2.rejected == 0
        await ensure_schema(app.pool)
        await catch_up(app.pool)
        yield app
    finally:
        await app.close()


async def test_without_a_plan_the_page_says_how_to_make_one(core: App):
    for lang, words in (("da", "Der er endnu ingen plan"), ("en", "There is no plan")):
        page = await render_plan(core, PLANNED, as_of=START, lang=lang)
        text = probe(page).all_text
        assert words in text and f"eduplan plan --tenant {PLANNED} --from 2027-01-04 --to 2028-01-04" in text
        assert plan_probe(page).rows == []


async def test_the_latest_plan_month_by_month_per_department_with_its_figures(core: App):
    older = await propose(core, PLANNED, START, date(2027, 1, 31), SolverOptions())
    document = await propose(core, PLANNED, START, END, SolverOptions())
    assert len(document["assignments"]) >= 3 and document["unplanned"]
    page = await render_plan(core, PLANNED, as_of=START)
    p = plan_probe(page)
    assert p.figures["objective"] == str(document["objective"]) and p.figures["status"] == document["status"]
    assert int(p.figures["assignments"]) == len(document["assignments"])
    assert int(p.figures["unplanned"]) == len(document["unplanned"])
    hours = sum(document["runs"][a["run_id"]]["hours"] for a in document["assignments"])
    assert float(p.figures["hours"]) == pytest.approx(hours)
    # every assignment once, in its department's table, with its run's start and hours
    assert sorted((r["data-agreement"], r["data-employee"], r["data-run"], r["data-starts"], r["table"])
                  for r in p.rows) == sorted(
        (a["agreement_id"], a["employee_id"], a["run_id"], a["starts_on"], a["department"])
        for a in document["assignments"])
    assert all(float(r["data-hours"]) == document["runs"][r["data-run"]]["hours"] for r in p.rows)
    # the month-by-month table: people per department and month of the run's start
    expected: dict[tuple[str, str], set[str]] = {}
    for a in document["assignments"]:
        expected.setdefault((a["department"], a["starts_on"][:7]), set()).add(a["employee_id"])
    assert {(d, m): n for d, m, n, _ in p.cells if n} == {key: len(who) for key, who in expected.items()}
    assert p.unplanned == [(u["agreement_id"], u["why"]) for u in document["unplanned"]]
    assert ("a4", "no_eligible_run") in p.unplanned
    assert "intet hold passer" in probe(page).all_text and "feb 2027" in probe(page).all_text
    assert "unplanned" in p.warnings and "not_accepted" in p.warnings
    assert p.forms == [{"method": "get", "action": f"/dashboard/{PLANNED}/plan", "role": "search"}]  # no POST
    assert external_references(page) == []
    # the older plan can be asked for; the recent plans list both, newest first
    again = plan_probe(await render_plan(core, PLANNED, as_of=START, plan=older["plan_id"]))
    assert {r["data-agreement"] for r in again.rows} == {a["agreement_id"] for a in older["assignments"]}
    view = await reads.plan_view(core, PLANNED)
    assert [r["plan_id"] for r in view["recent"]] == [document["plan_id"], older["plan_id"]]
    unknown = await render_plan(core, PLANNED, as_of=START, plan="nope", lang="en")
    assert "The company has no plan with id nope." in probe(unknown).all_text
    # another tenant's plan is not shown under this one
    assert plan_probe(await render_plan(core, TENANT, as_of=START, plan=document["plan_id"])).rows == []


async def test_the_plan_page_in_english_escapes_and_shows_an_acceptance(core: App):
    document = await propose(core, PLANNED, START, END, SolverOptions())
    await accept(core, document["plan_id"], tenant=PLANNED, on=date(2027, 1, 3))
    await catch_up(core.pool)  # the bookings it sent (no projection runner in this test)
    page = await render_plan(core, PLANNED, as_of=START, lang="en")
    p = plan_probe(page)
    text = probe(page).all_text
    assert probe(page).lang == "en" and "Course plan" in text and "Feb 2027" in text and "no run fits" in text
    assert p.accepted == ["2027-01-03"] and "not_accepted" not in p.warnings
    assert EVIL_DEPT not in page and EVIL_NAME not in page and EVIL_RUN not in page
    assert "&lt;script&gt;alert(&#34;dept&#34;)&lt;/script&gt; &amp; Co" in page
    assert "<script" not in page and "<img" not in page and "<b>" not in page


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http


async def test_the_plan_page_over_http_is_read_only(client: httpx.AsyncClient, core: App):
    document = await propose(core, PLANNED, START, END, SolverOptions())
    answer = await client.get(f"/dashboard/{PLANNED}/plan", params={"as_of": START.isoformat()})
    assert answer.status_code == 200
    assert len(plan_probe(answer.text).rows) == len(document["assignments"])
    assert (await client.post(f"/dashboard/{PLANNED}/plan")).status_code == 405
    assert (await client.get("/dashboard/nobody/plan")).status_code == 404


# --------------------------------------------------------------------------------------------------
# Headless Chromium: the two pages as a browser shows them


def _chromium() -> str | None:
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def _shoot(page: str, name: str, height: int, tmp_path: Path) -> bytes:
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium is not installed: install it with `apt-get install -y chromium` (Debian package)")
    html = tmp_path / f"{name}.html"
    html.write_text(page, encoding="utf-8")
    shot = tmp_path / f"{name}.png"
    result = subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-proxy-server", f"--user-data-dir={tmp_path / 'p'}",
         "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", f"--window-size=1280,{height}",
         "--hide-scrollbars", html.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert shot.exists(), result.stderr[-3000:]
    assert [line for line in result.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line] == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 30_000, "the screenshot is nearly empty"
    if os.environ.get("EDUPLAN_SAVE_SCREENSHOTS") and len(data) < 1_000_000:
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(data)
    return data


async def test_browser_screenshots_of_the_plan_and_the_actions_pages(core: App, tmp_path: Path):
    await propose(core, PLANNED, START, END, SolverOptions())
    _shoot(await render_plan(core, PLANNED, as_of=START), "plan-plania", 1700, tmp_path)
    _shoot(await render_plan(core, PLANNED, as_of=START, lang="en"), "plan-plania-en", 1700, tmp_path)
    _shoot(await render_actions(core, TENANT, as_of=AS_OF), "actions-acme", 1400, tmp_path)
