"""A deterministic demo and benchmark feed: what the HR systems of the report's companies would send.

``generate()`` simulates each company (tenant) day by day over a history of some years: the strategy,
departments and annual wheel; hires, moves and leavers; the yearly development talks (MUS) in each
company's own window with assessments, gaps and agreements; bookings that respect the wheel, with
buddies, substitutes and manager check-ins; completions (mostly on time, some late, a few failed),
cancellations, knowledge sharing, practice follow-up and closed gaps; committee meetings. The tenants'
messages are merged into one feed in business-time order, the way a provider serving many companies
would send it.

The default tenants are the report's cases, each as the report tells of it (``CASES`` cites the
passages): committees only at the two firms of about 100 employees, BITZER's spring window for talks and
agreements, department wheels and no substitutes at Universe Science Park, no seasons but substitutes at
Grøndalen, the transport company's layoffs in the first COVID-19 lockdown and its collective courses in
the second. The history ends on ``end`` (``eduplan demo``: the day it runs), and the companies mostly
meet their targets, with a few departments behind.

The feed is a stream: every tenant keeps only its own current state (active employees, open bookings
and the actions planned for them), so memory does not grow with the number of messages or years.
The same arguments always give the same feed (one ``random.Random`` per tenant, seeded from ``seed``
and the tenant name; no clock).

Real HR feeds are not clean. With ``faults=True`` about 1.5 % of the items are deliberately bad:
re-sent duplicates (the same message again, same ``message_id`` and content), a message naming an
unknown employee, a booking completed twice, an annual wheel missing a month, a booking that ends
before it starts, a misspelled type, and now and then a line that is not a JSON object at all. Such a
garbage line is yielded as a ``str`` (the raw line, to be written as it is); every other item is a
``dict`` ready for ``json.dumps``. Deliberately bad messages other than duplicates carry message ids
from their own range, ``{tenant}-f000001`` …, so the valid items are exactly the feed that
``faults=False`` gives, and only the deliberate faults are ever rejected.

Course numbers are AMU-style five-digit codes chosen to look like the real catalogue; they are
illustrative, not a copy of it.
"""

from __future__ import annotations

import argparse
import copy
import heapq
import json
import math
import os
import random
import sys
from bisect import insort
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import IO, Any

from domain.messages import TENANT_PATTERN

__all__ = ["CASES", "DEMO_START", "CaseProfile", "Department", "generate", "trial_namespace", "write_jsonl"]

UNSKILLED, SKILLED, PROFESSIONAL, MANAGER = "unskilled", "skilled", "professional", "manager"
FAMILIES = (UNSKILLED, SKILLED, PROFESSIONAL, MANAGER)
SEASON = {"b": "busy", "n": "normal", "l": "low"}

DEMO_START = date(2023, 11, 20)
"""The first day of ``eduplan demo``'s history, whatever day it runs: fixed, so a run on a later day extends
the history of an earlier one (see ``generate``'s ``start``); the history grows with the calendar."""

FAULT_SHARE = 0.015
"""The share of all items that are deliberately bad (duplicates included)."""

_ONBOARD_BATCH = 100


# ---------------------------------------------------------------------------------------------------
# The cases


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    weight: float
    families: tuple[float, float, float, float]
    """Relative weights of unskilled, skilled, professional and manager (team leads) among its staff."""


@dataclass(frozen=True)
class CaseProfile:
    """One company of the report as a demo tenant: its size, organisation and habits."""

    tenant: str
    display_name: str
    employees: int
    catalog: tuple[str, ...]
    """Course catalogues it draws from (keys of the course catalogue), besides the common one."""
    departments: tuple[Department, ...]
    formality: str
    vision: str
    cycle_start_month: int | None
    completion_target: float | None
    mus_months: tuple[int, ...]
    """The window of the yearly development talks, in order (may wrap past December)."""
    wheel_kind: str
    wheel: str
    """The company wheel, January to December: b = busy, n = normal, l = low."""
    agreement_months: tuple[int, ...] = ()
    """The only months agreements are made in (empty = any month): a need raised outside them is agreed
    in the next such window."""
    department_wheels: tuple[tuple[str, str], ...] = ()
    lagging: tuple[str, ...] = ()
    """Departments that fall behind on their agreements (more courses land after the deadline); the
    report's firms succeed, and a few departments lagging make the per-department follow-up worth it."""
    blocked_months: tuple[int, ...] = ()
    """Months with no course starts at all (summer season, school holiday, the busy quarter)."""
    season_weights: tuple[float, float, float] = (0.1, 1.0, 3.0)
    """How strongly course starts are drawn to busy, normal and low months."""
    focus_areas: bool = False
    crisis: bool = False
    """A lockdown-like slow period that the company turns into training for (flexible wheel)."""
    crisis_start: tuple[int, int] | None = None
    """(year, month) the slow period starts, when the history reaches it; otherwise the slow period comes
    about 40 % into the history, in months that are normally not quiet."""
    layoff_start: tuple[int, int] | None = None
    """(year, month) of a lockdown the company met by laying off part of its staff, hired again months later."""
    history_from: date | None = None
    """The report's story starts by this date: the default cases' history reaches back at least to it."""
    committee_months: tuple[int, ...] = ()
    committee_reps: tuple[int, int] = (2, 2)
    committee_gaps: int = 1
    consultant_month: int | None = None
    ambassadors: tuple[tuple[str, str], ...] = ()
    ambassador_push: float = 0.0
    """Monthly chance per unskilled employee that the ambassador raises an education need."""
    review_rate: float = 0.94
    education_item_rate: float = 0.85
    agreement_rate: float = 0.86
    second_agreement_rate: float = 0.12
    gap_rate: float = 0.5
    buddy_rate: float = 0.5
    substitute_busy_rate: float = 0.6
    substitute_other_rate: float = 0.0
    knowledge_rate: float = 0.4
    knowledge_formats: tuple[tuple[str, float], ...] = (("peer", 2.0), ("department_meeting", 1.0))
    followup_rate: float = 0.35
    leave_rate: float = 0.1
    offset: str = "Z"


def _d(key: str, name: str, weight: float, u: float, s: float, p: float, m: float) -> Department:
    return Department(key, name, weight, (u, s, p, m))


