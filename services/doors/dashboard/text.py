"""Words and number formats of the dashboard, in Danish (the default) and English.

Everything here is pure: no database, no I/O. Numbers follow the reader's language: Danish uses a
decimal comma, a thousands dot and a space before the percent sign (``85 %``, ``12,5``); English uses
``85%`` and ``12.5``. A missing figure (``null`` in the KPI document) is shown as an en dash with a
tooltip that says there was no data in the period.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

LANGS = ("da", "en")

MONTHS_SHORT = {
    "da": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_DATE_MONTHS = {
    "da": ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec."),
    "en": MONTHS_SHORT["en"],
}

TEXT: dict[str, dict[str, str]] = {
    "da": {
        "app": "Uddannelsesplanlægning",
        "overview": "Alle virksomheder",
        "overview_lead": "Nøgletal for hver virksomhed. Vælg en virksomhed for at se afdelingerne og årshjulet.",
        "no_tenants": "Der er endnu ingen virksomheder med data. Data kommer fra HR-systemernes beskeder.",
        "unknown_tenant": "Der er ingen data for virksomheden {tenant}.",
        "as_of": "Opgjort pr.",
        "show": "Vis",
        "language": "Sprog",
        "cycle": "Cyklus",
        "company": "Hele virksomheden",
        "departments": "Afdelinger",
        "no_departments": "Ingen afdelinger med aktive medarbejdere eller aktivitet på datoen.",
        "open_tenant": "Se afdelinger og årshjul",
        "catching_up": "Tallene er ved at blive opdateret med de nyeste beskeder."
                       " Siden prøver igen om {seconds} s.",
        "bad_date": "{value} er ikke en dato. Skriv datoen som ÅÅÅÅ-MM-DD.",
        "agreement_completion_rate": "Aftaler gennemført til tiden",
        "agreements_of": "{done} af {made} aftaler",
        "target": "mål",
        "target_line": "Mål",
        "on_track": "På sporet",
        "at_risk": "I risiko",
        "no_agreements": "Ingen aftaler",
        "active_employees": "Aktive medarbejdere",
        "participation_rate_12m": "Deltagelse (12 mdr.)",
        "training_hours_per_employee_12m": "Uddannelsestimer pr. medarbejder",
        "hours_sub": "seneste 12 mdr.",
        "mus_coverage": "MUS-dækning",
        "mus_education_item_rate": "med uddannelsespunkt",
        "open_gaps": "Åbne kompetencegab",
        "gaps_closed_in_cycle": "lukket i cyklussen",
        "knowledge_sharing_rate": "Videndeling",
        "buddy_share": "Makkerpar",
        "substitute_coverage_busy": "Afløserdækning i travle måneder",
        "committee_meetings_12m": "Møder i uddannelsesudvalget (12 mdr.)",
        "season_fit_rate": "Sæsontilpasning",
        "season_title": "Sæsontilpasning og årshjul",
        "season_lead": "Årshjulet for de 12 måneder frem til {as_of}, med antallet af kursusstarter i hver måned.",
        "busy": "Travl",
        "normal": "Normal",
        "low": "Stille",
        "no_wheel": "Intet årshjul",
        "starts": "kursusstarter",
        "start": "kursusstart",
        "busy_starts": "starter i travl måned",
        "company_wheel": "virksomhedens årshjul",
        "own_wheel": "eget årshjul",
        "focus_areas": "Fokusområder",
        "quarter": "{q}. kvartal",
        "kind_seasonal": "sæsonbestemt",
        "kind_departmental": "afdelingsvist",
        "kind_fixed": "fast",
        "kind_flexible": "fleksibelt",
        "no_data": "Ingen data i perioden",
        "strip_label": "Årshjul og kursusstarter for {scope}, {first} – {last}",
        "note_null": "– betyder, at der ingen data er i perioden (nævneren er 0).",
        "note_asof": "Alle tal er opgjort pr. den valgte dato efter forretningsdatoerne i beskederne.",
        "note_strip": "Årshjulet for en måned er det senest gældende pr. månedens sidste dag (højst den valgte "
        "dato). Kursusstarter tæller bookinger foretaget senest den valgte dato og ikke aflyst pr. datoen; "
        "en afdelings kurser tælles efter medarbejderens afdeling på bookingdatoen.",
        "help_agreement_completion_rate": "Andel af cyklussens uddannelsesaftaler, der er gennemført inden fristen",
        "help_participation_rate_12m": "Andel af de aktive medarbejdere med mindst ét gennemført kursus "
        "de seneste 12 måneder",
        "help_training_hours_per_employee_12m": "Gennemførte kursustimer de seneste 12 måneder pr. aktiv medarbejder",
        "help_mus_coverage": "Andel af de aktive medarbejdere, der har haft MUS i cyklussen",
        "help_mus_education_item_rate": "Andel af de seneste MUS med et uddannelsespunkt",
        "help_open_gaps": "Identificerede kompetencegab, der endnu ikke er lukket",
        "help_knowledge_sharing_rate": "Andel af gennemførte kurser, hvor deltageren delte sin viden inden for 30 dage",
        "help_buddy_share": "Andel af ufaglærtes og faglærtes kurser i cyklussen med en makker",
        "help_substitute_coverage_busy": "Andel af kurser i travle måneder, hvor der var en afløser",
        "help_committee_meetings_12m": "Møder i uddannelsesudvalget de seneste 12 måneder",
        "help_season_fit_rate": "Andel af kursusstarterne de seneste 12 måneder, der ikke lå i en travl måned",
        "help_active_employees": "Ansatte og ikke fratrådt på datoen",
    },
    "en": {
        "app": "Education planning",
        "overview": "All companies",
        "overview_lead": "Headline figures for each company. Choose a company to see its departments and annual wheel.",
        "no_tenants": "There are no companies with data yet. Data comes from the HR systems' messages.",
        "unknown_tenant": "There is no data for the company {tenant}.",
        "as_of": "As of",
        "show": "Show",
        "language": "Language",
        "cycle": "Cycle",
        "company": "Whole company",
        "departments": "Departments",
        "no_departments": "No departments with active employees or activity on the date.",
        "open_tenant": "See departments and annual wheel",
        "catching_up": "The figures are being brought up to date with the latest messages."
                       " This page tries again in {seconds} s.",
        "bad_date": "{value} is not a date. Write the date as YYYY-MM-DD.",
        "agreement_completion_rate": "Agreements completed on time",
        "agreements_of": "{done} of {made} agreements",
        "target": "target",
        "target_line": "Target",
        "on_track": "On track",
        "at_risk": "At risk",
        "no_agreements": "No agreements",
        "active_employees": "Active employees",
        "participation_rate_12m": "Participation (12 months)",
        "training_hours_per_employee_12m": "Training hours per employee",
        "hours_sub": "last 12 months",
        "mus_coverage": "MUS coverage",
        "mus_education_item_rate": "with education item",
        "open_gaps": "Open competence gaps",
        "gaps_closed_in_cycle": "closed in the cycle",
        "knowledge_sharing_rate": "Knowledge sharing",
        "buddy_share": "Buddy pairs",
        "substitute_coverage_busy": "Substitute coverage in busy months",
        "committee_meetings_12m": "Education committee meetings (12 months)",
        "season_fit_rate": "Season fit",
        "season_title": "Season fit and annual wheel",
        "season_lead": "The annual wheel for the 12 months up to {as_of}, with the number of course starts "
        "in each month.",
        "busy": "Busy",
        "normal": "Normal",
        "low": "Low",
        "no_wheel": "No annual wheel",
        "starts": "course starts",
        "start": "course start",
        "busy_starts": "starting in a busy month",
        "company_wheel": "company wheel",
        "own_wheel": "own wheel",
        "focus_areas": "Focus areas",
        "quarter": "Q{q}",
        "kind_seasonal": "seasonal",
        "kind_departmental": "departmental",
        "kind_fixed": "fixed",
        "kind_flexible": "flexible",
        "no_data": "No data in the period",
        "strip_label": "Annual wheel and course starts for {scope}, {first} – {last}",
        "note_null": "– means there is no data in the period (the denominator is 0).",
        "note_asof": "All figures are as of the chosen date, by the business dates in the messages.",
        "note_strip": "A month's annual wheel is the one in force on the month's last day (at most the chosen "
        "date). Course starts count bookings made by the chosen date and not cancelled as of it; a "
        "department's courses count by the employee's department on the booking date.",
        "help_agreement_completion_rate": "Share of the cycle's education agreements completed by their due date",
        "help_participation_rate_12m": "Share of active employees with at least one completed course "
        "in the last 12 months",
        "help_training_hours_per_employee_12m": "Course hours completed in the last 12 months per active employee",
        "help_mus_coverage": "Share of active employees who had a development talk (MUS) in the cycle",
        "help_mus_education_item_rate": "Share of the latest talks with an education item",
        "help_open_gaps": "Identified competence gaps not closed yet",
        "help_knowledge_sharing_rate": "Share of completed courses whose participant shared the knowledge "
        "within 30 days",
        "help_buddy_share": "Share of unskilled and skilled employees' courses in the cycle with a buddy",
        "help_substitute_coverage_busy": "Share of courses in busy months with a substitute arranged",
        "help_committee_meetings_12m": "Education committee meetings in the last 12 months",
        "help_season_fit_rate": "Share of the last 12 months' course starts not in a busy month",
        "help_active_employees": "Hired and not left on the date",
    },
}


def norm_lang(lang: str | None) -> str:
    """``da`` unless English is asked for."""
    value = (lang or "").strip().lower()
    return "en" if value.startswith("en") else "da"


def t(lang: str, key: str, **values: Any) -> str:
    """The plain text of ``key`` (not escaped; callers escape)."""
    text = TEXT[lang].get(key) or TEXT["en"].get(key) or key
    return text.format(**values) if values else text


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def number(value: float | int | Decimal, lang: str, decimals: int = 0) -> str:
    """A number with the language's separators, rounded half up: da ``1.234,5``, en ``1,234.5``."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = exact.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, frac = f"{abs(rounded):f}".partition(".")
    thousands, point = (".", ",") if lang == "da" else (",", ".")
    text = _group(whole, thousands)
    if decimals:
        text += point + frac
    return sign + text


