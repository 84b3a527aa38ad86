"""Shared pieces of the dashboard tests: a small hand-made feed with known months, and an HTML probe."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from typing import Any

AS_OF = date(2026, 11, 20)
TENANT = "acme"
EVIL_DEPT = "<img src=x onerror=alert(1)>"
EVIL_NAME = '<script>alert("dept")</script> & Co'

_ALL = [str(m) for m in range(1, 13)]


def months(default: str, **overrides: str) -> dict[str, str]:
    """A wheel's 12 months: ``default`` everywhere except the given month numbers (``m6="busy"``)."""
    wheel = dict.fromkeys(_ALL, default)
    for key, season in overrides.items():
        wheel[key.removeprefix("m")] = season
    return wheel


class Feed:
    def __init__(self, tenant: str) -> None:
        self.tenant = tenant
        self.items: list[dict[str, Any]] = []

    def add(self, message_type: str, **data: Any) -> Feed:
        n = len(self.items) + 1
        self.items.append({
            "message_id": f"{self.tenant}-{n:05d}",
            "tenant": self.tenant,
            "type": message_type,
            "occurred_at": "2026-01-01T08:00:00+01:00",
            "actor": "hr-system:test",
            "data": data,
        })
        return self

    def hire(self, employee: str, department: str, family: str = "skilled", on: str = "2024-01-01") -> Feed:
        return self.add("EmployeeRegistered", employee_id=employee, name=f"Person {employee}", department=department,
                        job_family=family, hired_on=on)

    def wheel(self, effective: str, wheel: dict[str, str], department: str | None = None,
              kind: str = "seasonal", focus: list[dict[str, Any]] | None = None) -> Feed:
        data: dict[str, Any] = {"effective_from": effective, "department": department, "kind": kind, "months": wheel}
        if focus is not None:
            data["focus_areas"] = focus
        return self.add("AnnualWheelDefined", **data)

    def book(self, booking: str, employee: str, booked: str, starts: str, agreement: str | None = None) -> Feed:
        data: dict[str, Any] = {
            "booking_id": booking, "employee_id": employee, "booked_on": booked, "starts_on": starts,
            "ends_on": starts, "course": {"title": "Truckcertifikat", "kind": "amu", "hours": 7.4},
        }
        if agreement:
            data["agreement_id"] = agreement
        return self.add("CourseBooked", **data)

    def lines(self) -> list[str]:
        return [json.dumps(item, ensure_ascii=False) for item in self.items]