# Each profile fact cites the report the cases come from (the seed text
# systematisk-uddannelsesplanlaegning-smv.txt) by section and a quote. For all of them, §6.2: "kun ganske få
# SMV'er" hire substitutes — the public ones that cannot leave the floor empty do (the school, the day care,
# the public organisation); the private firms plan around their busy months and only rarely hire one.
# Not from the report: the ``lagging`` departments, a few that fall behind so the per-department follow-up
# has something to find.
CASES: tuple[CaseProfile, ...] = (
    # Træ & Busk — seed box after §6.4 "TRÆ & BUSK: MAKKER-ORDNING …": "en medarbejderstab på 11-15 fastansatte",
    # everyone on courses "mellem to til fem uger per år", "næsten altid sende makkerparrene afsted sammen";
    # §5.1 "Sæsonbetonet årshjul": "nu her i sommerperioden, hvor der er travlt, der har vi ikke mulighed
    # for at sende folk afsted" (Direktør, bygge- og anlægsbranchen, 11 ansatte), courses in winter.
    # Under 100 employees: no education committee (§5.2 "blandt SMV'er med færre end 100 ansatte, ikke er
    # nedsat noget uddannelsesudvalg").
    CaseProfile(
        tenant="trae-og-busk", display_name="Træ & Busk", employees=13, catalog=("garden",),
        departments=(
            _d("anlaeg", "Anlæg", 1.0, 5, 6, 0.3, 0),
            _d("pleje", "Pleje og vedligehold", 0.8, 6, 4, 0, 0),
        ),
        formality="informal",
        vision="Alle kommer på kursus to til fem uger om året i vintersæsonen, altid med en makker.",
        cycle_start_month=11, completion_target=None, mus_months=(11, 12),
        wheel_kind="seasonal", wheel="llnbbbbbbnll", blocked_months=(5, 6, 7, 8),
        season_weights=(0.0, 1.0, 5.0),
        review_rate=0.98, education_item_rate=0.97, agreement_rate=0.95, second_agreement_rate=0.7,
        buddy_rate=0.97, substitute_busy_rate=0.0, knowledge_rate=0.45,
        knowledge_formats=(("peer", 3.0), ("department_meeting", 1.0)),
        followup_rate=0.5, leave_rate=0.08, offset="+01:00",
    ),
    # BITZER Electronics — seed §6.2 box "BITZER ELECTRONICS: LEDELSESMÆSSIG INCITAMENT …": "ansat 125
    # medarbejdere"; "I løbet af foråret har afdelingslederne tre måneder til at afholde samtaler og lægge
    # planer" and then "skrive ind i et system, hvilke kurser" (the agreements: made in the spring window
    # only); "85 % af de aftaler, der bliver lavet i løbet af foråret, de skal være gennemført når vi rammer
    # foråret igen" (cycle from March, target 0.85), checked per department in the leadership group.
    # §4.4: refrigeration split into five levels ("inddelt i fem niveauer", Leder, industrivirksomhed,
    # 129 ansatte). §5.2: the committee firms have about 100 employees and more, meet "fire gange om året",
    # with equal numbers and a shop steward among the employee reps.
    CaseProfile(
        tenant="bitzer", display_name="BITZER Electronics", employees=125, catalog=("electronics",),
        departments=(
            _d("rd", "Udvikling (R&D)", 0.3, 0, 1, 8, 0.4),
            _d("production", "Produktion", 0.4, 3, 6, 1, 0.3),
            _d("sales", "Salg og marketing", 0.15, 0, 1, 6, 0.3),
            _d("admin", "Administration og HR", 0.15, 0.5, 2, 4, 0.2),
        ),
        formality="formal",
        vision="85 % af de udviklingsaftaler, der indgås i foråret, er gennemført, når vi rammer foråret igen.",
        cycle_start_month=3, completion_target=0.85, mus_months=(3, 4, 5), agreement_months=(3, 4, 5),
        wheel_kind="fixed", wheel="llnnnnlnnnbb", blocked_months=(7,), season_weights=(0.1, 1.0, 2.5),
        committee_months=(2, 5, 9, 11), committee_reps=(2, 2), consultant_month=10, lagging=("sales",),
        ambassadors=(("shop_steward", "production"),),
        education_item_rate=0.88, agreement_rate=0.9, buddy_rate=0.5, substitute_busy_rate=0.15,
        knowledge_rate=0.5, knowledge_formats=(("department_meeting", 3.0), ("peer", 2.0)),
        leave_rate=0.1, offset="Z",
    ),
    # THEM Andelsmejeri — seed §4.3 box "THEM: AFDÆKNING AF KOMPETENCEBEHOV …": needs "kortlagt fire gange
    # om året af uddannelsesudvalget, som består af fire repræsentanter; to fra ledelsen, en
    # tillidsrepræsentant og en uddannelsesrepræsentant". §5.2: the two firms with a committee are "begge
    # med omkring 100 ansatte" (its employee rep quoted as "industrivirksomhed, 101 ansatte"), so the dairy
    # has about 100 employees.
    CaseProfile(
        tenant="them", display_name="THEM Andelsmejeri", employees=101, catalog=("dairy",),
        departments=(
            _d("mejeri", "Mejeri og produktion", 0.55, 6, 4, 0.3, 0.2),
            _d("lager", "Lager og logistik", 0.15, 5, 2, 0, 0.1),
            _d("teknik", "Teknik og vedligehold", 0.15, 0.5, 5, 1, 0.1),
            _d("lab", "Laboratorium og kvalitet", 0.1, 0, 2, 4, 0),
            _d("admin", "Administration", 0.05, 0.5, 1, 3, 0),
        ),
        formality="informal",
        vision="Vi afdækker kompetencebehov fra alle vinkler, og uddannelsesudvalget vælger kurserne.",
        cycle_start_month=1, completion_target=None, mus_months=(1, 2),
        wheel_kind="seasonal", wheel="llnnbbnnllnb", season_weights=(0.1, 1.0, 3.0),
        committee_months=(2, 5, 9, 11), committee_reps=(2, 2), committee_gaps=4, consultant_month=9,
        ambassadors=(("shop_steward", "mejeri"), ("education_ambassador", "lager")),
        education_item_rate=0.84, agreement_rate=0.85, buddy_rate=0.6, substitute_busy_rate=0.15,
        knowledge_rate=0.35, leave_rate=0.09, offset="+01:00",
    ),
    # Vivabolig — seed §4.2 box "VIVABOLIG: EN EFTERUDDANNELSESSTRATEGI …": "96 ansatte", a written
    # strategy, the "strategihus" ("positive og engagerede medarbejdere", "vi altid kan forbedre os"), that
    # "ikke behøver at indeholde specifikke mål for tidspunkter og kurser" (no target of its own).
    # Under 100 employees: no committee (§5.2).
    CaseProfile(
        tenant="vivabolig", display_name="Vivabolig", employees=96, catalog=("housing",),
        departments=(
            _d("ejendomsservice", "Ejendomsservice", 0.45, 2, 6, 0.5, 0.2),
            _d("udlejning", "Udlejning og beboerservice", 0.15, 0, 1, 4, 0.1),
            _d("byggeri", "Byggeri og projekter", 0.12, 0, 1, 4, 0.1),
            _d("oekonomi", "Økonomi og administration", 0.15, 0, 1, 4, 0.1),
            _d("boligsocial", "Boligsocial indsats", 0.1, 0, 0.5, 3, 0),
        ),
        formality="formal",
        vision="Strategihuset: positive og engagerede medarbejdere er fundamentet, og vi kan altid "
               "forbedre os.",
        cycle_start_month=1, completion_target=None, mus_months=(2, 3, 4),
        wheel_kind="fixed", wheel="bnnnlbbnnllb", season_weights=(0.15, 1.0, 2.5), lagging=("byggeri",),
        ambassadors=(("shop_steward", "ejendomsservice"), ("education_ambassador", "udlejning")),
        education_item_rate=0.9, agreement_rate=0.88, buddy_rate=0.4, substitute_busy_rate=0.15,
        knowledge_rate=0.5,
        knowledge_formats=(("department_meeting", 2.0), ("peer", 2.0), ("board_meeting", 0.5)),
        followup_rate=0.4, leave_rate=0.08, offset="Z",
    ),
    # Universe Science Park — seed §5.1 box "UNIVERSE SCIENCE PARK: INDIVIDUELLE ÅRSHJUL …": "41
    # fastansatte"; "et individuelt årshjul for hver afdeling": marketing "har travlt lige omkring starten
    # og afslutningen på højsæsonen" and goes "i parkens højsæson", the gardeners "i vinterhalvåret", the
    # technical department is busy "under højsæsonen"; "Ved at have individuelle årshjul undgår
    # virksomheden at hyre vikarer ind" (no substitutes). Under 100 employees: no committee (§5.2).
    CaseProfile(
        tenant="universe", display_name="Universe Science Park", employees=41, catalog=("park", "garden"),
        departments=(
            _d("gartnere", "Gartnere", 0.2, 3, 4, 0, 0.2),
            _d("teknik", "Teknisk afdeling", 0.2, 1, 5, 1, 0.2),
            _d("marketing", "Marketing og kommunikation", 0.15, 0, 0.5, 4, 0.2),
            _d("formidling", "Formidling og oplevelser", 0.3, 4, 2, 3, 0.2),
            _d("admin", "Administration", 0.15, 0.5, 1, 3, 0.1),
        ),
        formality="informal",
        vision="Vi udvikler medarbejdere fra ufaglært til leder gennem løbende opkvalificering.",
        cycle_start_month=10, completion_target=None, mus_months=(10, 11),
        wheel_kind="departmental", wheel="llnnnbbbnnll",
        department_wheels=(
            ("gartnere", "llnbbbbbbnll"),
            ("teknik", "llnnbbbbnnll"),
            ("marketing", "nnbbnlllbbnn"),
            ("formidling", "nnnbbbbbnnnl"),
        ),
        season_weights=(0.05, 1.0, 3.0),
        ambassadors=(("education_ambassador", "formidling"),),
        buddy_rate=0.6, substitute_busy_rate=0.0, substitute_other_rate=0.0, knowledge_rate=0.45,
        leave_rate=0.12, offset="+01:00",
    ),
    # Grøndalen — seed §4.5 box "Grøndalen: Et stærkt samspil mellem tillidsrepræsentanten og ledelsen":
    # an integrated day care whose shop steward pushes for the unskilled helpers ("lykkes særligt godt med
    # at uddanne flere af deres pædagogiske medhjælpere"). §2.3 and §6.2: day care has no high and low
    # season ("de ikke har en høj og lavsæson … som i fx daginstitutioner"), so it uses substitutes
    # (afløserkorps) instead; the wheel is all normal months, with no invented busy ones. Under 100
    # employees: no committee (§5.2).
    CaseProfile(
        tenant="grondalen", display_name="Grøndalen", employees=35, catalog=("daycare",),
        departments=(
            _d("vuggestue", "Vuggestue", 0.45, 5, 0.5, 4, 0),
            _d("boernehave", "Børnehave", 0.45, 4, 0.5, 5, 0),
            _d("koekken", "Køkken", 0.1, 2, 1, 0, 0),
        ),
        formality="informal",
        vision="Veluddannet personale: alle pædagogiske medhjælpere får tilbudt et kompetenceløft.",
        cycle_start_month=8, completion_target=None, mus_months=(9, 10),
        wheel_kind="fixed", wheel="nnnnnnnnnnnn", season_weights=(1.0, 1.0, 1.0),
        ambassadors=(("shop_steward", "vuggestue"),), ambassador_push=0.03,
        buddy_rate=0.8, substitute_busy_rate=0.97, substitute_other_rate=0.9,
        knowledge_rate=0.55, knowledge_formats=(("department_meeting", 3.0), ("peer", 2.0)),
        followup_rate=0.45, leave_rate=0.13, offset="Z",
    ),
    # Birkerød Skole — seed §7.1 box "BIRKERØD SKOLE: MANDAGSMØDER OG OPFØLGNING I PRAKSIS": everyone who
    # took a course presents it "systematisk på de ugentlige mandagsmøder", and the leaders follow up in
    # practice. §6.2: schools need substitutes ("der er behov for alle medarbejderne på gulvet"). Under
    # 100 employees: no committee (§5.2).
    CaseProfile(
        tenant="birkerod-skole", display_name="Birkerød Skole", employees=60, catalog=("school",),
        departments=(
            _d("indskoling", "Indskoling", 0.25, 0.2, 0, 5, 0),
            _d("mellemtrin", "Mellemtrin", 0.25, 0, 0, 5, 0),
            _d("udskoling", "Udskoling", 0.25, 0, 0, 5, 0),
            _d("sfo", "SFO", 0.2, 3, 1, 2, 0),
            _d("admin", "Ledelse og administration", 0.05, 0, 1, 1, 0.5),
        ),
        formality="formal",
        vision="Vi lærer af hinanden: det, du har lært på kursus, deler du på mandagsmødet.",
        cycle_start_month=8, completion_target=0.85, mus_months=(9, 10),
        wheel_kind="fixed", wheel="nnnnnblbnnnb", blocked_months=(7,), season_weights=(0.15, 1.0, 1.0),
        ambassadors=(("shop_steward", "mellemtrin"),),
        buddy_rate=0.4, substitute_busy_rate=0.95, substitute_other_rate=0.7,
        knowledge_rate=0.96, knowledge_formats=(("board_meeting", 9.0), ("peer", 1.0)),
        followup_rate=0.9, leave_rate=0.08, offset="+01:00",
    ),
    # The transport company — seed §5.1 "Det fleksible årshjul": "særligt hårdt ramt under COVID-19 og
    # nedlukningerne" (HR-chef, transportbranchen, 130 ansatte); before the second lockdown (winter
    # 2020/21) "De lykkedes med at planlægge fælles kurser for alle virksomhedens ansatte, samt en række
    # online-kurser for forskellige faggrupper", after "under første nedlukning var nødsaget til at opsige
    # en række af deres medarbejdere" (spring 2020). Its history therefore reaches back to early 2020. The
    # report names no committee there (§5.2: only two firms have one).
    CaseProfile(
        tenant="transport", display_name="Transportvirksomheden", employees=130, catalog=("transport",),
        departments=(
            _d("chauffoerer", "Chauffører", 0.6, 3, 6, 0, 0.2),
            _d("vaerksted", "Værksted", 0.15, 1, 5, 0, 0.1),
            _d("planlaegning", "Trafikplanlægning", 0.1, 0, 1, 4, 0.1),
            _d("kundeservice", "Kundeservice", 0.1, 2, 2, 1, 0.1),
            _d("admin", "Administration og HR", 0.05, 0, 1, 3, 0.1),
        ),
        formality="informal",
        vision="Vi bruger de stille perioder til at uddanne og fastholde vores medarbejdere.",
        cycle_start_month=9, completion_target=None, mus_months=(9, 10),
        wheel_kind="flexible", wheel="llnnnbbbnnnb", crisis=True, crisis_start=(2020, 12),
        layoff_start=(2020, 3), history_from=date(2020, 2, 3), season_weights=(0.1, 1.0, 3.0),
        ambassadors=(("shop_steward", "chauffoerer"),),
        education_item_rate=0.8, agreement_rate=0.82, buddy_rate=0.5, substitute_busy_rate=0.15,
        knowledge_rate=0.3, knowledge_formats=(("peer", 3.0), ("department_meeting", 1.0)),
        leave_rate=0.14, offset="Z",
    ),
    # The public organisation — seed §5.1 "Fast årshjul": "offentlig organisation, 90 ansatte"; "tre
    # fokusområder", "et kvartal til at arbejde målrettet med hvert fokusområde"; busy "op til sommerferien,
    # samt i perioden efter sommer, hvorfor dette kvartal ikke er inkluderet i årshjulet". §4.2: the
    # department managers own the clarification. Under 100 employees: no committee (§5.2).
    CaseProfile(
        tenant="public-org", display_name="Offentlig organisation", employees=90, catalog=("public",),
        departments=(
            _d("borgerservice", "Borgerservice", 0.25, 0.5, 2, 4, 0.2),
            _d("sagsbehandling", "Sagsbehandling", 0.35, 0, 0.5, 6, 0.2),
            _d("it", "IT og digitalisering", 0.12, 0, 1, 4, 0.1),
            _d("oekonomi", "Økonomi", 0.13, 0, 1, 4, 0.1),
            _d("stab", "Direktion og stab", 0.15, 0, 1, 3, 0.3),
        ),
        formality="formal",
        vision="Tre fokusområder om året, et kvartal til hvert, og læringen gives videre i organisationen.",
        cycle_start_month=1, completion_target=0.85, mus_months=(1, 2),
        wheel_kind="fixed", wheel="nnnnnnbbbnnn", blocked_months=(7, 8, 9), focus_areas=True,
        season_weights=(0.0, 1.0, 1.0), lagging=("it",),
        ambassadors=(("shop_steward", "sagsbehandling"), ("education_ambassador", "borgerservice")),
        education_item_rate=0.86, agreement_rate=0.86, buddy_rate=0.4, substitute_busy_rate=0.5,
        knowledge_rate=0.75, knowledge_formats=(("department_meeting", 3.0), ("peer", 2.0)),
        followup_rate=0.5, leave_rate=0.09, offset="+01:00",
    ),
)


