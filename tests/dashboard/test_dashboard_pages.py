"""The dashboard over a real database: a small hand-made feed through the intake, the projections, the
reads the pages use (season facts, greb views), the rendered pages, and every page through the HTTP door."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date

import httpx
import pytest
from dashboard_support import (
    ACME_COMPANY_SEASONS,
    ACME_COMPANY_STARTS,
    ACME_EVIL_STARTS,
    ACME_LAGER_SEASONS,
    ACME_LAGER_STARTS,
    ACME_PROD_SEASONS,
    ACME_PROD_STARTS,
    AS_OF,
    EVIL_DEPT,
    EVIL_NAME,
    GREB_AS_OF,
    TENANT,
    acme_feed,
    beta_feed,
    external_references,
    probe,
    raw,
)

from projections import SeriesRequest, catch_up, ensure_schema
from services.core import reads
from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.doors.dashboard import render_dashboard
from services.doors.dashboard.season import month_end, months_ending, season_strip
from services.doors.dashboard.svg import SeasonStrip
from services.doors.dashboard.views import PHASES
from services.doors.http import create_app

PHASE_NAMES_DA = ["Afklaring af kompetencebehov", "Planlægning", "Gennemførsel", "Opfølgning og inspiration"]


@pytest.fixture
async def core(database_url: str) -> AsyncIterator[App]:
    app = await app_for_url(database_url, max_size=4)
    try:
        counts = await ingest_lines(app.intake, acme_feed().lines() + beta_feed().lines())
        assert counts.rejected == 0, counts.summary()
        await ensure_schema(app.pool)
        await catch_up(app.pool)
        yield app
    finally:
        await app.close()


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http


async def strip_of(core: App, as_of: date, departments: list[str] | None = None) -> SeasonStrip:
    facts = await reads.season_facts(core, TENANT, as_of, months_ending(as_of)[0], month_end(as_of.replace(day=1)))
    return season_strip(facts, as_of, departments or [])


def phase_figures(page: str) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = {}
    for phase, _, key, value in probe(page).kpis:
        if phase:
            found.setdefault(phase, {})[key] = value
    return found


def expected_phase_figures(figures: dict, company: bool) -> dict[int, dict[str, str]]:
    return {n: {k: raw(figures[k]) for k in keys if company or k != "committee_meetings_12m"}
            for n, (_, keys) in enumerate(PHASES, start=1)}


async def test_season_strip_follows_the_wheel_in_force_and_the_live_bookings(core: App):
    strip = await strip_of(core, AS_OF)
    assert [f"{m:%Y-%m}" for m in strip.months] == [
        "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05",
        "2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11",
    ]
    assert list(strip.company.seasons) == ACME_COMPANY_SEASONS
    assert list(strip.company.starts) == ACME_COMPANY_STARTS
    assert strip.company.kind == "seasonal"
    assert strip.focus_areas == ()  # the wheel in force on the as-of date has none

    prod = strip.departments["prod"]
    assert prod.own_wheel and prod.kind == "departmental"
    assert list(prod.seasons) == ACME_PROD_SEASONS
    assert list(prod.starts) == ACME_PROD_STARTS
    lager = strip.row_for("lager")
    assert lager.own_wheel and list(lager.seasons) == ACME_LAGER_SEASONS
    assert list(lager.starts) == ACME_LAGER_STARTS
    evil = strip.row_for(EVIL_DEPT)
    assert not evil.own_wheel and list(evil.seasons) == ACME_COMPANY_SEASONS
    assert list(evil.starts) == ACME_EVIL_STARTS


async def test_season_strip_before_a_wheel_change_and_with_focus_areas(core: App):
    strip = await strip_of(core, date(2026, 8, 31))
    assert strip.months[0] == date(2025, 9, 1) and strip.months[-1] == date(2026, 8, 1)
    assert strip.focus_areas == ((1, "Digitalisering <og> sikkerhed"),)  # W2, in force on 2026-08-31
    # b9 (November 2025) is in this strip now; b7 and b4 are booked after the as-of date; b3 is cancelled
    # by then, b8 not yet; b6 and b11 start after the strip.
    assert list(strip.company.starts) == [0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1]


async def test_company_page_is_the_four_phases_with_the_kpi_documents_figures(core: App):
    doc = await reads.kpi_document(core, TENANT, AS_OF)
    assert set(doc["departments"]) == {"prod", "lager", EVIL_DEPT}
    page = await render_dashboard(core, as_of=AS_OF, tenant=TENANT)
    p = probe(page)
    assert p.lang == "da"
    assert p.phases == ["1", "2", "3", "4"]
    for name in PHASE_NAMES_DA:
        assert name in p.all_text, name
    assert phase_figures(page) == expected_phase_figures(doc["company"], company=True)
    # The cycle: nothing made in it is due yet on 2026-11-20, which is never shown as behind.
    assert doc["company"]["cycle_status"] == "nothing_due_yet"
    assert p.statuses[0] == "nothing_due_yet" and "ingen aftaler forfaldne endnu" in p.all_text
    assert "Bagud" not in p.all_text
    assert p.departments == list(doc["departments"])
    assert p.statuses[1:] == [f["cycle_status"] for f in doc["departments"].values()]
    assert "Produktion" in p.all_text and "20. nov. 2026" in p.all_text
    # The season strips, company first, then the departments in the document's order.
    assert len(p.strips) == 1 + len(doc["departments"]) and all(len(s) == 12 for s in p.strips)
    assert [m["season"] for m in p.strips[0]] == ACME_COMPANY_SEASONS
    assert [int(m["starts"]) for m in p.strips[0]] == ACME_COMPANY_STARTS
    lager = p.strips[1 + list(doc["departments"]).index("lager")]
    assert [m["season"] for m in lager] == ACME_LAGER_SEASONS
    assert [int(m["starts"]) for m in lager] == ACME_LAGER_STARTS
    # Each phase shows its tools.
    for greb in ("strategy", "managers", "mus", "profiles", "ambassadors", "agreements", "committee", "wheel",
                 "booking", "check_ins", "substitutes", "collective", "cancellations", "sharing-board_meeting",
                 "sharing-peer", "practice"):
        assert greb in p.greb, greb
    assert "Alle lærer hvert år" in p.all_text  # the strategy's vision
    # Sender-chosen department keys and names are escaped everywhere.
    assert EVIL_DEPT not in page and EVIL_NAME not in page
    assert "&lt;script&gt;alert(&#34;dept&#34;)&lt;/script&gt; &amp; Co" in page
    assert "<script" not in page and "<img" not in page


async def test_charts_draw_the_series_read(core: App):
    page = await render_dashboard(core, as_of=AS_OF, tenant=TENANT)
    charts = probe(page).charts
    request = SeriesRequest.checked(months_ending(AS_OF, 36)[0], AS_OF, "month",
                                    ["agreement_completion_rate", "participation_rate_12m", "mus_coverage"])
    series = await reads.kpi_series(core, TENANT, request)
    dates = ",".join(point["as_of"] for point in series["points"])

    def values(key: str) -> str:
        return ",".join(raw(None if v is None else float(v)) for v in (pt["company"][key] for pt in series["points"]))

    drawn = {c["values"]: c["dates"] for c in charts}
    assert drawn.get(values("participation_rate_12m")) == dates
    assert drawn.get(values("mus_coverage")) == dates
    assert drawn.get(values("agreement_completion_rate")) == dates
    assert len(series["points"]) == 35  # the month ends of 36 months up to 20 November 2026


async def test_behind_and_the_last_cycles_verdict_per_department(core: App):
    late = date(2027, 2, 28)  # a1 completed on time, a2 not: 50 % against the target of 80 %
    doc = await reads.kpi_document(core, TENANT, late)
    assert doc["company"]["cycle_status"] == "behind"
    p = probe(await render_dashboard(core, as_of=late, tenant=TENANT))
    assert p.statuses[0] == "behind" and "Bagud" in p.all_text

    after = date(2027, 3, 15)
    doc = await reads.kpi_document(core, TENANT, after)
    last = doc["last_cycle"]
    assert last["company"]["target_met"] is False
    p = probe(await render_dashboard(core, as_of=after, tenant=TENANT, lang="en"))
    wanted = ["none" if f["target_met"] is None else ("met" if f["target_met"] else "missed")
              for f in [last["company"], *last["departments"].values()]]
    assert p.verdicts == wanted and "missed" in wanted
    assert "Target missed" in p.all_text


async def test_greb_views_read_the_tools(core: App):
    greb = await reads.greb_views(core, TENANT, GREB_AS_OF)
    assert greb["strategy"] == {"adopted_on": "2024-01-01", "formality": "formal", "vision": "Alle lærer hvert år"}
    assert greb["ambassadors"] == [{"employee_id": "e2", "role": "shop_steward", "department": "prod",
                                    "appointed_on": "2026-01-15"}]
    assert greb["gaps_by_source"] == [
        {"source": "ambassador", "competence": "Svejsning", "identified": 1, "open": 1, "closed": 0},
        {"source": "mus", "competence": "Truck", "identified": 1, "open": 0, "closed": 1},
    ]
    assert greb["committee"] == [
        {"held_on": "2026-02-10", "management_reps": 2, "employee_reps": 2, "topics": []},
        {"held_on": "2026-10-20", "management_reps": 2, "employee_reps": 3,
         "topics": ["Årshjul 2027", "Makkerpar <i lageret>"]},
    ]
    assert len((await reads.greb_views(core, TENANT, date(2027, 2, 10)))["committee"]) == 1  # 365 days ending on D
    assert greb["collective"] == [{"title": "Lagerlogistik", "starts_on": "2026-12-01", "ends_on": "2026-12-10",
                                   "participants": 2, "completed": 0, "departments": ["lager", "prod"]}]
    assert greb["practice"] == {"completions": 1, "followed_up": 1, "applied": 1}
    assert greb["check_ins"] == {"long_courses": 2, "checked_in": 1}
    assert greb["sharing"] == [{"format": "board_meeting", "occasions": 1, "audience": 12}]
    assert greb["cancellations"]["cancelled"] == 2  # b3 (March) and b8 (December)
    lager = await reads.greb_views(core, TENANT, GREB_AS_OF, "lager")
    assert lager["ambassadors"] == [] and lager["check_ins"] == {"long_courses": 1, "checked_in": 0}
    before = await reads.greb_views(core, TENANT, date(2026, 1, 1))
    assert before["ambassadors"] == [] and before["gaps_by_source"] == [] and before["collective"] == []


async def test_get_dashboard_in_danish_and_english(client: httpx.AsyncClient, core: App):
    doc = await reads.kpi_document(core, TENANT, AS_OF)
    response = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    p = probe(response.text)
    assert p.lang == "da"
    assert phase_figures(response.text) == expected_phase_figures(doc["company"], company=True)
    assert 'type="text" id="as-of" name="as_of" value="2026-11-20"' in response.text  # no browser date widget
    english = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat(), "lang": "en"})
    assert english.status_code == 200
    e = probe(english.text)
    assert e.lang == "en"
    for label in ("Clarifying competence needs", "Planning", "Carrying out", "Follow-up and inspiration",
                  "Participation (12 months)", "Season fit", "no agreements due yet", "Busy", "Low", "20 Nov 2026"):
        assert label in e.all_text, label
    assert "50%" in e.all_text and "50 %" in p.all_text


async def test_department_page_shows_that_departments_figures(client: httpx.AsyncClient, core: App):
    doc = await reads.kpi_document(core, TENANT, AS_OF, "prod")
    response = await client.get("/", params={"tenant": TENANT, "department": "prod", "as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    p = probe(response.text)
    assert "Produktion" in p.all_text
    assert phase_figures(response.text) == expected_phase_figures(doc["departments"]["prod"], company=False)
    assert len(p.strips) == 1 and [int(m["starts"]) for m in p.strips[0]] == ACME_PROD_STARTS
    assert 'name="department" value="prod"' in response.text  # the date form stays on the department


async def test_the_companys_other_pages(client: httpx.AsyncClient, core: App):
    params = {"as_of": GREB_AS_OF.isoformat()}
    managers = await client.get(f"/dashboard/{TENANT}/managers", params=params)
    assert managers.status_code == 200
    by_manager = await reads.kpi_document(core, TENANT, GREB_AS_OF, by_manager=True)
    assert list(by_manager["managers"]) == ["e1"]
    assert 'data-scope-key="e1"' in managers.text
    one = await client.get(f"/dashboard/{TENANT}/managers", params={**params, "manager": "e1"})
    assert one.status_code == 200
    assert phase_figures(one.text) == expected_phase_figures(by_manager["managers"]["e1"], company=False)

    matrix = await reads.competence_matrix(core, TENANT, GREB_AS_OF)
    competences = await client.get(f"/dashboard/{TENANT}/competences", params=params)
    assert competences.status_code == 200
    cells = {(c["data-competence"], c["data-level"], c["data-target"]) for c in probe(competences.text).cells}
    assert cells == {(name, raw(v["level"]), raw(v["target"]))
                     for e in matrix["employees"] for name, v in e["competences"].items()}
    assert ("Svejsning", "1", "3") in cells  # below its target: the ambassador's gap is open

    greb = await client.get(f"/dashboard/{TENANT}/greb", params={**params, "lang": "en"})
    assert greb.status_code == 200
    g = probe(greb.text)
    assert "Makkerpar <i lageret>" in g.all_text and "<i lageret>" not in greb.text
    assert "1 of 1 completed courses followed up; applied in practice: 1" in g.all_text
    assert "1 of 2 courses of 4 days or more" in g.all_text and "Lagerlogistik" in g.all_text

    paper = await client.get(f"/dashboard/{TENANT}/print", params=params)
    assert paper.status_code == 200
    doc = await reads.kpi_document(core, TENANT, GREB_AS_OF)
    rows: dict[str, dict[str, str]] = {}
    for _, row, key, value in probe(paper.text).kpis:
        rows.setdefault(row, {})[key] = value
    assert rows["company"] == {k: raw(doc["company"][k]) for _, keys in PHASES for k in keys
                               if k != "committee_meetings_12m"}
    for key, figures in doc["departments"].items():
        assert rows[key] == {k: raw(figures[k]) for _, keys in PHASES for k in keys if k != "committee_meetings_12m"}

    funding = await client.get(f"/dashboard/{TENANT}/funding", params=params)
    assert funding.status_code == 200
    report = await reads.funding_report(core, TENANT, GREB_AS_OF)
    assert f'data-figure="expected" data-value="{report["totals"]["company"]["expected"]}"' in funding.text


async def test_no_page_refers_outside_the_server(client: httpx.AsyncClient):
    urls = ["/", f"/?tenant={TENANT}", f"/?tenant={TENANT}&department=prod"] + [
        f"/dashboard/{TENANT}/{page}" for page in ("managers", "managers?manager=e1", "competences", "greb", "print",
                                                   "funding")]
    for url in urls:
        response = await client.get(url + ("&" if "?" in url else "?") + "as_of=2026-12-31")
        assert response.status_code == 200, url
        assert external_references(response.text) == [], url


async def test_get_overview_lists_every_tenant(client: httpx.AsyncClient, core: App):
    response = await client.get("/", params={"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    p = probe(response.text)
    assert p.tenant_cards == ["acme", "beta"]
    acme = await reads.kpi_document(core, "acme", AS_OF)
    assert p.statuses[0] == acme["company"]["cycle_status"]
    assert "?tenant=acme&amp;as_of=2026-11-20&amp;lang=da" in response.text
    assert "Alle virksomheder" in p.all_text


async def test_company_display_name_not_its_key(client: httpx.AsyncClient, core: App):
    named = {"message_id": "name-1", "tenant": TENANT, "type": "CompanyRegistered",
             "occurred_at": "2026-01-01T10:00:00Z", "data": {"name": "Acme & Søn A/S", "registered_on": "2020-01-01"}}
    assert (await ingest_lines(core.intake, [json.dumps(named)])).accepted == 1
    await catch_up(core.pool)
    page = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat()})
    assert "<h1 data-kind=\"company\">Acme &amp; Søn A/S" in page.text
    overview = await client.get("/", params={"as_of": AS_OF.isoformat()})
    assert "Acme &amp; Søn A/S" in overview.text


async def test_an_injected_tenant_parameter_is_escaped(client: httpx.AsyncClient):
    evil = '<script>alert("t")</script>'
    response = await client.get("/", params={"tenant": evil, "lang": "en"})
    assert response.status_code == 404
    assert evil not in response.text and "<script" not in response.text
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in response.text
    assert "There is no data for the company" in response.text


async def test_default_date_is_today_and_unknown_language_is_danish(client: httpx.AsyncClient):
    response = await client.get("/", params={"tenant": TENANT, "lang": "fr"})
    assert response.status_code == 200
    assert probe(response.text).lang == "da"
    assert f'value="{date.today().isoformat()}"' in response.text


async def test_a_bad_date_is_refused_on_every_page(client: httpx.AsyncClient):
    for url in ("/", f"/dashboard/{TENANT}/greb", f"/dashboard/{TENANT}/print"):
        response = await client.get(url, params={"tenant": TENANT, "as_of": "3.12.2026"})
        assert response.status_code == 422, url
        assert "ÅÅÅÅ-MM-DD" in response.text


async def test_page_is_refused_with_retry_after_while_the_projections_lag(client: httpx.AsyncClient, core: App):
    late = {"message_id": "late-1", "tenant": TENANT, "type": "CommitteeMeetingHeld",
            "occurred_at": "2026-11-01T10:00:00Z", "data": {"held_on": "2026-11-01", "management_reps": 2,
                                                            "employee_reps": 2}}
    counts = await ingest_lines(core.intake, [json.dumps(late)])
    assert counts.accepted == 1
    for url, params in (("/", {"tenant": TENANT}), ("/", {}), (f"/dashboard/{TENANT}/greb", {})):
        refused = await client.get(url, params={**params, "as_of": AS_OF.isoformat()})
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) > 0
        assert "Tallene er ved at blive opdateret" in refused.text
        assert f'http-equiv="refresh" content="{refused.headers["Retry-After"]}"' in refused.text
        assert not probe(refused.text).kpis  # no figures that miss the accepted message
    await catch_up(core.pool)
    page = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat()})
    assert page.status_code == 200
    assert "Tallene er ved at blive opdateret" not in page.text


async def test_a_page_asked_again_is_answered_from_memory_until_the_projections_move(core: App):
    first = await render_dashboard(core, as_of=AS_OF, tenant=TENANT)
    before = {key: value for phase, _, key, value in probe(first).kpis if phase}["committee_meetings_12m"]
    hits = reads.memory(core).hits
    assert await render_dashboard(core, as_of=AS_OF, tenant=TENANT) == first
    assert reads.memory(core).hits >= hits + 4  # the document, series, greb views, season facts, names
    elsewhere = {"message_id": "beta-again-1", "tenant": "beta", "type": "DepartmentRegistered",
                 "occurred_at": "2026-11-01T10:00:00Z", "data": {"department": "lager", "name": "Lager"}}
    assert (await ingest_lines(core.intake, [json.dumps(elsewhere)])).accepted == 1
    await catch_up(core.pool)
    hits = reads.memory(core).hits
    assert await render_dashboard(core, as_of=AS_OF, tenant=TENANT) == first  # another tenant's news: still kept
    assert reads.memory(core).hits >= hits + 4
    meeting = {"message_id": "again-1", "tenant": TENANT, "type": "CommitteeMeetingHeld",
               "occurred_at": "2026-11-01T10:00:00Z", "data": {"held_on": "2026-11-01", "management_reps": 2,
                                                               "employee_reps": 2, "topics": ["Ny plan"]}}
    assert (await ingest_lines(core.intake, [json.dumps(meeting)])).accepted == 1
    await catch_up(core.pool)
    after = probe(await render_dashboard(core, as_of=AS_OF, tenant=TENANT))
    figures = {key: value for phase, _, key, value in after.kpis if phase}
    assert figures["committee_meetings_12m"] == str((await reads.kpi_document(core, TENANT, AS_OF))["company"][
        "committee_meetings_12m"]) == str(int(before) + 1)
    assert "Ny plan" in after.all_text


async def test_a_projection_version_without_the_dashboards_tables_answers_as_catching_up(
        client: httpx.AsyncClient, core: App):
    # As after an upgrade, while the rebuild of the version that has them is still running.
    version = await core.pool.fetchval("SELECT active_version FROM projection_registry WHERE name = 'kpi'")
    await core.pool.execute(f"DROP TABLE kpi_v{version}.greb_committee")
    refused = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat()})
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert "Tallene er ved at blive opdateret" in refused.text


@pytest.mark.parametrize("department", [None, "prod", "lager"])
async def test_the_document_and_series_read_together_equal_each_read_alone(core: App, department: str | None):
    for as_of in (AS_OF, date(2027, 2, 28), date(2027, 3, 15), date(2026, 1, 31)):
        request = SeriesRequest.checked(months_ending(as_of, 36)[0], as_of, "month",
                                        ["agreement_completion_rate", "participation_rate_12m", "mus_coverage"])
        doc, series = await reads.kpi_document_and_series(core, TENANT, as_of, request, department)
        assert doc == await reads.kpi_document(core, TENANT, as_of, department)
        assert series == await reads.kpi_series(core, TENANT, request, department)
