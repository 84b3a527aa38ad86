"""The dashboard pages as pure functions of a hand-made KPI document (CONTRACT.md §4) and season strip."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from dashboard_support import probe

from services.doors.dashboard import months_ending
from services.doors.dashboard.html import SeasonRow, SeasonStrip, render_overview, render_tenant_page
from services.doors.dashboard.text import number, percent_text

EVIL = '<b onmouseover="x()">Lager & co</b>'


def figures(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "active_employees": 40,
        "agreements_made": 20,
        "agreements_completed_on_time": 18,
        "agreement_completion_rate": 0.9,
        "completion_target": 0.85,
        "target_met": True,
        "participation_rate_12m": 0.625,
        "training_hours_per_employee_12m": 12.5,
        "mus_coverage": 0.8,
        "mus_education_item_rate": 0.75,
        "open_gaps": 7,
        "gaps_closed_in_cycle": 3,
        "knowledge_sharing_rate": 0.5,
        "season_fit_rate": 0.95,
        "buddy_share": 1.0,
        "substitute_coverage_busy": 0.0,
    }
    base.update(overrides)
    return base


def document() -> dict[str, Any]:
    return {
        "tenant": "bitzer",
        "as_of": "2027-02-28",
        "cycle": {"start": "2026-03-01", "end": "2027-02-28"},
        "company": figures(active_employees=1250, agreements_made=140, agreements_completed_on_time=98,
                           agreement_completion_rate=0.7, target_met=False, training_hours_per_employee_12m=1234.56,
                           committee_meetings_12m=4),
        "departments": {
            "rd": figures(),
            EVIL: figures(agreements_made=0, agreements_completed_on_time=0, agreement_completion_rate=None,
                          target_met=None, knowledge_sharing_rate=None, season_fit_rate=None, buddy_share=None,
                          substitute_coverage_busy=None),
        },
    }


def season() -> SeasonStrip:
    months = months_ending(date(2027, 2, 28))
    company = SeasonRow(("low",) * 3 + ("normal",) * 3 + ("busy",) * 3 + (None,) * 3, tuple(range(12)),
                        kind="seasonal")
    return SeasonStrip(
        months=months,
        company=company,
        departments={"rd": SeasonRow(("busy",) * 12, (1,) * 12, own_wheel=True, kind="departmental")},
        focus_areas=((2, "Kvalitet <og> sikkerhed"),),
    )


def test_numbers_follow_the_language():
    assert number(1234.5, "da", 1) == "1.234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(12.5, "da", 1) == "12,5"
    assert number(1234567, "da") == "1.234.567"
    assert percent_text(0.85, "da") == "85 %"
    assert percent_text(0.85, "en") == "85%"
    assert percent_text(0.285, "da") == "29 %"  # half up, from the decimal the document shows
    assert percent_text(1, "da") == "100 %"
    assert percent_text(0.0, "en") == "0%"


def test_months_ending_gives_twelve_months_up_to_the_as_of_month():
    months = months_ending(date(2026, 3, 31))
    assert len(months) == 12
    assert months[0] == date(2025, 4, 1)
    assert months[-1] == date(2026, 3, 1)
    assert months_ending(date(2026, 12, 1))[0] == date(2026, 1, 1)


def test_tenant_page_in_danish():
    doc = document()
    page = render_tenant_page(doc, season(), "da", names={"rd": "Udvikling (R&D)"})
    p = probe(page)
    assert p.lang == "da"
    text = p.all_text
    for label in ("Aftaler gennemført til tiden", "Deltagelse (12 mdr.)", "Uddannelsestimer pr. medarbejder",
                  "MUS-dækning", "Åbne kompetencegab", "Videndeling", "Sæsontilpasning", "Travl", "Normal",
                  "Stille", "På sporet", "I risiko", "Ingen aftaler", "Makkerpar",
                  "Afløserdækning i travle måneder", "Møder i uddannelsesudvalget (12 mdr.)"):
        assert label in text, label
    assert "Udvikling (R&D)" in text
    assert "1.234,6" in text  # company hours, Danish decimals and thousands
    assert "12,5" in text
    assert "63 %" in text  # participation 0.625, half up
    assert "1 af 0" not in text
    assert "98 af 140 aftaler" in text
    # Company first, then the departments in the document's order.
    assert p.departments == list(doc["departments"])
    rates = [doc["company"]["agreement_completion_rate"]] + [d["agreement_completion_rate"]
                                                             for d in doc["departments"].values()]
    assert [g["value"] for g in p.gauges] == [percent_text(r, "da") if r is not None else "–" for r in rates]
    assert [g["status"] for g in p.gauges] == ["at-risk", "on-track", "no-agreements"]
    # One strip for the company and one per department, each of 12 months.
    assert len(p.strips) == 1 + len(doc["departments"])
    assert all(len(s) == 12 for s in p.strips)
    assert [m["starts"] for m in p.strips[0]] == [str(i) for i in range(12)]
    assert [m["season"] for m in p.strips[0]][-3:] == ["", "", ""]
    # The department without its own wheel is shown against the company wheel, without starts.
    assert [m["season"] for m in p.strips[2]] == [m["season"] for m in p.strips[0]]
    assert p.strips[1][0]["month"] == "2026-03" and p.strips[1][-1]["month"] == "2027-02"


def test_null_is_a_dash_with_a_tooltip():
    page = render_tenant_page(document(), None, "da")
    assert '<span class="na" title="Ingen data i perioden"><span aria-hidden="true">–</span>' in page
    english = render_tenant_page(document(), None, "en")
    assert 'title="No data in the period"' in english


def test_text_from_data_is_escaped():
    page = render_tenant_page(document(), season(), "da", names={EVIL: EVIL})
    assert EVIL not in page
    assert "<b onmouseover" not in page
    assert "&lt;b onmouseover=&quot;x()&quot;&gt;Lager &amp; co&lt;/b&gt;" in page
    assert "Kvalitet &lt;og&gt; sikkerhed" in page
    assert "<script" not in page
    # No resource from elsewhere: the page stands alone.
    assert "http://" not in page and "https://" not in page and "src=" not in page


def test_tenant_page_in_english():
    p = probe(render_tenant_page(document(), season(), "en"))
    assert p.lang == "en"
    for label in ("Agreements completed on time", "Participation (12 months)", "Training hours per employee",
                  "MUS coverage", "Open competence gaps", "Knowledge sharing", "Season fit", "Busy", "Low",
                  "On track", "At risk", "No agreements"):
        assert label in p.all_text, label
    assert "1,234.6" in p.all_text
    assert [g["value"] for g in p.gauges][:2] == ["70%", "90%"]


def test_unknown_language_falls_back_to_danish():
    assert probe(render_tenant_page(document(), None, "xx")).lang == "da"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_overview_has_a_card_per_tenant(lang: str):
    first, second = document(), document()
    second["tenant"] = "them"
    second["company"]["agreement_completion_rate"] = None
    second["company"]["target_met"] = None
    page = render_overview([first, second], as_of=date(2027, 2, 28), lang=lang)
    p = probe(page)
    assert p.tenant_cards == ["bitzer", "them"]
    assert [g["status"] for g in p.gauges] == ["at-risk", "no-agreements"]
    assert "?tenant=bitzer&amp;as_of=2027-02-28&amp;lang=" + lang in page
    assert 'type="date"' in page and 'value="2027-02-28"' in page


def test_overview_without_tenants_says_so():
    p = probe(render_overview([], as_of=date(2027, 2, 28), lang="da"))
    assert "ingen virksomheder" in p.all_text