# ---------------------------------------------------------------------------------------------------
# Courses


@dataclass(frozen=True)
class _Course:
    title: str
    kind: str
    hours: float
    competence: str | None
    level: int | None
    code: str | None
    families: str
    """Letters of the job families it suits (u, s, p, m); empty = everyone."""
    departments: tuple[str, ...]
    """Departments it is meant for; empty = any."""


def _c(title: str, kind: str, hours: float, competence: str | None, level: int | None,
       code: str | None = None, families: str = "", departments: tuple[str, ...] = ()) -> _Course:
    return _Course(title, kind, hours, competence, level, code, families, departments)


_COURSES: dict[str, tuple[_Course, ...]] = {
    "common": (
        _c("Førstehjælp på arbejdspladsen", "amu", 7.4, "Førstehjælp", 2, "40116"),
        _c("Arbejdsmiljø for arbejdsmiljørepræsentanter", "amu", 22.2, "Arbejdsmiljø", 3, "40978", "usp"),
        _c("Konflikthåndtering i hverdagen", "amu", 14.8, "Kommunikation", 2, "44921"),
        _c("Excel, grundlæggende", "amu", 14.8, "IT", 2, "47595", "usp"),
        _c("FVU-læsning, trin 2", "vocational", 37.0, "Dansk", 2, None, "u"),
        _c("Dansk som andetsprog på arbejdspladsen", "amu", 37.0, "Dansk", 3, "47818", "u"),
        _c("Diplommodul: Ledelse af medarbejdere", "higher", 74.0, "Ledelse", 4, None, "m"),
        _c("Coaching som ledelsesværktøj", "private", 14.8, "Ledelse", 3, None, "m"),
        _c("GDPR i praksis", "private", 7.4, "Databeskyttelse", 2, None, "pm"),
    ),
    "garden": (
        _c("Beskæring af træer og buske", "amu", 37.0, "Beskæring", 2, "45336", "us",
           ("anlaeg", "pleje", "gartnere")),
        _c("Belægningsarbejde med fliser og natursten", "amu", 37.0, "Belægning", 3, "45786", "us",
           ("anlaeg", "gartnere")),
        _c("Gravemaskine, betjening og sikkerhed", "amu", 74.0, "Maskinføring", 3, "44874", "us",
           ("anlaeg", "gartnere")),
        _c("Motorsav, grundlæggende fældning", "amu", 37.0, "Motorsav", 2, "45340", "us",
           ("anlaeg", "pleje", "gartnere")),
        _c("Anlæg af regnbede og LAR-løsninger", "amu", 22.2, "Klimatilpasning", 3, "48420", "usp",
           ("anlaeg", "gartnere")),
        _c("Naturpleje og biodiversitet", "amu", 14.8, "Grøn pleje", 2, "48115", "us",
           ("pleje", "gartnere")),
        _c("Plantekendskab, stauder og buske", "amu", 37.0, "Plantekendskab", 2, "45315", "us",
           ("anlaeg", "pleje", "gartnere")),
        _c("Vejen som arbejdsplads", "amu", 14.8, "Sikkerhed", 2, "47250", "us", ("anlaeg", "pleje")),
        _c("Arbejdsledelse for anlægsgartnere", "vocational", 74.0, "Arbejdsledelse", 4, None, "sm",
           ("anlaeg", "pleje", "gartnere")),
        _c("Pleje af grønne områder med robotplæneklippere", "private", 7.4, "Grøn pleje", 3, None, "us",
           ("pleje", "gartnere")),
    ),
    "electronics": (
        _c("Køleteknik 1: Grundlæggende kølekredse", "amu", 37.0, "Køleteknik", 1, "48745", "usp",
           ("production", "rd", "sales")),
        _c("Køleteknik 2: Regulering og styring", "amu", 37.0, "Køleteknik", 2, "48746", "usp",
           ("production", "rd", "sales")),
        _c("Køleteknik 3: CO2-anlæg", "amu", 37.0, "Køleteknik", 3, "48747", "sp", ("production", "rd")),
        _c("Køleteknik 4: Fejlfinding på elektroniske styringer", "vocational", 37.0, "Køleteknik", 4,
           None, "sp", ("production", "rd")),
        _c("Køleteknik 5: Energioptimering af køleanlæg", "private", 22.2, "Køleteknik", 5, None, "p",
           ("rd",)),
        _c("PLC-programmering, grundlæggende", "amu", 37.0, "Automation", 2, "44345", "sp",
           ("production", "rd")),
        _c("Lodning efter IPC-A-610", "private", 22.2, "Montage", 3, None, "us", ("production",)),
        _c("Lean i produktionen", "amu", 14.8, "Lean", 2, "40045", "usm", ("production",)),
        _c("Gaffeltruck, certifikat B", "amu", 37.0, "Truck", 2, "47592", "us", ("production",)),
        _c("Embedded C til mikrocontrollere", "private", 22.2, "Embedded software", 3, None, "p", ("rd",)),
        _c("Akademimodul: Projektledelse", "higher", 74.0, "Projektledelse", 3, None, "pm",
           ("rd", "sales", "admin")),
        _c("Salg og forhandling B2B", "private", 14.8, "Salg", 3, None, "pm", ("sales",)),
        _c("Teknisk engelsk", "vocational", 37.0, "Engelsk", 2, None, "usp"),
        _c("Økonomistyring for ikke-økonomer", "private", 14.8, "Økonomistyring", 2, None, "pm",
           ("admin", "sales")),
    ),
    "dairy": (
        _c("Hygiejne i fødevareproduktion", "amu", 14.8, "Hygiejne", 2, "45871", "us",
           ("mejeri", "lager", "lab")),
        _c("Rengøring og desinfektion af procesanlæg (CIP)", "amu", 22.2, "Rengøring", 3, "45918", "us",
           ("mejeri", "teknik")),
        _c("Mejeriteknik: ostefremstilling", "vocational", 74.0, "Mejeriteknik", 3, None, "us",
           ("mejeri",)),
        _c("Procesoperatør: pumper og ventiler", "amu", 37.0, "Procesteknik", 3, "44532", "us",
           ("mejeri", "teknik")),
        _c("Fødevaresikkerhed og egenkontrol (HACCP)", "amu", 14.8, "Fødevaresikkerhed", 3, "45895",
           "usp", ("mejeri", "lab", "lager")),
        _c("Gaffeltruck, certifikat B", "amu", 37.0, "Truck", 2, "47592", "us", ("lager", "mejeri")),
        _c("Vedligehold af pneumatiske anlæg", "amu", 37.0, "Vedligehold", 3, "44811", "s", ("teknik",)),
        _c("Laboratorieteknik: mikrobiologi", "vocational", 37.0, "Laboratorie", 3, None, "sp", ("lab",)),
        _c("Teamledelse i produktionen", "amu", 22.2, "Ledelse", 2, "40150", "sm", ("mejeri", "lager")),
        _c("Lagerstyring og logistik", "amu", 22.2, "Logistik", 2, "47340", "us", ("lager",)),
    ),
    "housing": (
        _c("Ejendomsservice: grøn drift af udearealer", "amu", 22.2, "Ejendomsdrift", 2, "48106", "us",
           ("ejendomsservice",)),
        _c("Energioptimering i boligbyggeri", "amu", 37.0, "Energi", 3, "48233", "sp",
           ("ejendomsservice", "byggeri")),
        _c("Beboerkontakt og kommunikation", "amu", 14.8, "Beboerkontakt", 2, "45270", "usp",
           ("ejendomsservice", "udlejning", "boligsocial")),
        _c("Vedligehold af tekniske installationer", "amu", 37.0, "Teknik", 3, "48231", "s",
           ("ejendomsservice",)),
        _c("Akademimodul: Ejendomsadministration", "higher", 74.0, "Ejendomsadministration", 3, None,
           "p", ("udlejning", "oekonomi")),
        _c("Lejeloven i praksis", "private", 14.8, "Boligjura", 3, None, "p", ("udlejning", "boligsocial")),
        _c("Byggeledelse og tilsyn", "higher", 74.0, "Byggeledelse", 4, None, "p", ("byggeri",)),
        _c("Boligsocialt arbejde med udsatte beboere", "higher", 37.0, "Boligsocialt arbejde", 3, None,
           "p", ("boligsocial",)),
        _c("Regnskab og budget i almene boligafdelinger", "private", 22.2, "Økonomistyring", 3, None,
           "p", ("oekonomi",)),
    ),
    "park": (
        _c("Formidling af naturvidenskab for børn og unge", "private", 14.8, "Formidling", 3, None, "usp",
           ("formidling",)),
        _c("Digital markedsføring og sociale medier", "amu", 22.2, "Markedsføring", 2, "40934", "sp",
           ("marketing",)),
        _c("Elsikkerhed ved drift af udstillinger", "amu", 22.2, "Elsikkerhed", 3, "48602", "s",
           ("teknik",)),
        _c("Service og gæsteoplevelse", "amu", 14.8, "Service", 2, "46841", "us", ("formidling", "admin")),
        _c("Akademimodul: Oplevelsesøkonomi", "higher", 74.0, "Oplevelsesøkonomi", 3, None, "pm",
           ("marketing", "formidling", "admin")),
        _c("Vedligehold af interaktive installationer", "vocational", 37.0, "Teknik", 3, None, "s",
           ("teknik",)),
    ),
    "daycare": (
        _c("Pædagogisk assistent, grundforløb (modul)", "vocational", 74.0, "Pædagogik", 2, None, "u"),
        _c("Pædagogisk arbejde med sprogstimulering", "amu", 37.0, "Sprog", 3, "42848", "usp"),
        _c("Børns leg og udvikling", "amu", 37.0, "Pædagogik", 2, "44770", "us"),
        _c("Førstehjælp til små børn", "amu", 7.4, "Førstehjælp", 2, "40131"),
        _c("Inkluderende børnefællesskaber", "amu", 22.2, "Inklusion", 3, "48710", "usp"),
        _c("Diplommodul: Dagtilbudspædagogik", "higher", 74.0, "Pædagogik", 4, None, "p"),
        _c("Samarbejde med forældre", "amu", 14.8, "Forældresamarbejde", 2, "45880", "usp"),
        _c("Mad og måltider i daginstitutionen", "amu", 22.2, "Køkken", 2, "45925", "us", ("koekken",)),
    ),
    "school": (
        _c("Diplommodul: Læsevejledning", "higher", 74.0, "Læsning", 4, None, "p",
           ("indskoling", "mellemtrin")),
        _c("Klasseledelse i praksis", "private", 14.8, "Klasseledelse", 3, None, "pm"),
        _c("Matematikvejleder (modul)", "higher", 74.0, "Matematik", 4, None, "p",
           ("mellemtrin", "udskoling")),
        _c("Teknologiforståelse i undervisningen", "private", 14.8, "Teknologiforståelse", 2, None, "p"),
        _c("Inkluderende læringsmiljøer", "higher", 37.0, "Inklusion", 3, None, "p"),
        _c("Pædagogisk arbejde i SFO", "amu", 22.2, "Pædagogik", 2, "44770", "us", ("sfo",)),
        _c("Engelsk i indskolingen", "private", 7.4, "Engelsk", 3, None, "p", ("indskoling",)),
        _c("Førstehjælp for skolepersonale", "amu", 7.4, "Førstehjælp", 2, "40116"),
        _c("Vejledning i uddannelsesvalg", "higher", 37.0, "Vejledning", 3, None, "p", ("udskoling",)),
    ),
    "transport": (
        _c("Efteruddannelse for buschauffører", "amu", 37.0, "Erhvervskørsel", 3, "47814", "us",
           ("chauffoerer",)),
        _c("Miljørigtig kørsel", "amu", 7.4, "Miljørigtig kørsel", 2, "47596", "us", ("chauffoerer",)),
        _c("Konfliktforebyggelse i kollektiv trafik", "amu", 14.8, "Konflikthåndtering", 2, "47847",
           "us", ("chauffoerer", "kundeservice")),
        _c("Kundeservice i passagertransport", "amu", 14.8, "Kundeservice", 2, "47842", "usp",
           ("chauffoerer", "kundeservice")),
        _c("Farligt gods (ADR), grundkursus", "amu", 29.6, "ADR", 3, "47609", "s", ("chauffoerer",)),
        _c("Fejlfinding på hybridbusser", "vocational", 37.0, "Køretøjsteknik", 4, None, "s",
           ("vaerksted",)),
        _c("Trafikplanlægning og køreplaner", "private", 22.2, "Trafikplanlægning", 3, None, "p",
           ("planlaegning",)),
    ),
    "public": (
        _c("Forvaltningsret for sagsbehandlere", "higher", 37.0, "Forvaltningsret", 3, None, "p",
           ("sagsbehandling", "borgerservice")),
        _c("Digital sagsbehandling og selvbetjening", "private", 14.8, "Digitalisering", 2, None, "sp"),
        _c("Borgerkontakt og svære samtaler", "amu", 14.8, "Borgerkontakt", 3, "46811", "usp",
           ("borgerservice", "sagsbehandling")),
        _c("Diplommodul: Offentlig forvaltning", "higher", 74.0, "Offentlig forvaltning", 4, None, "pm"),
        _c("Projektstyring i offentlige organisationer", "private", 22.2, "Projektledelse", 3, None, "pm",
           ("it", "stab")),
        _c("Økonomistyring i det offentlige", "higher", 37.0, "Økonomistyring", 3, None, "p",
           ("oekonomi", "stab")),
        _c("Informationssikkerhed og GDPR", "internal", 7.4, "Databeskyttelse", 2, None, ""),
    ),
}

