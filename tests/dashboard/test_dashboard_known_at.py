"""The dashboard's "as known at" field (CONTRACT.md §6): a page with known_at shows the figures of the reads
with the same known_at — the KPI document, the competence matrix, the actions — and says so; links keep the
instant; the read memory keeps answers per instant; a bad instant is refused with a page (422)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from dashboard_support import AS_OF, TENANT, Feed, acme_feed, beta_feed, probe
from test_dashboard_actions import actions_probe
from test_dashboard_pages import expected_phase_figures, phase_figures

from projections import catch_up, ensure_schema
from services.core import reads
from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.doors.http import create_app


def later_feed() -> Feed:
    """Messages received after the instant: a late hiring without a review, an assessment, a completion."""
    f = Feed(TENANT)
    f.hire("e9", "prod", on="2025-06-01")
    f.add("CompetenceAssessed", employee_id="e9", competence="svejsning", level=2, assessed_on="2026-02-01")
    f.add("DevelopmentReviewHeld", employee_id="e2", held_on="2026-10-01", education_item=False)
    f.add("CourseCompleted", booking_id="b2", completed_on="2026-07-07")
    for n, item in enumerate(f.items, start=1):
        item["message_id"] = f"later-{n}"
    return f


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


async def _later(core: App) -> datetime:
    """The instant before the later messages; then they arrive and are folded."""
    t1: datetime = await core.pool.fetchval("SELECT clock_timestamp()")
    counts = await ingest_lines(core.intake, later_feed().lines())
    assert counts.rejected == 0, counts.summary()
    await catch_up(core.pool)
    return t1


def _kinds(document: dict[str, Any]) -> dict[str, int]:
    return dict(Counter(a["kind"] for a in document["actions"]))


def _matrix(page: str) -> list[tuple[str, str, str]]:
    return sorted((c["data-competence"], c["data-level"], c["data-target"]) for c in probe(page).cells)


async def test_a_page_as_known_at_an_instant_shows_the_reads_as_known_then(client: httpx.AsyncClient, core: App):
    # Read the pages once before, so the read memory holds the answers of then under the key without known_at.
    day = {"tenant": TENANT, "as_of": AS_OF.isoformat()}
    assert (await client.get("/", params=day)).status_code == 200
    t1 = await _later(core)
    known_at = t1.astimezone().isoformat()

    then = await reads.kpi_document(core, TENANT, AS_OF, known_at=t1)
    now = await reads.kpi_document(core, TENANT, AS_OF)
    assert expected_phase_figures(then["company"], True) != expected_phase_figures(now["company"], True)

    page = await client.get("/", params={**day, "known_at": known_at})
    assert page.status_code == 200, page.text[:300]
    assert phase_figures(page.text) == expected_phase_figures(then["company"], company=True)
    p = probe(page.text)
    assert "Siden viser, hvad der var kendt pr." in p.all_text and "vises, som de er kendt nu" in p.all_text
    assert f'name="known_at" value="{known_at}"' in page.text
    # Every link within the company keeps the instant; "as known now" drops it.
    company_links = [v for tag, _, v in p.links if tag == "a" and v.startswith(f"/dashboard/{TENANT}/")]
    assert company_links and all(parse_qs(urlsplit(v).query).get("known_at") == [known_at] for v in company_links)
    as_now = [v for tag, _, v in p.links if tag == "a" and "known_at" not in v and v.startswith("/?")]
    assert as_now

    # Without known_at: the figures of now (the memory keeps each instant's answer apart).
    plain = await client.get("/", params=day)
    assert phase_figures(plain.text) == expected_phase_figures(now["company"], company=True)
    assert "Siden viser, hvad der var kendt pr." not in probe(plain.text).all_text

    # The department page, in English.
    dept_then = await reads.kpi_document(core, TENANT, AS_OF, "prod", known_at=t1)
    english = await client.get("/", params={**day, "department": "prod", "lang": "en", "known_at": known_at})
    assert english.status_code == 200
    assert phase_figures(english.text) == expected_phase_figures(dept_then["departments"]["prod"], company=False)
    assert "This page shows what was known at" in probe(english.text).all_text


async def test_the_actions_and_competences_pages_as_known_at_an_instant(client: httpx.AsyncClient, core: App):
    t1 = await _later(core)
    known_at = t1.isoformat().replace("+00:00", "Z")
    params = {"as_of": AS_OF.isoformat(), "known_at": known_at}

    actions_then = await reads.actions(core, TENANT, AS_OF, known_at=t1)
    actions_now = await reads.actions(core, TENANT, AS_OF)
    assert actions_then["actions"] != actions_now["actions"]
    page = await client.get(f"/dashboard/{TENANT}/actions", params=params)
    assert page.status_code == 200
    ap = actions_probe(page.text)
    assert ap.counts == _kinds(actions_then)
    for kind in ap.counts:
        rows = [(r["data-employee"], r["data-ref"], r["data-since"]) for r in ap.rows if r["data-kind"] == kind]
        assert rows == [(a["employee_id"], a["ref"], a["since"]) for a in actions_then["actions"] if a["kind"] == kind]
    csv = parse_qs(urlsplit(ap.csv["da"]).query)
    assert csv["known_at"] == [t1.isoformat()]
    download = await client.get(ap.csv["da"])
    assert download.status_code == 200
    assert download.content == (await client.get(f"/v1/tenants/{TENANT}/actions.csv", params={
        "as_of": AS_OF.isoformat(), "lang": "da", "known_at": known_at})).content

    matrix_then = await reads.competence_matrix(core, TENANT, AS_OF, known_at=t1)
    matrix_now = await reads.competence_matrix(core, TENANT, AS_OF)
    assert matrix_then != matrix_now
    competences = await client.get(f"/dashboard/{TENANT}/competences", params=params)
    assert competences.status_code == 200
    rows = [e["employee_id"] for e in matrix_then["employees"]]
    assert "e9" not in rows and "e9" in [e["employee_id"] for e in matrix_now["employees"]]
    assert 'data-employee="e9"' not in competences.text
    assert all(f'data-employee="{e}"' in competences.text for e in rows)
    assert _matrix(competences.text) == sorted(
        (c, "" if v["level"] is None else str(v["level"]), "" if v["target"] is None else str(v["target"]))
        for e in matrix_then["employees"] for c, v in e["competences"].items())

    # Managers, greb, print, funding and plan pages answer with the note too.
    for name in ("managers", "greb", "print", "funding", "plan"):
        other = await client.get(f"/dashboard/{TENANT}/{name}", params=params)
        assert other.status_code == 200, (name, other.text[:300])
        assert "Siden viser, hvad der var kendt pr." in probe(other.text).all_text, name


async def test_without_a_date_the_page_is_as_of_the_day_of_known_at(client: httpx.AsyncClient, core: App):
    known_at = "2026-11-20T23:30:00-01:00"  # the next day in UTC; the day of the instant where it was written
    page = await client.get("/", params={"tenant": TENANT, "known_at": known_at})
    assert page.status_code == 200
    expected = datetime.fromisoformat(known_at).astimezone().date().isoformat()
    assert f'name="as_of" value="{expected}"' in page.text
    empty = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat(), "known_at": " "})
    assert empty.status_code == 200 and 'name="known_at" value=""' in empty.text


@pytest.mark.parametrize("bad", ("2026-11-20", "2026-11-20T10:00:00", "yesterday", "2026-02-30T10:00:00Z"))
async def test_a_bad_instant_is_refused_with_a_page(client: httpx.AsyncClient, bad: str):
    for path in ("/", f"/dashboard/{TENANT}/actions", f"/dashboard/{TENANT}/competences"):
        response = await client.get(path, params={"tenant": TENANT, "as_of": AS_OF.isoformat(), "known_at": bad})
        assert response.status_code == 422, (path, bad)
        assert "er ikke et tidspunkt" in probe(response.text).all_text
