"""The dashboard over a real database: a small hand-made feed through the intake, the projections, the
season strip's SQL, the rendered pages, and ``GET /`` through the HTTP door."""

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
    TENANT,
    acme_feed,
    beta_feed,
    probe,
)

from projections import catch_up, ensure_schema, kpi_document
from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.doors.dashboard import render_dashboard, season_strip
from services.doors.dashboard.text import percent_text
from services.doors.http import create_app


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


def _gauge_texts(doc: dict, lang: str) -> list[str]:
    rates = [doc["company"]["agreement_completion_rate"]]
    rates += [d["agreement_completion_rate"] for d in doc["departments"].values()]
    return [percent_text(r, lang) if r is not None else "–" for r in rates]


async def test_season_strip_follows_the_wheel_in_force_and_the_live_bookings(core: App):
    strip = await season_strip(core.pool, TENANT, AS_OF)
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
    strip = await season_strip(core.pool, TENANT, date(2026, 8, 31))
    assert strip.months[0] == date(2025, 9, 1) and strip.months[-1] == date(2026, 8, 1)
    assert strip.focus_areas == ((1, "Digitalisering <og> sikkerhed"),)  # W2, in force on 2026-08-31
    # b9 (November 2025) is in this strip now; b7 and b4 are booked after the as-of date; b3 is cancelled
    # by then, b8 not yet; b6 and b11 start after the strip.
    assert list(strip.company.starts) == [0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1]


async def test_tenant_page_shows_every_department_with_its_gauge_and_strip(core: App):
    doc = await kpi_document(core.pool, TENANT, AS_OF)
    assert set(doc["departments"]) == {"prod", "lager", EVIL_DEPT}
    page = await render_dashboard(core.pool, as_of=AS_OF, tenant=TENANT)
    p = probe(page)
    assert p.lang == "da"
    for label in ("Aftaler gennemført til tiden", "Deltagelse (12 mdr.)", "Uddannelsestimer pr. medarbejder",
                  "MUS-dækning", "Åbne kompetencegab", "Videndeling", "Sæsontilpasning", "Travl", "Stille",
                  "I risiko", "Ingen aftaler"):
        assert label in p.all_text, label
    assert p.departments == list(doc["departments"])
    assert [g["value"] for g in p.gauges] == _gauge_texts(doc, "da")
    assert float(p.gauges[0]["rate"]) == doc["company"]["agreement_completion_rate"] == 0.5
    assert "Produktion" in p.all_text
    assert len(p.strips) == 1 + len(doc["departments"])
    assert all(len(s) == 12 for s in p.strips)
    assert [m["season"] for m in p.strips[0]] == ACME_COMPANY_SEASONS
    assert [int(m["starts"]) for m in p.strips[0]] == ACME_COMPANY_STARTS
    lager = p.strips[1 + list(doc["departments"]).index("lager")]  # strips follow the department order
    assert [m["season"] for m in lager] == ACME_LAGER_SEASONS
    assert [int(m["starts"]) for m in lager] == ACME_LAGER_STARTS
    assert "Oct" not in p.all_text and "okt" in p.all_text
    # Sender-chosen department keys and names are escaped everywhere.
    assert EVIL_DEPT not in page and EVIL_NAME not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(&quot;dept&quot;)&lt;/script&gt; &amp; Co" in page
    assert "<script" not in page and "<img" not in page
    assert "Tallene er ved at blive opdateret" not in page


async def test_get_dashboard_in_danish_and_english(client: httpx.AsyncClient, core: App):
    doc = await kpi_document(core.pool, TENANT, AS_OF)
    response = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    p = probe(response.text)
    assert p.lang == "da"
    assert "Aftaler gennemført til tiden" in p.all_text and "Sæsontilpasning" in p.all_text
    assert [g["value"] for g in p.gauges] == _gauge_texts(doc, "da")
    assert p.departments == list(doc["departments"])
    assert all(len(s) == 12 for s in p.strips)
    assert 'name="as_of" value="2026-11-20"' in response.text

    english = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat(), "lang": "en"})
    assert english.status_code == 200
    e = probe(english.text)
    assert e.lang == "en"
    for label in ("Agreements completed on time", "Participation (12 months)", "Season fit", "At risk",
                  "No agreements", "Busy", "Low"):
        assert label in e.all_text, label
    assert [g["value"] for g in e.gauges] == _gauge_texts(doc, "en")
    assert "50%" in e.all_text and "50 %" in p.all_text


async def test_get_overview_lists_every_tenant(client: httpx.AsyncClient, core: App):
    response = await client.get("/", params={"as_of": AS_OF.isoformat()})
    assert response.status_code == 200
    p = probe(response.text)
    assert p.tenant_cards == ["acme", "beta"]
    acme = await kpi_document(core.pool, "acme", AS_OF)
    assert p.gauges[0]["value"] == percent_text(acme["company"]["agreement_completion_rate"], "da")
    assert p.gauges[1]["status"] == "no-agreements"
    assert "?tenant=acme&amp;as_of=2026-11-20&amp;lang=da" in response.text
    assert "Alle virksomheder" in p.all_text


async def test_an_injected_tenant_parameter_is_escaped(client: httpx.AsyncClient):
    evil = '<script>alert("t")</script>'
    response = await client.get("/", params={"tenant": evil, "lang": "en"})
    assert response.status_code == 404
    assert evil not in response.text and "<script" not in response.text
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in response.text
    assert "There is no data for the company" in response.text


async def test_default_date_is_today_and_unknown_language_is_danish(client: httpx.AsyncClient):
    response = await client.get("/", params={"tenant": TENANT, "lang": "fr"})
    assert response.status_code == 200
    assert probe(response.text).lang == "da"
    assert f'value="{date.today().isoformat()}"' in response.text


async def test_page_is_refused_with_retry_after_while_the_projections_lag(client: httpx.AsyncClient, core: App):
    late = {"message_id": "late-1", "tenant": TENANT, "type": "CommitteeMeetingHeld",
            "occurred_at": "2026-11-01T10:00:00Z", "data": {"held_on": "2026-11-01", "management_reps": 2,
                                                            "employee_reps": 2}}
    counts = await ingest_lines(core.intake, [json.dumps(late)])
    assert counts.accepted == 1
    for params in ({"tenant": TENANT}, {}):  # nothing runs the projections: the page and the overview wait
        refused = await client.get("/", params={**params, "as_of": AS_OF.isoformat()})
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) > 0
        assert "Tallene er ved at blive opdateret" in refused.text
        assert f'http-equiv="refresh" content="{refused.headers["Retry-After"]}"' in refused.text
        assert not probe(refused.text).gauges  # no figures that miss the accepted message
    await catch_up(core.pool)
    page = await client.get("/", params={"tenant": TENANT, "as_of": AS_OF.isoformat()})
    assert page.status_code == 200
    assert "Tallene er ved at blive opdateret" not in page.text