_INTRO = _c("Introduktion til arbejdspladsen og sikkerhed", "internal", 7.4, None, None)
_CRISIS_COURSES = (  # the first one is the common course day for everyone, the others online courses
    _c("Førstehjælp, fælles kursusdag", "amu", 7.4, "Førstehjælp", 2, "40116"),
    _c("Kundeservice i passagertransport (online)", "amu", 14.8, "Kundeservice", 2, "47842"),
    _c("Miljørigtig kørsel (online)", "amu", 7.4, "Miljørigtig kørsel", 2, "47596"),
    _c("Konfliktforebyggelse i kollektiv trafik (online)", "amu", 14.8, "Konflikthåndtering", 2, "47847"),
    _c("Digitale værktøjer i hverdagen (online)", "private", 7.4, "IT", 2),
)

_PROVIDERS = {
    "amu": ("AMU Syd", "AMU Nordjylland", "AMU Fyn", "AMU Vest", "TEC", "Hansenberg", "EUC Sjælland"),
    "vocational": ("EUC Syd", "Mercantec", "Syddansk Erhvervsskole", "Roskilde Tekniske Skole"),
    "higher": ("Erhvervsakademi Aarhus", "UCL Erhvervsakademi og Professionshøjskole",
               "Københavns Professionshøjskole", "VIA University College", "Professionshøjskolen Absalon"),
    "private": ("Teknologisk Institut", "Mannaz", "Kursuscenter Nord", "Lederne Kurser", "Djøf Kurser"),
}


# ---------------------------------------------------------------------------------------------------
# Words


_FIRST_NAMES = (
    "Anne", "Mette", "Hanne", "Susanne", "Lene", "Marianne", "Camilla", "Louise", "Charlotte", "Maria",
    "Pia", "Tina", "Helle", "Kirsten", "Sofie", "Ida", "Emma", "Freja", "Julie", "Laura", "Signe", "Karen",
    "Birgitte", "Rikke", "Trine", "Maja", "Nanna", "Cecilie", "Line", "Åse", "Jens", "Peter", "Lars",
    "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Anders", "Martin", "Morten", "Rasmus",
    "Jesper", "Christian", "Mads", "Frederik", "Mikkel", "Kasper", "Jonas", "Bo", "Torben", "Kim", "Ole",
    "Bjørn", "Jørgen", "Poul", "Erik", "Klaus", "Emil", "Oliver", "Mathias", "Nikolaj", "Ahmed", "Fatima",
    "Ayşe", "Piotr", "Agnieszka",
)
_LAST_NAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen", "Henriksen", "Lund", "Holm", "Schmidt", "Eriksen", "Kristiansen", "Clausen",
    "Simonsen", "Svendsen", "Andreasen", "Iversen", "Østergaard", "Jeppesen", "Vestergaard", "Nissen",
    "Lauridsen", "Kjær", "Dam", "Mølgaard", "Kærgaard", "Bech", "Friis", "Skov", "Yilmaz", "Kowalski",
)
_NOTES = (
    "Ønsker at styrke sine kompetencer inden for {c}.",
    "Aftalt at finde et kursus i {c} i den stille periode.",
    "Vil gerne tage næste niveau i {c}; nærmeste leder undersøger datoer.",
    "Usikker på at tage afsted alene; tager gerne afsted sammen med en kollega.",
    "Har haft et travlt år. Kort snak om trivsel og arbejdsopgaver.",
    "Interesseret i et længere forløb på sigt, i første omgang {c}.",
    "Følger op på sidste års kursus; bruger det nye i hverdagen.",
    "Tillidsrepræsentanten har foreslået et kursus i {c}.",
)
_WITHDRAW_REASONS = (
    "Medarbejderen ønskede et andet kursus",
    "Kurset udbydes ikke længere",
    "Ændrede arbejdsopgaver",
    "Udskudt til næste år efter aftale",
    "Behovet dækkes af intern oplæring",
)
_CANCEL_REASONS = (
    "Kurset blev aflyst af udbyderen",
    "For få tilmeldte",
    "Sygdom",
    "Travlhed i afdelingen",
    "Flyttet til et senere hold",
)
_SUBSTITUTES = (
    "Vikarpuljen", "Vikarbureauet Vikarly", "Fast afløser", "Timelønnet afløser", "Kommunens vikarkorps",
)
_TOPICS = (
    "Status på årets uddannelsesplaner",
    "Kompetencebehov i produktionen",
    "AMU-kurser i lavsæsonen",
    "VEU-godtgørelse og kompetencefonde",
    "Evaluering af gennemførte kurser",
    "Makkerordning for nye medarbejdere",
    "Årshjul for næste år",
    "Ufaglærtes vej til faglært",
    "Opfølgning på udviklingssamtaler",
)
_FOCUS_AREAS = (
    "Digitalisering og selvbetjening",
    "Borgerkontakt og svære samtaler",
    "Arbejdsmiljø og trivsel",
    "Kvalitet i sagsbehandlingen",
    "Projektstyring",
    "Informationssikkerhed",
    "Bæredygtig drift",
    "Ledelse tæt på opgaven",
)
_GARBAGE = (
    "<html><body><h1>502 Bad Gateway</h1></body></html>",
    "medarbejder_id;kursus;startdato;slutdato",
    "null",
    "[]",
    '"CourseBooked"',
    "{'message_id': 'python-repr', 'type': 'CourseBooked'}",
    "ERROR: export aborted after timeout",
)


# ---------------------------------------------------------------------------------------------------
# Dates