def acme_feed() -> Feed:
    """Known months for the 12 months ending on 2026-11-20 (December 2025 … November 2026).

    Company wheel: W1 from 2024; W2 from 2026-04-15 (so April is already W2's); two wheels on
    2026-09-01, the later accepted (all low) wins over the first (all busy); one from 2026-11-25,
    after the as-of date, which must not count. The production department has its own wheel; the
    warehouse (lager) has one from 2026-06-15, and the company's before.
    """
    f = Feed(TENANT)
    f.add("EducationStrategyAdopted", adopted_on="2024-01-01", formality="formal", vision="Alle lærer hvert år",
          cycle_start_month=3, completion_target=0.8)
    f.add("DepartmentRegistered", department="prod", name="Produktion")
    f.add("DepartmentRegistered", department=EVIL_DEPT, name=EVIL_NAME)
    f.hire("e1", "prod")
    f.hire("e2", "prod", family="unskilled")
    f.hire("e3", EVIL_DEPT, family="professional")
    f.hire("e4", "prod")
    f.add("EmployeeMoved", employee_id="e4", department="lager", moved_on="2026-06-01")
    f.wheel("2024-01-01", months("normal", m1="low", m2="low", m12="low", m6="busy", m7="busy", m8="busy"))
    f.wheel("2026-04-15", months("normal", m4="busy", m5="busy", m7="busy"),
            focus=[{"quarter": 1, "title": "Digitalisering <og> sikkerhed"}])
    f.wheel("2026-09-01", months("busy"))
    f.wheel("2026-09-01", months("low"))
    f.wheel("2026-11-25", months("busy"))
    f.wheel("2025-01-01", months("normal", m2="busy"), department="prod", kind="departmental")
    f.wheel("2026-06-15", months("low", m10="busy"), department="lager", kind="departmental")
    f.add("EducationAgreed", agreement_id="a1", employee_id="e1", title="Svejsning", agreed_on="2026-03-02")
    f.add("EducationAgreed", agreement_id="a2", employee_id="e2", title="Dansk", agreed_on="2026-03-03")
    f.book("b1", "e1", "2026-01-10", "2026-02-02")
    f.book("b2", "e2", "2026-05-01", "2026-07-06")
    f.add("SubstituteArranged", booking_id="b2", substitute="Vikar A", arranged_on="2026-05-02")
    f.book("b3", "e1", "2026-03-01", "2026-03-10")
    f.add("CourseCancelled", booking_id="b3", cancelled_on="2026-03-05", reason="sygdom")
    f.book("b4", "e1", "2026-11-25", "2026-11-28")  # booked after the as-of date
    f.book("b5", "e4", "2026-05-15", "2026-08-03")  # e4 still in prod on the booking date
    f.book("b6", "e4", "2026-07-01", "2026-10-05")  # e4 in lager by then
    f.book("b7", "e1", "2026-10-01", "2026-11-24")  # starts later in the as-of month
    f.book("b8", "e1", "2026-01-05", "2026-04-20")
    f.add("CourseCancelled", booking_id="b8", cancelled_on="2026-12-01", reason="travlhed")  # after the as-of date
    f.book("b9", "e3", "2025-10-01", "2025-11-10")  # before the strip
    f.book("b10", "e3", "2025-11-01", "2025-12-01")
    f.book("b11", "e1", "2026-03-05", "2026-09-07", agreement="a1")
    f.add("CourseCompleted", booking_id="b11", completed_on="2026-09-10")
    f.add("DevelopmentReviewHeld", employee_id="e1", held_on="2026-03-02", education_item=True)
    f.add("CommitteeMeetingHeld", held_on="2026-02-10", management_reps=2, employee_reps=2)
    greb_facts(f)
    return f


GREB_AS_OF = date(2026, 12, 31)


def greb_facts(f: Feed) -> None:
    """The tools beyond the KPIs, none of them touching the season strips up to ``AS_OF``: a manager, an
    ambassador and the gap she raised, a committee meeting with topics, sharing and practice follow-up of b11,
    and a long collective course booked after ``AS_OF`` with a manager's check-in (seen as of ``GREB_AS_OF``)."""
    f.add("ManagerAssigned", employee_id="e2", manager_id="e1", assigned_on="2025-01-01")
    f.add("AmbassadorAppointed", employee_id="e2", role="shop_steward", appointed_on="2026-01-15")
    f.add("CompetenceGapIdentified", gap_id="g1", employee_id="e2", competence="Svejsning", identified_on="2026-04-01",
          current_level=1, target_level=3, source="ambassador")
    f.add("CompetenceGapIdentified", gap_id="g2", employee_id="e1", competence="Truck", identified_on="2026-04-01",
          current_level=2, target_level=4, source="mus")
    f.add("CompetenceAssessed", employee_id="e1", competence="Truck", level=4, assessed_on="2026-10-01")
    f.add("CompetenceAssessed", employee_id="e2", competence="Svejsning", level=1, assessed_on="2026-04-01")
    f.add("CommitteeMeetingHeld", held_on="2026-10-20", management_reps=2, employee_reps=3,
          topics=["Årshjul 2027", "Makkerpar <i lageret>"])
    f.add("KnowledgeShared", booking_id="b11", shared_on="2026-09-20", format="board_meeting", audience=12)
    f.add("PracticeFollowUpHeld", booking_id="b11", held_on="2026-10-15", applied=True)
    for booking, employee in (("b12", "e2"), ("b13", "e4")):
        f.add("CourseBooked", booking_id=booking, employee_id=employee, booked_on="2026-11-30", starts_on="2026-12-01",
              ends_on="2026-12-10", collective=True,
              course={"title": "Lagerlogistik", "kind": "amu", "hours": 37})
    f.add("ManagerCheckInHeld", booking_id="b12", held_on="2026-12-03")