def percent_text(rate: float, lang: str) -> str:
    """A rate in [0, 1] as whole percent: da ``85 %``, en ``85%``."""
    exact = Decimal(repr(rate)) if isinstance(rate, float) else Decimal(rate)
    value = number(exact * 100, lang)
    return f"{value} %" if lang == "da" else f"{value}%"


def na(lang: str) -> str:
    """The HTML of a missing figure: an en dash with a tooltip (and the words for screen readers)."""
    words = escape(t(lang, "no_data"))
    return (f'<span class="na" title="{words}"><span aria-hidden="true">–</span>'
            f'<span class="sr-only">{words}</span></span>')


def percent_html(rate: float | None, lang: str) -> str:
    return na(lang) if rate is None else escape(percent_text(rate, lang))


def count_html(value: int | None, lang: str) -> str:
    return na(lang) if value is None else escape(number(value, lang))


def hours_html(value: float | None, lang: str) -> str:
    return na(lang) if value is None else escape(number(value, lang, 1))


def day(value: date | str, lang: str) -> str:
    """A date for people: da ``20. nov. 2026``, en ``20 Nov 2026`` (plain text)."""
    d = date.fromisoformat(value) if isinstance(value, str) else value
    month = _DATE_MONTHS[lang][d.month - 1]
    return f"{d.day}. {month} {d.year}" if lang == "da" else f"{d.day} {month} {d.year}"


def month_year(value: date, lang: str) -> str:
    return f"{MONTHS_SHORT[lang][value.month - 1]} {value.year}"
