"""The dashboard pages as pure functions of hand-made reads: a KPI document (CONTRACT.md §4, §7), greb views,
season facts and a series."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from dashboard_support import external_references, probe, raw

from services.doors.dashboard import pages
from services.doors.dashboard.season import months_ending
from services.doors.dashboard.svg import line_chart
from services.doors.dashboard.text import day, number, percent_text
from services.doors.dashboard.views import PHASES, UI

EVIL = '<b onmouseover="x()">Lager & co</b>'
AS_OF = date(2027, 2, 28)


def figures(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "active_employees": 40, "agreements_made": 20, "agreements_completed_on_time": 18,
        "agreement_completion_rate": 0.9, "completion_target": 0.85, "target_met": True,
        "participation_rate_12m": 0.625, "training_hours_per_employee_12m": 12.5, "mus_coverage": 0.8,
        "mus_education_item_rate": 0.75, "open_gaps": 7, "gaps_closed_in_cycle": 3, "knowledge_sharing_rate": 0.5,
        "season_fit_rate": 0.95, "buddy_share": 1.0, "substitute_coverage_busy": 0.0,
        "agreements_due_to_date": 10, "agreements_due_completed_on_time": 9, "on_track_rate": 0.9,
        "cycle_status": "on_track",
    }
    base.update(overrides)
    return base


def document() -> dict[str, Any]:
    nothing_due = dict(agreements_made=0, agreements_completed_on_time=0, agreement_completion_rate=None,
                       target_met=None, knowledge_sharing_rate=None, season_fit_rate=None, buddy_share=None,
                       substitute_coverage_busy=None, agreements_due_to_date=0, agreements_due_completed_on_time=0,
                       on_track_rate=None, cycle_status="nothing_due_yet")
    return {
        "tenant": "bitzer",
        "as_of": AS_OF.isoformat(),
        "cycle": {"start": "2026-03-01", "end": "2027-02-28"},
        "company": figures(active_employees=1250, agreements_made=140, agreements_completed_on_time=98,
                           agreement_completion_rate=0.7, target_met=False, training_hours_per_employee_12m=1234.56,
                           committee_meetings_12m=4, on_track_rate=0.7, cycle_status="behind"),
        "departments": {"rd": figures(), EVIL: figures(**nothing_due)},
        "last_cycle": {
            "start": "2025-03-01", "end": "2026-02-28",
            "company": {"agreements_made": 100, "agreements_completed_on_time": 90, "agreement_completion_rate": 0.9,
                        "completion_target": 0.85, "target_met": True},
            "departments": {"rd": {"agreements_made": 10, "agreements_completed_on_time": 5,
                                   "agreement_completion_rate": 0.5, "completion_target": 0.85, "target_met": False}},
        },
    }


def greb() -> dict[str, Any]:
    return {
        "strategy": {"adopted_on": "2024-05-01", "formality": "informal", "vision": "Vi <lærer> hele livet"},
        "ambassadors": [{"employee_id": "e7", "role": "education_ambassador", "department": "rd",
                         "appointed_on": None}],
        "gaps_by_source": [{"source": "ambassador", "competence": "Køleteknik", "identified": 3, "open": 2,
                            "closed": 1}],
        "committee": [{"held_on": "2026-12-03", "management_reps": 2, "employee_reps": 2,
                       "topics": ["Årshjul", EVIL]}],
        "collective": [], "practice": {"completions": 4, "followed_up": 3, "applied": 2},
        "check_ins": {"long_courses": 5, "checked_in": 4},
        "cancellations": {"by_month": [{"month": "2026-06", "cancelled": 1}], "cancelled": 1, "booked": 30},
        "sharing": [{"format": "peer", "occasions": 6, "audience": 0}],
    }


def facts() -> dict[str, Any]:
    wheel = ["low"] * 3 + ["normal"] * 3 + ["busy"] * 3 + ["normal"] * 3
    return {
        "wheels": [{"seq": 1, "department": None, "effective_from": date(2020, 1, 1), "kind": "seasonal",
                    "months": wheel, "focus_areas": [{"quarter": 2, "title": "Kvalitet <og> sikkerhed"}]}],
        "starts": [(date(2026, 6, 1), "rd", 2)],
    }


def series() -> dict[str, Any]:
    points = []
    for i, month in enumerate(months_ending(AS_OF, 24)):
        end = date(month.year + (month.month == 12), month.month % 12 + 1, 1).toordinal() - 1
        company = {"agreement_completion_rate": None if i < 2 else i / 40, "participation_rate_12m": 0.5,
                   "training_hours_per_employee_12m": 10.0 + i, "mus_coverage": 0.25, "knowledge_sharing_rate": None}
        points.append({"as_of": date.fromordinal(end).isoformat(), "company": company, "departments": {}})
    return {"points": points}


def company(lang: str = "da", names: dict[str, str] | None = None) -> str:
    ui = UI(lang, AS_OF, "bitzer", names=names or {"rd": "Udvikling (R&D)"}, company_name="BITZER Electronics A/S")
    return pages.company_page(ui, document(), series(), greb(), facts())


def test_numbers_and_dates_follow_the_language():
    assert number(1234.5, "da", 1) == "1.234,5"
    assert number(1234.5, "en", 1) == "1,234.5"
    assert percent_text(0.85, "da") == "85 %" and percent_text(0.85, "en") == "85%"
    assert percent_text(0.285, "da") == "29 %"  # half up, from the decimal the document shows
    assert day(date(2026, 12, 3), "da") == "3. dec. 2026"
    assert day(date(2026, 5, 3), "da") == "3. maj 2026"
    assert day(date(2026, 12, 3), "en") == "3 Dec 2026"


def test_months_ending_gives_twelve_months_up_to_the_as_of_month():
    months = months_ending(date(2026, 3, 31))
    assert len(months) == 12 and months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1)


def test_company_page_in_danish_is_the_four_phases():
    doc = document()
    page = company()
    p = probe(page)
    assert p.lang == "da"
    assert p.phases == ["1", "2", "3", "4"]
    for label in ("Afklaring af kompetencebehov", "Planlægning", "Gennemførsel", "Opfølgning og inspiration",
                  "BITZER Electronics A/S", "Udvikling (R&D)", "Bagud", "På sporet", "ingen aftaler forfaldne endnu",
                  "Mål nået", "Mål ikke nået", "1. mar. 2026 – 28. feb. 2027", "Vi <lærer> hele livet",
                  "uddannelsesambassadør", "Kompetencegab rejst af ambassadører: 3 (2 åbne, 1 lukkede)",
                  "4 af 5 kurser på 4 dage eller mere", "3 af 4 gennemførte kurser fulgt op; brugt i praksis: 2",
                  "1 aflyst af 30 bookinger de seneste 12 mdr.", "6 gange, 0 tilhørere",
                  "2. kvartal: Kvalitet <og> sikkerhed"):
        assert label in p.all_text, label
    found = {(phase, key): value for phase, _, key, value in p.kpis if phase}
    assert found == {(n, key): raw(doc["company"][key]) for n, (_, keys) in enumerate(PHASES, 1) for key in keys}
    assert p.statuses == ["behind", "on_track", "nothing_due_yet"]
    assert p.verdicts == ["met", "missed"]
    assert p.departments == list(doc["departments"])
    assert len(p.strips) == 3 and [m["starts"] for m in p.strips[1]][5:7] == ["0", "0"]


def test_the_line_charts_carry_the_series_values_and_leave_gaps_for_null():
    p = probe(company())
    assert len(p.charts) == 6
    per_cycle, running = p.charts[0], p.charts[1]
    assert per_cycle["dates"] == "2026-02-28,2027-02-28"  # the last days of the cycles in the series
    assert running["values"].startswith(",,0.05,")
    hours = p.charts[3]
    assert hours["values"].split(",")[:2] == ["10.0", "11.0"]
    svg = line_chart([(date(2026, 1, 31), None), (date(2026, 2, 28), 0.5), (date(2026, 3, 31), None)], "da",
                     label="x", uid="c")
    assert "<polyline" not in svg and svg.count("<circle") == 1  # a lone point between gaps: no line through null


def test_null_is_a_dash_with_a_tooltip():
    assert '<span class="na" title="Ingen data i perioden"><span aria-hidden="true">–</span>' in company()
    assert 'title="No data in the period"' in company("en")


def test_text_from_data_is_escaped_and_the_page_stands_alone():
    page = company(names={EVIL: EVIL})
    assert EVIL not in page and "<b onmouseover" not in page
    assert "&lt;b onmouseover=&#34;x()&#34;&gt;Lager &amp; co&lt;/b&gt;" in page
    assert "Vi &lt;lærer&gt; hele livet" in page and "<script" not in page
    assert external_references(page) == [] and "src=" not in page


def test_company_page_in_english():
    p = probe(company("en"))
    assert p.lang == "en"
    for label in ("Clarifying competence needs", "Planning", "Carrying out", "Follow-up and inspiration",
                  "Behind", "On track", "no agreements due yet", "Target met", "Target missed", "1 Mar 2026",
                  "education ambassador"):
        assert label in p.all_text, label
    assert "1,234.6" in p.all_text


def test_unknown_language_falls_back_to_danish():
    assert probe(company("xx")).lang == "da"


@pytest.mark.parametrize("lang", ["da", "en"])
def test_overview_has_a_card_per_tenant_with_its_display_name(lang: str):
    first, second = document(), document()
    second["tenant"] = "them"
    second["company"].update(on_track_rate=None, cycle_status="nothing_due_yet")
    page = pages.overview_page(UI(lang, AS_OF), [{"tenant": "bitzer", "name": "BITZER", "doc": first},
                                                 {"tenant": "them", "name": "THEM Mejeri", "doc": second}])
    p = probe(page)
    assert p.tenant_cards == ["bitzer", "them"]
    assert p.statuses == ["behind", "nothing_due_yet"]
    assert "THEM Mejeri" in p.all_text
    assert "?tenant=bitzer&amp;as_of=2027-02-28&amp;lang=" + lang in page
    assert 'type="text"' in page and 'type="date"' not in page and 'value="2027-02-28"' in page


def test_overview_without_tenants_says_so():
    assert "ingen virksomheder" in probe(pages.overview_page(UI("da", AS_OF), [])).all_text


def test_competence_matrix_marks_levels_against_targets():
    matrix = {"employees": [
        {"employee_id": "e1", "department": "rd", "competences": {"Køl": {"level": 2, "target": 4},
                                                                 "Svejs": {"level": 5, "target": None}}},
        {"employee_id": "e2", "department": "rd", "competences": {"Køl": {"level": None, "target": 1}}},
    ]}
    page = pages.competences_page(UI("da", AS_OF, "bitzer"), matrix, None)
    cells = probe(page).cells
    assert [(c["data-competence"], c["data-level"], c["data-target"], c["class"]) for c in cells] == [
        ("Køl", "2", "4", "cell below"), ("Svejs", "5", "", "cell plain"), ("Køl", "", "1", "cell below")]


def test_a_large_matrix_is_cut_with_links_to_each_department():
    employees = [{"employee_id": f"e{i:05d}", "department": "rd" if i % 2 else "ops",
                  "competences": {"Køl": {"level": 3, "target": None}}} for i in range(pages.MATRIX_ROWS + 50)]
    page = pages.competences_page(UI("en", AS_OF, "bitzer"), {"employees": employees}, None)
    p = probe(page)
    assert len(p.cells) == pages.MATRIX_ROWS
    assert f"Showing the first {pages.MATRIX_ROWS} of {pages.MATRIX_ROWS + 50} employees" in p.all_text
    assert "/dashboard/bitzer/competences?department=ops" in page and "(225)" in p.all_text