# Expected strip, December 2025 … November 2026.
ACME_COMPANY_SEASONS = ["low", "low", "low", "normal", "busy", "busy", "normal", "busy", "normal", "low", "low", "low"]
ACME_COMPANY_STARTS = [1, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1]
ACME_PROD_SEASONS = ["normal", "normal", "busy"] + ["normal"] * 9
ACME_PROD_STARTS = [0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 1]
ACME_LAGER_SEASONS = ACME_COMPANY_SEASONS[:6] + ["low"] * 4 + ["busy", "low"]  # its own wheel from June
ACME_LAGER_STARTS = [0] * 10 + [1, 0]
ACME_EVIL_STARTS = [1] + [0] * 11


def beta_feed() -> Feed:
    f = Feed("beta")
    f.add("DepartmentRegistered", department="kontor", name="Kontor")
    f.hire("b-e1", "kontor", on="2025-05-01")
    return f


_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Probe(HTMLParser):
    """What the tests look for in a page: gauges, strips, department cards, tenant cards and the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.gauges: list[dict[str, str]] = []
        self.strips: list[list[dict[str, str]]] = []
        self.departments: list[str] = []
        self.tenant_cards: list[str] = []
        self.phases: list[str] = []
        self.kpis: list[tuple[int, str, str, str]] = []  # (phase number or 0, table row's scope, key, data-value)
        self._row = ""
        self.statuses: list[str] = []
        self.verdicts: list[str] = []
        self.charts: list[dict[str, str]] = []
        self.greb: list[str] = []
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value) of every src, href and action
        self.cells: list[dict[str, str]] = []
        self.text: list[str] = []
        self._phase = 0
        self.lang = ""
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "html":
            self.lang = a.get("lang", "")
        for attribute in ("src", "href", "action", "xlink:href", "srcset", "poster", "data"):
            if attribute in a:
                self.links.append((tag, attribute, a[attribute]))
        if tag == "section" and "phase" in classes:
            self._phase = int(a.get("data-phase", "0"))
            self.phases.append(a.get("data-phase", ""))
        if tag == "tr":
            self._row = a.get("data-scope-key", "")
        if "data-kpi" in a and "data-value" in a:
            self.kpis.append((self._phase, self._row, a["data-kpi"], a["data-value"]))
        if tag == "span" and "status" in classes:
            self.statuses.append(a.get("data-status", ""))
        if tag == "span" and "verdict" in classes:
            self.verdicts.append(a.get("data-verdict", ""))
        if tag == "svg" and "line-chart" in classes:
            self.charts.append({"values": a.get("data-values", ""), "dates": a.get("data-dates", "")})
        if tag == "article" and "greb" in classes:
            self.greb.append(a.get("data-greb", ""))
        if tag == "td" and "cell" in classes and "data-competence" in a:
            self.cells.append(a)
        if tag == "svg" and "gauge" in classes:
            self.gauges.append({"rate": a.get("data-rate", ""), "status": a.get("data-status", ""), "value": ""})
        if tag == "svg" and "strip" in classes:
            self.strips.append([])
        if tag == "g" and "month" in classes:
            self.strips[-1].append({"month": a["data-month"], "season": a["data-season"],
                                    "starts": a["data-starts"]})
        if tag in ("article", "tr") and "dept" in classes:
            self.departments.append(a["data-department"])
        if tag == "article" and "tenant-card" in classes:
            self.tenant_cards.append(a["data-tenant"])
        if tag not in _VOID:
            self._stack.append(" ".join(classes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._phase = 0
        if self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] == "gauge-value" and self.gauges:
            self.gauges[-1]["value"] += data
        if data.strip():
            self.text.append(data.strip())

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def raw(value: Any) -> str:
    """A figure as the pages write it in ``data-value``: exactly the read's value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def external_references(page: str) -> list[str]:
    """Every src, href or action of a page that leaves the server (another host, or a protocol-relative URL)."""
    p = probe(page)
    found = [f"{tag} {attribute}={value}" for tag, attribute, value in p.links
             if value.strip().lower().startswith(("http:", "https:", "//", "ftp:", "ws:", "wss:"))]
    lowered = page.lower()
    found += [f"css url: {part[:60]}" for part in lowered.split("url(")[1:]
              if part.lstrip("'\" ").startswith(("http", "//"))]
    found += ["@import"] if "@import" in lowered else []
    return found


def probe(page: str) -> Probe:
    p = Probe()
    p.feed(page)
    p.close()
    return p
