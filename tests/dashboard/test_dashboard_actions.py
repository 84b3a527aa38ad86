"""The page "Det skal følges op" (what is to be followed up) over a real database: the actions read, grouped by
kind, per company, department and manager; the counts the company, department and manager pages link with."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import httpx
import pytest
from dashboard_support import AS_OF, EVIL_DEPT, EVIL_NAME, TENANT, acme_feed, beta_feed, external_references, probe

from projections import catch_up, ensure_schema
from services.core import reads
from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.doors.dashboard import render_actions, render_dashboard, render_managers
from services.doors.http import create_app


class ActionsProbe(HTMLParser):
    """The counts per kind, the rows of each kind's table, the follow-up link of a page, every link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.counts: dict[str, int] = {}
        self.rows: list[dict[str, str]] = []
        self.sections: list[str] = []
        self.follow_up: list[tuple[str, int]] = []  # (href, count)
        self.csv: dict[str, str] = {}
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "data-kind-count" in a:
            self.counts[a["data-kind-count"]] = int(a["data-value"])
        if tag == "tr" and "action" in a.get("class", "").split():
            self.rows.append(a)
        if tag == "section" and "action-kind" in a.get("class", "").split():
            self.sections.append(a["data-kind"])
        if tag == "a" and "data-actions" in a:
            self.follow_up.append((a["href"], int(a["data-actions"])))
        if tag == "a" and "data-csv" in a:
            self.csv[a["data-csv"]] = a["href"]
        if tag == "a":
            self.hrefs.append(a.get("href", ""))


def actions_probe(page: str) -> ActionsProbe:
    p = ActionsProbe()
    p.feed(page)
    p.close()
    return p


def counts_of(document: dict[str, Any]) -> dict[str, int]:
    return dict(Counter(a["kind"] for a in document["actions"]))


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


async def test_the_company_actions_page_has_the_reads_actions_grouped_by_kind(core: App):
    document = await reads.actions(core, TENANT, AS_OF)
    expected = counts_of(document)
    assert len(expected) >= 2 and sum(expected.values()) >= 4  # the feed has several kinds to follow up
    page = await render_actions(core, TENANT, as_of=AS_OF)
    p = actions_probe(page)
    assert p.counts == expected
    assert p.sections == list(p.counts) and set(p.sections) == set(expected)
    # every action of the read is one row, in its kind's table, in the read's order within the kind
    for kind in expected:
        rows = [(r["data-employee"], r["data-ref"], r["data-since"]) for r in p.rows if r["data-kind"] == kind]
        assert rows == [(a["employee_id"], a["ref"], a["since"]) for a in document["actions"] if a["kind"] == kind]
    text = probe(page).all_text
    assert "Det skal følges op" in text and "20. nov. 2026" in text
    assert "Hold MUS med medarbejderen." in text  # the review_missing kind's sentence
    first = document["actions"][0]
    days = (AS_OF - date.fromisoformat(first["since"])).days
    assert f"for {days} dage siden" in text
    assert external_references(page) == []


async def test_the_actions_page_in_english_links_the_csv_and_the_persons_scopes(core: App):
    document = await reads.actions(core, TENANT, AS_OF)
    page = await render_actions(core, TENANT, as_of=AS_OF, lang="en")
    p = actions_probe(page)
    text = probe(page).all_text
    assert probe(page).lang == "en" and "To follow up" in text and "20 Nov 2026" in text
    assert "Hold a development review with the employee." in text
    for lang in ("da", "en"):
        href = urlsplit(p.csv[lang])
        assert href.path == f"/v1/tenants/{TENANT}/actions.csv"
        assert parse_qs(href.query) == {"as_of": [AS_OF.isoformat()], "lang": [lang]}
    # each person links to their department's page and their manager's page
    for action in document["actions"]:
        dept = f"/?tenant={TENANT}&department=" + quote_plus(action["department"])
        assert any(h.startswith(dept + "&") for h in p.hrefs), action
        if action["manager_id"]:
            assert any(h.startswith(f"/dashboard/{TENANT}/managers?manager={action['manager_id']}&")
                       for h in p.hrefs)


async def test_department_and_manager_pages_of_actions_and_their_counts_on_the_scope_pages(core: App):
    company = await reads.actions(core, TENANT, AS_OF)
    company_page = actions_probe(await render_dashboard(core, as_of=AS_OF, tenant=TENANT))
    assert company_page.follow_up == [(f"/dashboard/{TENANT}/actions?as_of={AS_OF}&lang=da",
                                       len(company["actions"]))]
    departments = {a["department"] for a in company["actions"]}
    assert EVIL_DEPT in departments
    for department in departments:
        document = await reads.actions(core, TENANT, AS_OF, department=department)
        page = await render_actions(core, TENANT, as_of=AS_OF, department=department)
        assert actions_probe(page).counts == counts_of(document)
        assert {r["data-employee"] for r in actions_probe(page).rows} == {a["employee_id"] for a in document["actions"]}
        scope = actions_probe(await render_dashboard(core, as_of=AS_OF, tenant=TENANT, department=department))
        assert [n for _, n in scope.follow_up] == [len(document["actions"])]
        assert parse_qs(urlsplit(scope.follow_up[0][0]).query)["department"] == [department]
    manager = "e1"
    document = await reads.actions(core, TENANT, AS_OF, manager=manager)
    assert document["actions"] and {a["employee_id"] for a in document["actions"]} == {"e2"}
    page = actions_probe(await render_actions(core, TENANT, as_of=AS_OF, manager=manager))
    assert page.counts == counts_of(document)
    manager_page = actions_probe(await render_managers(core, TENANT, as_of=AS_OF, manager=manager))
    assert [n for _, n in manager_page.follow_up] == [len(document["actions"])]


async def test_the_actions_page_escapes_what_it_shows(core: App):
    page = await render_actions(core, TENANT, as_of=AS_OF, department=EVIL_DEPT)
    assert actions_probe(page).rows  # e3 of that department has something to follow up
    assert EVIL_DEPT not in page and EVIL_NAME not in page
    assert "&lt;script&gt;alert(&#34;dept&#34;)&lt;/script&gt; &amp; Co" in page
    assert "<script" not in page and "<img" not in page


async def test_nothing_to_follow_up_says_so(core: App):
    document = await reads.actions(core, "beta", AS_OF.replace(year=2025, month=5, day=2))
    assert document["actions"] == []
    page = await render_actions(core, "beta", as_of=AS_OF.replace(year=2025, month=5, day=2))
    assert actions_probe(page).counts == {} and "Intet at følge op pr. 2. maj 2025." in probe(page).all_text


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http


async def test_the_actions_page_over_http(client: httpx.AsyncClient, core: App):
    document = await reads.actions(core, TENANT, AS_OF)
    answer = await client.get(f"/dashboard/{TENANT}/actions", params={"as_of": AS_OF.isoformat(), "lang": "en"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert actions_probe(answer.text).counts == counts_of(document)
    csv = await client.get(actions_probe(answer.text).csv["da"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert (await client.get("/dashboard/nobody/actions")).status_code == 404
    assert (await client.get(f"/dashboard/{TENANT}/actions", params={"as_of": "2026-13-01"})).status_code == 422