@lru_cache(maxsize=8192)
def _iso(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _weekday(ordinal: int) -> int:
    return (ordinal - 1) % 7  # date.fromordinal(1) is a Monday


@lru_cache(maxsize=4096)
def _month_start(year: int, month: int) -> int:
    return date(year, month, 1).toordinal()


@lru_cache(maxsize=4096)
def _month_end(year: int, month: int) -> int:
    return _month_start(year + month // 12, month % 12 + 1) - 1


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


_DAYS_OFF = frozenset({(1, 1), (6, 5), (12, 24), (12, 25), (12, 26), (12, 31)})
"""Fixed-date days off in Denmark (New Year, Constitution Day, Christmas, New Year's Eve)."""


@lru_cache(maxsize=16384)
def _is_workday(ordinal: int) -> bool:
    if _weekday(ordinal) >= 5:
        return False
    day = date.fromordinal(ordinal)
    return (day.month, day.day) not in _DAYS_OFF


def _nearest_workday(ordinal: int, lo: int, hi: int) -> int:
    """The first workday from ``ordinal`` on within [lo, hi], else the last one before it, else itself."""
    for candidate in range(ordinal, hi + 1):
        if _is_workday(candidate):
            return candidate
    for candidate in range(ordinal - 1, lo - 1, -1):
        if _is_workday(candidate):
            return candidate
    return ordinal


def _add_workdays(ordinal: int, days: int) -> int:
    while days > 0:
        ordinal += 1
        if _is_workday(ordinal):
            days -= 1
    return ordinal


def _duration(course: _Course) -> int:
    """Roughly how many calendar days a course lasts from its first to its last day."""
    days = max(1, math.ceil(course.hours / 7.4 - 1e-9))
    if course.kind == "higher" and days > 2:
        return 7 * (days - 1) + 3
    return days - 1 + 2 * ((days - 1) // 5) + 2


def _next_monday(ordinal: int) -> int:
    return ordinal + (7 - _weekday(ordinal)) % 7


# ---------------------------------------------------------------------------------------------------
# The simulation of one tenant


class _Gap:
    __slots__ = ("id", "competence", "target", "closed")

    def __init__(self, gap_id: str, competence: str, target: int) -> None:
        self.id, self.competence, self.target, self.closed = gap_id, competence, target, False


class _Agreement:
    __slots__ = ("id", "course", "due", "gap", "state")

    def __init__(self, agreement_id: str, course: _Course, due: int, gap: _Gap | None) -> None:
        self.id, self.course, self.due, self.gap, self.state = agreement_id, course, due, gap, "open"


class _Booking:
    __slots__ = ("id", "emp", "course", "agreement", "start", "end", "state")

    def __init__(self, booking_id: str, emp: _Emp, course: _Course, agreement: _Agreement | None,
                 start: int, end: int) -> None:
        self.id, self.emp, self.course, self.agreement = booking_id, emp, course, agreement
        self.start, self.end, self.state = start, end, "open"


class _Emp:
    __slots__ = ("id", "dept", "family", "hired", "protected", "active", "levels", "bookings", "leaving")

    def __init__(self, emp_id: str, dept: str, family: str, hired: int) -> None:
        self.id, self.dept, self.family, self.hired = emp_id, dept, family, hired
        self.protected = False
        self.active = True
        self.leaving = False
        self.levels: dict[str, int] = {}
        self.bookings: dict[str, _Booking] = {}


Key = tuple[int, int, int, int, int]


class _Tenant:
    """A discrete-event simulation of one company; ``run()`` yields its valid messages in order."""

    def __init__(self, profile: CaseProfile, tenant: str, index: int, seed: int, size: int,
                 start: int, end: int, history_months: int) -> None:
        self.p = profile
        self.tenant = tenant
        self.index = index
        self.size = size
        self.start, self.end = start, end
        self.rng = random.Random(f"eduplan-demo:{seed}:{tenant}")
        self.actor = f"hr-system:{tenant}"
        self.csm = profile.cycle_start_month or 3
        self.heap: list[tuple[int, int, Callable[..., object], tuple[Any, ...]]] = []
        self.hseq = 0
        self.now = start
        self.out: list[tuple[Key, dict[str, Any]]] = []
        self.seq = 0
        self.day = 0
        self.today = 0
        self.clock = 0
        self.counters = {"E": 0, "AG": 0, "BK": 0, "GAP": 0}
        self.emps: dict[str, _Emp] = {}
        self.members: dict[str, list[str]] = {}
        self.dept_manager: dict[str, str] = {}
        self.director = ""
        self.used: tuple[Department, ...] = ()
        self.wheels: dict[str | None, list[tuple[int, int, str]]] = {}
        self.course_cache: dict[tuple[str, str], list[_Course]] = {}
        self.mus_done: tuple[int, int] | None = None
        self.crisis_done = False
        # The nominal length of the history, not the actual one: what happens up to a day never depends on
        # how far past it the history runs.
        self.history_months = max(1, history_months)

    # -- plumbing ----------------------------------------------------------------------------------

    def at(self, ordinal: int, fn: Callable[..., object], *args: Any) -> None:
        ordinal = max(ordinal, self.now)
        if ordinal > self.end:
            return
        self.hseq += 1
        heapq.heappush(self.heap, (ordinal, self.hseq, fn, args))

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        now = self.now
        if now != self.day:  # working hours, ever later through the day
            self.day = now
            self.today = 0
            self.clock = 7 * 3600 + 45 * 60 + (self.index * 131 + now * 37) % 1800
        else:
            self.today += 1
            step = 120 + (self.seq * 7919) % 840 if self.today < 25 else 15 + (self.seq * 7919) % 46
            self.clock = min(self.clock + step, 16 * 3600 + 59 * 60 + 59)
        self.seq += 1
        c = self.clock
        stamp = f"{_iso(now)}T{c // 3600:02d}:{c // 60 % 60:02d}:{c % 60:02d}{self.p.offset}"
        msg = {
            "message_id": f"{self.tenant}-{self.seq:07d}",
            "tenant": self.tenant,
            "type": kind,
            "occurred_at": stamp,
            "actor": self.actor,
            "data": data,
        }
        self.out.append(((now, c, self.index, self.seq, 0), msg))

    def next_id(self, prefix: str) -> str:
        self.counters[prefix] += 1
        width = 5 if prefix == "E" else 6
        return f"{prefix}{self.counters[prefix]:0{width}d}"

    def run(self) -> Iterator[tuple[Key, dict[str, Any]]]:
        self.at(self.start, self.onboard)
        heap, end, out = self.heap, self.end, self.out
        while heap and heap[0][0] <= end:
            ordinal, _, fn, args = heapq.heappop(heap)
            self.now = ordinal
            fn(*args)
            if out:
                yield from out
                out.clear()

    def workday(self, lo: int, hi: int) -> int:
        lo = max(lo, self.now)
        hi = max(hi, lo)
        return _nearest_workday(self.rng.randint(lo, hi), lo, hi)

    def pick(self, weighted: tuple[tuple[str, float], ...]) -> str:
        return self.rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]

    def cycle_end(self, ordinal: int) -> int:
        day = date.fromordinal(ordinal)
        year = day.year if day.month >= self.csm else day.year - 1
        return _month_start(year + 1, self.csm) - 1

    # -- wheels ------------------------------------------------------------------------------------

    def define_wheel(self, effective: int, department: str | None, months: str, kind: str,
                     focus: list[dict[str, Any]] | None = None) -> None:
        data: dict[str, Any] = {
            "effective_from": _iso(effective),
            "department": department,
            "kind": kind,
            "months": {str(i + 1): SEASON[m] for i, m in enumerate(months)},
        }
        if focus:
            data["focus_areas"] = focus
        self.emit("AnnualWheelDefined", data)
        self.hseq += 1
        entries = self.wheels.setdefault(department, [])
        insort(entries, (effective, self.hseq, months))
        # Only the latest definition in force now and the ones still to come matter from here on.
        while len(entries) > 1 and entries[1][0] <= self.now:
            entries.pop(0)

    def season(self, dept: str, ordinal: int) -> str | None:
        for scope in (dept, None):
            entries = self.wheels.get(scope)
            if not entries:
                continue
            found = None
            for effective, _, months in entries:
                if effective <= ordinal:
                    found = months
            if found is not None:
                return found[date.fromordinal(ordinal).month - 1]
        return None

    def company_months(self) -> str:
        entries = self.wheels.get(None)
        return entries[-1][2] if entries else self.p.wheel

    # -- people ------------------------------------------------------------------------------------

    def name(self) -> str:
        return f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_LAST_NAMES)}"

    def family_for(self, dept: Department) -> str:
        return self.rng.choices(FAMILIES, dept.families)[0]

    def register(self, dept: str, family: str, hired: int) -> _Emp:
        emp = _Emp(self.next_id("E"), dept, family, hired)
        self.emps[emp.id] = emp
        self.members.setdefault(dept, []).append(emp.id)
        self.emit("EmployeeRegistered", {
            "employee_id": emp.id, "name": self.name(), "department": dept, "job_family": family,
            "hired_on": _iso(hired),
        })
        return emp

    def manager_of(self, emp: _Emp) -> str | None:
        manager = self.dept_manager.get(emp.dept, self.director)
        if manager == emp.id:
            manager = self.director
        return manager if manager and manager != emp.id else None

    def assign_manager(self, emp: _Emp, on: int) -> None:
        manager = self.manager_of(emp)
        if manager:
            self.emit("ManagerAssigned", {"employee_id": emp.id, "manager_id": manager, "assigned_on": _iso(on)})

    def colleagues(self, emp: _Emp) -> list[str]:
        return self.members.get(emp.dept, [])

    def random_active(self, exclude_protected: bool = True) -> _Emp | None:
        emps = self.emps
        if not emps:
            return None
        dept = self.rng.choice(self.used)
        ids = self.members.get(dept.key) or []
        for _ in range(6):
            if not ids:
                break
            emp = emps[self.rng.choice(ids)]
            if not (exclude_protected and (emp.protected or emp.family == MANAGER)) and not emp.leaving:
                return emp
        return None

    def courses_for(self, emp: _Emp) -> list[_Course]:
        key = (emp.dept, emp.family)
        found = self.course_cache.get(key)
        if found is None:
            letter = emp.family[0]
            found = []
            for catalog in (*self.p.catalog, "common"):
                for course in _COURSES[catalog]:
                    if course.families and letter not in course.families:
                        continue
                    if course.departments and emp.dept not in course.departments:
                        continue
                    # The trade's own courses come up about three times as often as the general ones.
                    found.extend([course] * (1 if catalog == "common" else 3))
            if not found:
                found = [c for c in _COURSES["common"] if not c.families]
            self.course_cache[key] = found
        return found

    def provider(self, course: _Course) -> str:
        if course.kind == "internal":
            return f"{self.p.display_name}, internt"
        return self.rng.choice(_PROVIDERS[course.kind])

    # -- onboarding ----------------------------------------------------------------------------------

    def onboard(self) -> None:
        p, rng, now = self.p, self.rng, self.now
        self.emit("CompanyRegistered", {"name": p.display_name, "registered_on": _iso(now)})
        strategy: dict[str, Any] = {"adopted_on": _iso(now), "formality": p.formality, "vision": p.vision}
        if p.cycle_start_month is not None:
            strategy["cycle_start_month"] = p.cycle_start_month
        if p.completion_target is not None:
            strategy["completion_target"] = p.completion_target
        self.emit("EducationStrategyAdopted", strategy)

        k = max(1, min(len(p.departments), self.size // 6 + 1, self.size))
        self.used = p.departments[:k]
        for dept in self.used:
            self.emit("DepartmentRegistered", {"department": dept.key, "name": dept.name})
        self.define_wheel(now, None, p.wheel, p.wheel_kind, self.focus_for(date.fromordinal(now).year))
        for dept_key, months in p.department_wheels:
            if any(d.key == dept_key for d in self.used):
                self.define_wheel(now, dept_key, months, p.wheel_kind)

        for i, dept in enumerate(self.used):
            emp = self.register(dept.key, MANAGER, now - rng.randint(3 * 365, 20 * 365))
            emp.protected = True
            self.dept_manager[dept.key] = emp.id
            if i == 0:
                self.director = emp.id
        for emp in list(self.emps.values()):
            self.assign_manager(emp, max(emp.hired, self.emps[self.director].hired))
        # The staff arrive in batches on the same day, so a big company does not hold up the feed.
        staff = self.size - k
        for first in range(0, staff, _ONBOARD_BATCH):
            self.at(now, self.onboard_staff, min(_ONBOARD_BATCH, staff - first))
        self.at(now, self.onboard_done)

    def onboard_staff(self, count: int) -> None:
        rng, now = self.rng, self.now
        weights = [d.weight for d in self.used]
        for _ in range(count):
            dept = rng.choices(self.used, weights)[0]
            hired = now - int(rng.expovariate(1 / (6 * 365))) - rng.randint(20, 120)
            emp = self.register(dept.key, self.family_for(dept), hired)
            manager = self.manager_of(emp)
            if manager:
                since = max(emp.hired, self.emps[manager].hired)
                self.emit("ManagerAssigned", {"employee_id": emp.id, "manager_id": manager,
                                              "assigned_on": _iso(since)})

    def onboard_done(self) -> None:
        rng, now = self.rng, self.now
        for role, dept_key in self.p.ambassadors:
            staff = [self.emps[i] for i in self.members.get(dept_key, [])]
            candidates = [e for e in staff if not e.protected and e.family != MANAGER]
            if not candidates:
                candidates = [e for e in self.emps.values() if not e.protected and e.family != MANAGER]
            if not candidates:
                continue
            emp = candidates[0]
            emp.protected = True
            self.emit("AmbassadorAppointed", {"employee_id": emp.id, "role": role,
                                              "appointed_on": _iso(now - rng.randint(30, 900))})
        self.tick(now)

    def focus_for(self, year: int) -> list[dict[str, Any]] | None:
        if not self.p.focus_areas:
            return None
        titles = random.Random(f"focus:{self.tenant}:{year}").sample(_FOCUS_AREAS, 3)
        return [{"quarter": q, "title": t} for q, t in zip((1, 2, 4), titles, strict=True)]

    # -- the month ---------------------------------------------------------------------------------

    def tick(self, first: int) -> None:
        """Plan the month that starts on ``first`` (or the rest of it, on the first day of the feed)."""
        p, rng = self.p, self.rng
        day = date.fromordinal(first)
        year, month = day.year, day.month
        last = _month_end(year, month)
        ny, nm = _add_months(year, month, 1)
        self.at(_month_start(ny, nm), self.tick, _month_start(ny, nm))
        since_start = (year - date.fromordinal(self.start).year) * 12 + month - date.fromordinal(
            self.start).month

        monthly_leave = p.leave_rate / 12
        for emp in list(self.emps.values()):
            if emp.protected or emp.leaving:
                continue
            r = rng.random()
            if r < monthly_leave:
                emp.leaving = True
                self.at(self.workday(first, last), self.leave, emp)
            elif r < monthly_leave + 0.003 and len(self.used) > 1 and emp.family != MANAGER:
                self.at(self.workday(first, last), self.move, emp)
            elif r < monthly_leave + 0.009:
                self.at(self.workday(first, last), self.raise_gap, emp, "manager", 0.5)
            elif r < monthly_leave + 0.017:
                course = rng.choice(self.courses_for(emp))
                self.at(self.workday(first, last), self.book, emp, course, None, False)
            elif p.ambassador_push and emp.family == UNSKILLED and rng.random() < p.ambassador_push:
                self.at(self.workday(first, last), self.raise_gap, emp, "ambassador", 0.85)

        if month in p.mus_months:
            self.plan_reviews(year, month, first)
        if month in p.committee_months:
            self.at(self.workday(first + 2, first + 11), self.committee)  # a fixed week of the month
        if p.consultant_month == month and since_start > 0:
            self.at(self.workday(first, last), self.consultant)
        if p.focus_areas and month == 12:
            self.at(self.workday(first + 2, last - 7), self.yearly_wheel, year + 1)
        if p.layoff_start == (year, month):
            self.lay_off(first)
        if p.crisis and not self.crisis_done and self.crisis_due(year, month, since_start):
            self.crisis_done = True
            self.at(self.workday(first, first + 6), self.crisis, first)
        if p.formality == "formal" and since_start == max(1, self.history_months // 2):
            self.at(self.workday(first, last), self.revise_strategy)

    def lay_off(self, first: int) -> None:
        """A lockdown met the hard way: part of the staff is let go, and hired again some months later."""
        rng = self.rng
        for emp in list(self.emps.values()):
            if emp.protected or emp.leaving or emp.family == MANAGER or rng.random() >= 0.18:
                continue
            emp.leaving = True
            self.at(self.workday(first + 10, first + 30), self.leave, emp, rng.randint(90, 150))

    def crisis_due(self, year: int, month: int, since_start: int) -> bool:
        """Whether the slow period starts this month: the report's dated one, if the history reaches it."""
        start = self.p.crisis_start
        if start is not None and _month_start(*start) >= self.start:
            return (year, month) == start
        if since_start < max(1, int(self.history_months * 0.4)):
            return False
        base = self.company_months()
        quiet = sum(base[_add_months(year, month, i)[1] - 1] == "l" for i in range(3))
        return quiet <= 1  # a slow-down that hits months that are normally busy or normal

    def plan_reviews(self, year: int, month: int, first: int) -> None:
        window = self.p.mus_months
        pos = window.index(month)
        wy, wm = _add_months(year, month, -pos)
        key = (wy, wm)
        if self.mus_done == key:
            return
        self.mus_done = key
        ey, em = _add_months(wy, wm, len(window) - 1)
        window_end = _month_end(ey, em)
        for emp in self.emps.values():
            if emp.leaving or emp.hired > first - 30:
                continue
            if self.rng.random() < self.p.review_rate:
                self.at(self.workday(first, window_end - 3), self.review, emp)

    # -- people over time --------------------------------------------------------------------------

    def leave(self, emp: _Emp, replaced_after: int | None = None) -> None:
        if not emp.active:
            return
        for booking in list(emp.bookings.values()):
            self.cancel(booking, "Medarbejderen er fratrådt", rebook=False)
        self.emit("EmployeeLeft", {"employee_id": emp.id, "left_on": _iso(self.now)})
        emp.active = False
        del self.emps[emp.id]
        self.members[emp.dept].remove(emp.id)
        after = replaced_after if replaced_after is not None else self.rng.randint(14, 75)
        self.at(self.now + after, self.hire, emp.dept, emp.family)

    def hire(self, dept: str, family: str) -> None:
        emp = self.register(dept, family, self.now)
        self.assign_manager(emp, self.now)
        if self.rng.random() < 0.5:
            self.at(self.workday(self.now + 7, self.now + 45), self.book, emp, _INTRO, None, False)

    def move(self, emp: _Emp) -> None:
        if not emp.active or emp.leaving:
            return
        others = [d for d in self.used if d.key != emp.dept]
        if not others:
            return
        dept = self.rng.choices(others, [d.weight for d in others])[0]
        self.members[emp.dept].remove(emp.id)
        self.members.setdefault(dept.key, []).append(emp.id)
        emp.dept = dept.key
        self.emit("EmployeeMoved", {"employee_id": emp.id, "department": dept.key, "moved_on": _iso(self.now)})
        self.assign_manager(emp, self.now)

    # -- phase 1 -------------------------------------------------------------------------------------

    def level(self, emp: _Emp, competence: str) -> int:
        level = emp.levels.get(competence)
        if level is None:
            level = emp.levels[competence] = self.rng.choice((1, 1, 2, 2, 2, 3, 3, 4))
        return level

    def review(self, emp: _Emp) -> None:
        if not emp.active or emp.leaving:
            return
        p, rng, now = self.p, self.rng, self.now
        courses = self.courses_for(emp)
        course = rng.choice(courses)
        competence = course.competence or "Faglighed"
        education = rng.random() < p.education_item_rate
        data: dict[str, Any] = {"employee_id": emp.id, "held_on": _iso(now), "education_item": education}
        if rng.random() < 0.35:
            data["follow_up_on"] = _iso(self.workday(now + 30, now + 120))
        if rng.random() < 0.4:
            data["notes"] = rng.choice(_NOTES).format(c=competence.lower())
        self.emit("DevelopmentReviewHeld", data)
        current = self.level(emp, competence)
        if rng.random() < 0.6:
            self.emit("CompetenceAssessed", {"employee_id": emp.id, "competence": competence,
                                             "level": current, "assessed_on": _iso(now)})
        if not education:
            return
        gap = None
        if current < 5 and rng.random() < p.gap_rate:
            source = "mus"
            r = rng.random()
            if p.ambassador_push and emp.family == UNSKILLED and r < 0.5:
                source = "ambassador"
            elif p.formality == "formal" and r < 0.15:
                source = "strategy"
            elif p.consultant_month and r < 0.3:
                source = "consultant"
            gap = self.identify(emp, competence, current, source)
            course = self.course_for(emp, competence, gap.target) or course
        if rng.random() < p.agreement_rate:
            linked = gap if gap is not None and rng.random() < 0.8 else None
            self.plan_agreement(now + (0 if rng.random() < 0.5 else rng.randint(1, 10)), emp, course, linked)
            if rng.random() < p.second_agreement_rate:
                other = rng.choice(courses)
                if other is not course:
                    self.plan_agreement(now + rng.randint(1, 14), emp, other, None)

    def course_for(self, emp: _Emp, competence: str, target: int) -> _Course | None:
        matching = [c for c in self.courses_for(emp) if c.competence == competence]
        if not matching:
            return None
        return min(matching, key=lambda c: (abs((c.level or target) - target), c.title))

    def identify(self, emp: _Emp, competence: str, current: int, source: str) -> _Gap:
        target = min(5, current + (1 if self.rng.random() < 0.7 else 2))
        gap = _Gap(self.next_id("GAP"), competence, target)
        self.emit("CompetenceGapIdentified", {
            "gap_id": gap.id, "employee_id": emp.id, "competence": competence, "identified_on": _iso(self.now),
            "current_level": current, "target_level": target, "source": source,
        })
        return gap

    def raise_gap(self, emp: _Emp, source: str, agree_rate: float) -> None:
        """A need raised outside the talk: by the manager, the committee or the ambassador."""
        if not emp.active or emp.leaving:
            return
        course = self.rng.choice(self.courses_for(emp))
        competence = course.competence or "Faglighed"
        current = self.level(emp, competence)
        if current >= 5:
            return
        gap = self.identify(emp, competence, current, source)
        if self.rng.random() < agree_rate:
            course = self.course_for(emp, competence, gap.target) or course
            self.plan_agreement(self.now + self.rng.randint(0, 14), emp, course, gap)

    def committee(self) -> None:
        p, rng = self.p, self.rng
        topics = rng.sample(_TOPICS, rng.randint(2, 4))
        self.emit("CommitteeMeetingHeld", {
            "held_on": _iso(self.now), "management_reps": p.committee_reps[0],
            "employee_reps": p.committee_reps[1], "topics": topics,
        })
        count = max(1, round(p.committee_gaps * self.size / 70))
        for _ in range(count):
            emp = self.random_active()
            if emp is not None:
                self.at(self.now + rng.randint(1, 10), self.raise_gap, emp, "committee", 0.7)

    def consultant(self) -> None:
        """An external education consultant draws up competence profiles for one department."""
        rng = self.rng
        dept = rng.choice(self.used)
        for emp_id in list(self.members.get(dept.key, [])):
            emp = self.emps[emp_id]
            if emp.leaving or rng.random() < 0.3:
                continue
            course = rng.choice(self.courses_for(emp))
            competence = course.competence or "Faglighed"
            current = self.level(emp, competence)
            self.emit("CompetenceAssessed", {"employee_id": emp.id, "competence": competence,
                                             "level": current, "assessed_on": _iso(self.now)})
            if current < 5 and rng.random() < 0.35:
                gap = self.identify(emp, competence, current, "consultant")
                if rng.random() < 0.4:
                    course = self.course_for(emp, competence, gap.target) or course
                    self.plan_agreement(self.now + rng.randint(7, 30), emp, course, gap)

    def revise_strategy(self) -> None:
        p = self.p
        data: dict[str, Any] = {
            "adopted_on": _iso(self.now), "formality": p.formality,
            "vision": f"Revideret {date.fromordinal(self.now).year}: {p.vision}",
        }
        if p.cycle_start_month is not None:
            data["cycle_start_month"] = p.cycle_start_month
        if p.completion_target is not None:
            data["completion_target"] = p.completion_target
        self.emit("EducationStrategyAdopted", data)
        for emp in list(self.emps.values()):
            if emp.family != MANAGER and not emp.leaving and self.rng.random() < 0.08:
                self.at(self.now + self.rng.randint(7, 40), self.raise_gap, emp, "strategy", 0.6)

    def yearly_wheel(self, year: int) -> None:
        self.define_wheel(_month_start(year, 1), None, self.p.wheel, self.p.wheel_kind, self.focus_for(year))

    def crisis(self, first: int) -> None:
        """A lockdown-like slow period: the wheel marks it low, and whole departments go on courses."""
        rng, p = self.rng, self.p
        day = date.fromordinal(first)
        base = self.company_months()
        months = list(base)
        for i in range(3):
            _, m = _add_months(day.year, day.month, i)
            months[m - 1] = "l"
        ey, em = _add_months(day.year, day.month, 2)
        crisis_end = _month_end(ey, em)
        self.define_wheel(first, None, "".join(months), p.wheel_kind)
        self.at(self.workday(crisis_end - 14, crisis_end - 7), self.end_crisis, crisis_end + 1, base)
        # "fælles kurser for alle virksomhedens ansatte, samt en række online-kurser for forskellige
        # faggrupper": each department goes together, on its own days within the slow period.
        common, online = _CRISIS_COURSES[0], _CRISIS_COURSES[1:]
        for dept in self.used:
            staff = [self.emps[i] for i in self.members.get(dept.key, []) if not self.emps[i].leaving]
            on = self.workday(self.now + 14, crisis_end - 30)
            dates = (on, self.span(common, on))
            for emp in staff:
                self.at(self.now + rng.randint(0, 7), self.book, emp, common, None, True, None, None, dates)
            for course in rng.sample(online, 2):
                on = self.workday(self.now + 14, crisis_end - 10)
                dates = (on, self.span(course, on))
                for emp in staff:
                    if rng.random() < 0.45:
                        self.at(self.now + rng.randint(0, 7), self.book, emp, course, None, True, None, None,
                                dates)

    def end_crisis(self, effective: int, months: str) -> None:
        self.define_wheel(effective, None, months, self.p.wheel_kind)

    # -- phase 2 -------------------------------------------------------------------------------------

    def plan_agreement(self, day: int, emp: _Emp, course: _Course, gap: _Gap | None) -> None:
        """Make the agreement on ``day``, or on the first day the company makes agreements after it: in its
        agreement window (the manager registers one still pending before the window closes), and not in
        the last two months of a cycle (a need raised then goes into the next cycle's plan)."""
        window = self.p.agreement_months
        if window:
            if date.fromordinal(day).month not in window:
                day = self.now if date.fromordinal(self.now).month in window else self.next_window(day)
        elif self.cycle_end(day) - day < 60:
            following = self.cycle_end(day) + 1
            day = self.workday(following, following + 30)
        self.at(day, self.agree, emp, course, gap)

    def next_window(self, day: int) -> int:
        """A workday in the first weeks of the agreement window that comes next after ``day``."""
        found = date.fromordinal(day)
        y, m = found.year, found.month
        while m not in self.p.agreement_months:
            y, m = _add_months(y, m, 1)
        first = _month_start(y, m)
        return self.workday(first, first + 40)

    def agree(self, emp: _Emp, course: _Course, gap: _Gap | None) -> None:
        if not emp.active or emp.leaving:
            return
        rng, now = self.rng, self.now
        agreement_id = self.next_id("AG")
        data: dict[str, Any] = {"agreement_id": agreement_id, "employee_id": emp.id, "title": course.title,
                                "agreed_on": _iso(now)}
        due = self.cycle_end(now)
        if rng.random() < 0.25:  # an earlier deadline, still within the cycle the agreement is judged in
            due = min(due, now + rng.randint(max(60, _duration(course) + 45), 300))
            data["due_by"] = _iso(due)
        if gap is not None and not gap.closed:
            data["gap_id"] = gap.id
        else:
            gap = None
        if course.code:
            data["course_code"] = course.code
        self.emit("EducationAgreed", data)
        agreement = _Agreement(agreement_id, course, due, gap)
        r = rng.random()
        if r < 0.03:
            self.at(now + rng.randint(20, 120), self.withdraw, emp, agreement)
        elif r < 0.06:
            pass  # never booked: the agreement quietly stays open
        else:
            self.at(now + rng.randint(3, 45), self.book, emp, course, agreement, False)

    def withdraw(self, emp: _Emp, agreement: _Agreement) -> None:
        if agreement.state != "open" or not emp.active:
            return
        agreement.state = "withdrawn"
        self.emit("EducationAgreementWithdrawn", {"agreement_id": agreement.id, "withdrawn_on": _iso(self.now),
                                                  "reason": self.rng.choice(_WITHDRAW_REASONS)})

    # -- phase 3 -------------------------------------------------------------------------------------

    def span(self, course: _Course, start: int) -> int:
        """The course's ends_on: whole days in a row, or weekly sessions for higher education."""
        days = max(1, math.ceil(course.hours / 7.4 - 1e-9))
        if course.kind == "higher" and days > 2:
            return start + 7 * (days - 1) + self.rng.randint(0, 3)
        return _add_workdays(start, days - 1)

    def plan_dates(self, emp: _Emp, course: _Course, due: int | None, latest: int | None) -> tuple[int, int]:
        """Pick starts_on and ends_on: by the deadline if possible, drawn to the wheel's quiet months."""
        rng, p, now = self.rng, self.p, self.now
        duration = _duration(course)
        earliest = now + rng.randint(10, 28)
        if latest is None:
            if due is not None and rng.random() < (0.3 if emp.dept in p.lagging else 0.04):
                earliest = max(earliest, due + rng.randint(5, 60))  # this one will be late
                last = earliest + 150
            elif due is not None:
                last = due - duration - 3
            else:
                last = now + 240
        else:
            earliest = now + rng.randint(3, 14)
            last = latest - duration
        if last < earliest:
            last = earliest + 90
        candidates: list[tuple[int, int]] = []
        weights: list[float] = []
        busy_w, normal_w, low_w = p.season_weights
        cursor = date.fromordinal(earliest)
        y, m = cursor.year, cursor.month
        for _ in range(16):
            lo = max(_month_start(y, m), earliest)
            hi = min(_month_end(y, m), last)
            if lo > last:
                break
            if m not in p.blocked_months and hi >= lo:
                season = self.season(emp.dept, lo)
                weight = {"b": busy_w, "n": normal_w, "l": low_w}.get(season or "n", normal_w)
                if weight > 0:
                    candidates.append((lo, hi))
                    weights.append(weight)
            y, m = _add_months(y, m, 1)
        if not candidates:
            # Nothing fits before the deadline: take the first quiet month after it.
            y, m = _add_months(y, m, 0)
            for _ in range(16):
                lo = max(_month_start(y, m), earliest)
                season = self.season(emp.dept, lo)
                if m not in p.blocked_months and (season != "b" or busy_w > 0):
                    candidates.append((lo, _month_end(y, m)))
                    weights.append(1.0)
                    break
                y, m = _add_months(y, m, 1)
            if not candidates:
                candidates.append((earliest, earliest + 20))
                weights.append(1.0)
        lo, hi = rng.choices(candidates, weights)[0]
        start = _nearest_workday(rng.randint(lo, hi), lo, hi)
        return start, self.span(course, start)

    def buddy_for(self, emp: _Emp) -> _Emp | None:
        ids = self.colleagues(emp)
        best = None
        for _ in range(8):
            if len(ids) < 2:
                return None
            other = self.emps[self.rng.choice(ids)]
            if other is emp or other.leaving:
                continue
            if other.family in (UNSKILLED, SKILLED):
                return other
            best = best or other
        return best

    def book(self, emp: _Emp, course: _Course, agreement: _Agreement | None, collective: bool,
             latest: int | None = None, buddy_of: _Emp | None = None, dates: tuple[int, int] | None = None,
             ) -> _Booking | None:
        if not emp.active or emp.leaving:
            return None
        if agreement is not None and agreement.state != "open":
            return None
        rng, p, now = self.rng, self.p, self.now
        start, end = dates or self.plan_dates(emp, course, agreement.due if agreement else None, latest)
        booking = _Booking(self.next_id("BK"), emp, course, agreement, start, end)
        course_data: dict[str, Any] = {"title": course.title, "kind": course.kind, "hours": course.hours}
        if course.code:
            course_data["code"] = course.code
        course_data["provider"] = self.provider(course)
        if course.competence:
            course_data["competence"] = course.competence
            if course.level:
                course_data["level"] = course.level
        data: dict[str, Any] = {
            "booking_id": booking.id, "employee_id": emp.id, "booked_on": _iso(now),
        }
        if agreement is not None:
            data["agreement_id"] = agreement.id
            agreement.state = "booked"
        data.update(course=course_data, starts_on=_iso(start), ends_on=_iso(end))

        buddy = buddy_of
        paired_later = None
        if buddy is None and emp.family in (UNSKILLED, SKILLED) and course is not _INTRO \
                and rng.random() < p.buddy_rate:
            buddy = self.buddy_for(emp)
            if buddy is not None and rng.random() < 0.2 and start - now > 3:
                paired_later, buddy = buddy, None
        if buddy is not None:
            data["buddies"] = [buddy.id]
        if collective:
            data["collective"] = True
        self.emit("CourseBooked", data)
        emp.bookings[booking.id] = booking
        if buddy is not None and buddy_of is None and not collective and rng.random() < 0.8 \
                and not buddy.leaving:
            self.book(buddy, course, None, collective, buddy_of=emp, dates=(start, end))
        if paired_later is not None:
            self.at(self.workday(now + 1, start - 1), self.pair, booking, paired_later)
        self.plan_booking(booking)
        return booking

    def plan_booking(self, booking: _Booking) -> None:
        rng, p, now = self.rng, self.p, self.now
        start, end = booking.start, booking.end
        season = self.season(booking.emp.dept, start)
        rate = p.substitute_busy_rate if season == "b" else p.substitute_other_rate
        if rng.random() < rate:
            self.at(self.workday(now, start - 1), self.substitute, booking)
        if rng.random() < 0.06:
            self.at(self.workday(now + 1, start - 1), self.cancel, booking,
                    rng.choice(_CANCEL_REASONS), True)
            return
        if end - start >= 4 and (booking.course.hours >= 37 or end - start >= 14) and rng.random() < 0.8:
            self.at(self.workday(start + 1, end - 1), self.check_in, booking)
        lag = 0 if rng.random() < 0.7 else rng.randint(1, 3)
        self.at(end + lag, self.complete, booking)

    def pair(self, booking: _Booking, buddy: _Emp) -> None:
        if booking.state != "open":
            return
        self.emit("BuddyPaired", {"booking_id": booking.id, "buddy_id": buddy.id, "paired_on": _iso(self.now)})

    def substitute(self, booking: _Booking) -> None:
        if booking.state != "open":
            return
        rng = self.rng
        who = rng.choice(_SUBSTITUTES)
        if rng.random() < 0.5:
            who = f"{who}: {self.name()}"
        self.emit("SubstituteArranged", {"booking_id": booking.id, "substitute": who,
                                         "arranged_on": _iso(self.now)})

    def check_in(self, booking: _Booking) -> None:
        if booking.state != "open":
            return
        self.emit("ManagerCheckInHeld", {"booking_id": booking.id, "held_on": _iso(self.now)})

    def cancel(self, booking: _Booking, reason: str, rebook: bool) -> None:
        if booking.state != "open":
            return
        booking.state = "cancelled"
        booking.emp.bookings.pop(booking.id, None)
        self.emit("CourseCancelled", {"booking_id": booking.id, "cancelled_on": _iso(self.now),
                                      "reason": reason})
        agreement = booking.agreement
        if agreement is not None:
            agreement.state = "open"
            if rebook and self.rng.random() < 0.6:
                self.at(self.now + self.rng.randint(7, 30), self.book, booking.emp, booking.course,
                        agreement, False)

    def complete(self, booking: _Booking) -> None:
        if booking.state != "open":
            return
        rng, p, now = self.rng, self.p, self.now
        emp, course = booking.emp, booking.course
        booking.state = "done"
        emp.bookings.pop(booking.id, None)
        passed = rng.random() >= 0.03
        data: dict[str, Any] = {"booking_id": booking.id, "completed_on": _iso(now)}
        r = rng.random()
        if r < 0.12:
            data["hours_attended"] = round(max(course.hours * 0.5, course.hours - 7.4), 1)
        elif r < 0.4:
            data["hours_attended"] = course.hours
        if not passed:
            data["passed"] = False
        elif rng.random() < 0.3:
            data["passed"] = True
        self.emit("CourseCompleted", data)
        agreement = booking.agreement
        if agreement is not None:
            agreement.state = "done"
        if not passed:
            return
        if course.competence:
            emp.levels[course.competence] = max(emp.levels.get(course.competence, 1), course.level or 1)
        if rng.random() < p.knowledge_rate:
            if p.knowledge_formats[0][0] == "board_meeting" and rng.random() < 0.9:
                shared = _next_monday(now + 1)  # the weekly Monday meeting
            else:
                shared = self.workday(now + 1, now + (25 if rng.random() < 0.9 else 50))
            self.at(shared, self.share, booking)
        if rng.random() < p.followup_rate:
            self.at(self.workday(now + 20, now + 75), self.follow_up, booking)
        gap = agreement.gap if agreement is not None else None
        if gap is not None and not gap.closed:
            r = rng.random()
            if r < 0.55:
                self.at(self.workday(now + 10, now + 60), self.reassess, emp, gap)
            elif r < 0.85:
                self.at(self.workday(now + 7, now + 45), self.close_gap, emp, gap)

    # -- phase 4 -------------------------------------------------------------------------------------

    def share(self, booking: _Booking) -> None:
        if booking.state == "cancelled" or not booking.emp.active:
            return
        rng, p = self.rng, self.p
        fmt = "board_meeting" if _weekday(self.now) == 0 and p.knowledge_formats[0][0] == "board_meeting" \
            else self.pick(p.knowledge_formats)
        data: dict[str, Any] = {"booking_id": booking.id, "shared_on": _iso(self.now), "format": fmt}
        if fmt == "peer":
            data["audience"] = rng.randint(1, 3)
        elif rng.random() < 0.8:
            data["audience"] = max(2, len(self.colleagues(booking.emp)) + (
                rng.randint(10, 30) if fmt == "board_meeting" else 0))
        self.emit("KnowledgeShared", data)

    def follow_up(self, booking: _Booking) -> None:
        if booking.state != "done" or not booking.emp.active:
            return
        self.emit("PracticeFollowUpHeld", {"booking_id": booking.id, "held_on": _iso(self.now),
                                           "applied": self.rng.random() < 0.85})

    def reassess(self, emp: _Emp, gap: _Gap) -> None:
        if gap.closed or not emp.active:
            return
        gap.closed = True
        emp.levels[gap.competence] = max(emp.levels.get(gap.competence, 1), gap.target)
        self.emit("CompetenceAssessed", {"employee_id": emp.id, "competence": gap.competence,
                                         "level": gap.target, "assessed_on": _iso(self.now)})

    def close_gap(self, emp: _Emp, gap: _Gap) -> None:
        if gap.closed or not emp.active:
            return
        gap.closed = True
        emp.levels[gap.competence] = max(emp.levels.get(gap.competence, 1), gap.target)
        self.emit("CompetenceGapClosed", {"gap_id": gap.id, "closed_on": _iso(self.now)})


# ---------------------------------------------------------------------------------------------------
# Faults


_FAULT_KINDS = (
    ("duplicate", 0.30), ("unknown_employee", 0.16), ("completed_twice", 0.10), ("wheel_missing_month", 0.04),
    ("ends_before_start", 0.15), ("misspelled_type", 0.15), ("garbage", 0.10),
)


def _misspell(kind: str, rng: random.Random) -> str:
    from_valid = set(_VALID_TYPES)
    for _ in range(5):
        way = rng.randrange(4)
        if way == 0 and len(kind) > 3:
            i = rng.randrange(1, len(kind) - 1)
            wrong = kind[:i] + kind[i + 1:]
        elif way == 1:
            wrong = kind[0].lower() + kind[1:]
        elif way == 2:
            i = rng.randrange(2, len(kind) - 2)
            wrong = kind[:i] + kind[i + 1] + kind[i] + kind[i + 2:]
        else:
            wrong = kind.replace("ed", "es", 1) if "ed" in kind else kind + "s"
        if wrong not in from_valid:
            return wrong
    return kind + "_v0"


_VALID_TYPES = (
    "CompanyRegistered", "EducationStrategyAdopted", "DepartmentRegistered", "EmployeeRegistered", "EmployeeMoved",
    "EmployeeLeft", "ManagerAssigned", "AmbassadorAppointed", "AnnualWheelDefined", "CommitteeMeetingHeld",
    "DevelopmentReviewHeld", "CompetenceAssessed", "CompetenceGapIdentified", "CompetenceGapClosed",
    "EducationAgreed", "EducationAgreementWithdrawn", "CourseBooked", "BuddyPaired", "SubstituteArranged",
    "ManagerCheckInHeld", "CourseCompleted", "CourseCancelled", "KnowledgeShared", "PracticeFollowUpHeld",
)


def _with_faults(sim: _Tenant, seed: int) -> Iterator[tuple[Key, dict[str, Any] | str]]:
    """The tenant's valid messages with the deliberate faults mixed in (their own random stream)."""
    rng = random.Random(f"eduplan-demo-faults:{seed}:{sim.tenant}")
    chance = FAULT_SHARE / (1 - FAULT_SHARE)
    kinds = [k for k, _ in _FAULT_KINDS]
    weights = [w for _, w in _FAULT_KINDS]
    recent: deque[dict[str, Any]] = deque(maxlen=40)
    completed: deque[str] = deque(maxlen=16)
    count = 0
    for key, msg in sim.run():
        yield key, msg
        recent.append(msg)
        if msg["type"] == "CourseCompleted":
            completed.append(msg["data"]["booking_id"])
        if rng.random() >= chance:
            continue
        count += 1
        kind = rng.choices(kinds, weights)[0]
        if kind == "duplicate":
            yield (*key[:4], 1), copy.deepcopy(rng.choice(recent))
            continue
        if kind == "garbage":
            line = rng.choice(_GARBAGE)
            if rng.random() < 0.4:
                line = json.dumps(msg, ensure_ascii=False)[: rng.randint(20, 60)]  # a cut-off line
            yield (*key[:4], 1), line
            continue
        fault = _fault_message(sim, kind, msg, completed, rng, count)
        yield (*key[:4], 1), fault


def _fault_message(sim: _Tenant, kind: str, last: dict[str, Any], completed: deque[str], rng: random.Random,
                   count: int) -> dict[str, Any]:
    """A bad message built only from what the feed has already sent, so it is bad wherever it lands."""
    day = last["occurred_at"][:10]
    if kind == "completed_twice" and not completed:
        kind = "unknown_employee"
    msg_type = "DevelopmentReviewHeld"
    data: dict[str, Any]
    if kind == "unknown_employee":
        data = {"employee_id": f"E-{rng.randint(100000, 999999)}", "held_on": day, "education_item": True}
        if rng.random() < 0.5:
            msg_type = "CompetenceAssessed"
            data = {"employee_id": data["employee_id"], "competence": "Førstehjælp", "level": 2,
                    "assessed_on": day}
    elif kind == "completed_twice":
        booking_id = rng.choice(completed)
        msg_type = "CourseCompleted"
        data = {"booking_id": booking_id, "completed_on": day}
    elif kind == "wheel_missing_month":
        msg_type = "AnnualWheelDefined"
        months = {str(i + 1): SEASON[m] for i, m in enumerate(sim.company_months())}
        del months[str(rng.randint(1, 12))]
        data = {"effective_from": day, "department": None, "kind": sim.p.wheel_kind, "months": months}
    elif kind == "ends_before_start":
        msg_type = "CourseBooked"
        emp_id = last["data"].get("employee_id") or "E00001"
        start = date.fromisoformat(day) + timedelta(days=rng.randint(20, 60))
        data = {
            "booking_id": f"BK-F{count:05d}", "employee_id": emp_id, "booked_on": day,
            "course": {"title": "Førstehjælp på arbejdspladsen", "kind": "amu", "hours": 7.4, "code": "40116"},
            "starts_on": start.isoformat(), "ends_on": (start - timedelta(days=rng.randint(1, 5))).isoformat(),
        }
    else:  # misspelled_type
        msg_type = _misspell(last["type"], rng)
        data = copy.deepcopy(last["data"])
    return {
        "message_id": f"{sim.tenant}-f{count:06d}",
        "tenant": sim.tenant,
        "type": msg_type,
        "occurred_at": last["occurred_at"],
        "actor": last["actor"],
        "data": data,
    }


# ---------------------------------------------------------------------------------------------------
# The feed


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def trial_namespace(seed: int) -> str:
    """The tenant-name prefix of a trial feed (``eduplan generate``): ``sim<seed>``.

    A trial feed shares neither tenants nor message ids with the demo (whose tenants are the cases'
    own names), nor with a trial feed of another seed, so any of them can be ingested beside the others.
    """
    return f"sim{seed}"


def generate(*, seed: int = 2026, tenants: int | None = None, employees: int | None = None, years: int = 3,
             end: date = date(2026, 11, 20), start: date | None = None, faults: bool = True,
             namespace: str | None = None) -> Iterator[dict[str, Any] | str]:
    """Yield the demo feed: contract envelopes as dicts, in the order an HR feed would send them.

    - ``tenants=None`` gives the report's cases (``CASES``) with their real sizes; ``tenants=N`` gives N
      tenants cycling through the cases, the second round named ``bitzer-2`` …, the third ``-3`` ….
    - ``namespace="sim7"`` prefixes every tenant name (``sim7-bitzer``), and with it every message id
      (``sim7-bitzer-0000001``); without it the tenants are the demo's own (``bitzer``).
    - ``employees=M`` gives every tenant M employees at the start (leavers are replaced by new hires).
    - ``years=Y``: the history covers the Y years that end on ``end``; nothing is dated after ``end``
      except the start and end dates of courses already booked (and agreements' due dates). With
      ``tenants=None`` a case whose story the report dates earlier (``history_from``: the transport
      company's COVID-19 winter) starts there instead.
    - ``start=S`` starts the history on S instead of ``years`` before ``end`` (``years`` then only places
      the strategy revision half-way through a history of that length). What happens up to a day never
      depends on ``end``: with the same ``start``, the feed of a later ``end`` begins with the whole feed
      of an earlier one, message by message. ``eduplan demo`` passes ``start=DEMO_START`` and the day it
      runs as ``end``: the running cycle is as far along as the calendar, and a run on a later day only
      adds that day's messages to a database that holds an earlier run (the rest are duplicates).
    - ``faults=True`` mixes in about 1.5 % deliberately bad items (see the module doc); a ``str`` item
      is a raw line that is not a JSON object, to be written as it is.

    Deterministic for the same arguments and streaming: memory stays flat however long the feed.
    """
    if tenants is not None and tenants < 1:
        raise ValueError("tenants must be at least 1")
    if employees is not None and employees < 1:
        raise ValueError("employees must be at least 1")
    if years < 1:
        raise ValueError("years must be at least 1")
    if start is not None and start > end:
        raise ValueError("start must not be after end")
    count = len(CASES) if tenants is None else tenants
    names = [_tenant_name(i, namespace) for i in range(count)]
    start_day = start if start is not None else _years_before(end, years)
    streams: list[Iterator[tuple[Key, dict[str, Any] | str]]] = []
    for i in range(count):
        profile = CASES[i % len(CASES)]
        size = employees if employees is not None else profile.employees
        first_day = start_day
        if tenants is None and profile.history_from is not None:
            first_day = min(first_day, profile.history_from)  # the report's story is in the history
        first = first_day.toordinal()
        while not _is_workday(first):
            first += 1
        sim = _Tenant(profile, names[i], i, seed, size, first, end.toordinal(), 12 * years)
        streams.append(_with_faults(sim, seed) if faults else sim.run())
    for _, item in heapq.merge(*streams, key=_first):
        yield item


def _tenant_name(index: int, namespace: str | None) -> str:
    profile = CASES[index % len(CASES)]
    round_ = index // len(CASES)
    name = profile.tenant if round_ == 0 else f"{profile.tenant}-{round_ + 1}"
    if namespace is not None:
        name = f"{namespace}-{name}"
    if not TENANT_PATTERN.fullmatch(name):
        raise ValueError(f"the tenant name {name!r} is not a valid tenant (at most 63 of a-z, 0-9 and -)")
    return name


def _first(pair: tuple[Key, Any]) -> Key:
    return pair[0]


def write_jsonl(path_or_file: str | os.PathLike[str] | IO[str], **generate_kwargs: Any) -> int:
    """Write the feed as JSON Lines (one item a line; raw garbage lines as they are); return the count."""
    if isinstance(path_or_file, str | os.PathLike):
        with open(path_or_file, "w", encoding="utf-8") as file:
            return _write(file, generate_kwargs)
    return _write(path_or_file, generate_kwargs)


def _write(file: IO[str], kwargs: dict[str, Any]) -> int:
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    write = file.write
    for item in generate(**kwargs):
        write(item if isinstance(item, str) else dumps(item))
        write("\n")
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the eduplan demo feed as JSON Lines.")
    parser.add_argument("output", help="file to write, or - for standard output")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--tenants", type=int)
    parser.add_argument("--employees", type=int)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--end", type=date.fromisoformat, default=date(2026, 11, 20))
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    args = parser.parse_args(argv)
    kwargs = {"seed": args.seed, "tenants": args.tenants, "employees": args.employees, "years": args.years,
              "end": args.end, "faults": args.faults}
    target: str | IO[str] = sys.stdout if args.output == "-" else args.output
    count = write_jsonl(target, **kwargs)
    print(f"{count} lines", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
