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
        "mus_education_item_rate": "Med uddannelsespunkt",
        "open_gaps": "Åbne kompetencegab",
        "gaps_closed_in_cycle": "Lukket i cyklussen",
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
        "mus_education_item_rate": "With education item",
        "open_gaps": "Open competence gaps",
        "gaps_closed_in_cycle": "Closed in the cycle",
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


# The four phases, their tools (greb), the cycle's status and the pages beyond the company page.
TEXT["da"].update({
    "phase_1": "Afklaring af kompetencebehov",
    "phase_2": "Planlægning",
    "phase_3": "Gennemførsel",
    "phase_4": "Opfølgning og inspiration",
    "phase_1_lead": "Strategi, nærmeste leder, MUS, kompetenceprofiler og ambassadører finder behovene.",
    "phase_2_lead": "Årshjul, uddannelsesudvalg og udviklingsaftaler lægger planen.",
    "phase_3_lead": "Kurser bookes og gennemføres med håndholdt planlægning, afløsere og makkerpar.",
    "phase_4_lead": "Viden deles på tavlemøder og kollega til kollega, og lederen følger op i praksis.",
    "greb": "Greb",
    "status_on_track": "På sporet",
    "status_behind": "Bagud",
    "status_nothing_due_yet": "ingen aftaler forfaldne endnu",
    "cycle_status": "Cyklussens status",
    "on_track_rate": "Forfaldne aftaler gennemført til tiden",
    "due_of": "{done} af {due} forfaldne aftaler",
    "agreements_made": "Aftaler indgået i cyklussen",
    "last_cycle": "Sidste cyklus",
    "last_cycle_lead": "Dommen over den afsluttede cyklus {start} – {end}: aftaler gennemført til tiden mod målet.",
    "verdict_met": "Mål nået",
    "verdict_missed": "Mål ikke nået",
    "verdict_none": "Ingen aftaler",
    "scope": "Enhed",
    "charts": "Udvikling",
    "chart_completion_cycles": "Aftaler gennemført til tiden pr. cyklus",
    "chart_completion_month": "Aftaler gennemført til tiden (løbende)",
    "chart_participation": "Deltagelse (12 mdr.) pr. måned",
    "chart_hours": "Uddannelsestimer pr. medarbejder (12 mdr.) pr. måned",
    "chart_mus": "MUS-dækning pr. måned",
    "chart_sharing": "Videndeling pr. måned",
    "cycle_ending": "cyklus til {end}",
    "hours_unit": "t",
    "strategy": "Uddannelsesstrategi",
    "vision": "Vision",
    "formality_formal": "formel, skriftlig strategi",
    "formality_informal": "uformel vision",
    "adopted": "vedtaget {date}",
    "no_strategy": "Ingen strategi vedtaget; standardcyklus og mål på 85 % gælder.",
    "managers_greb": "Nærmeste leders ansvar",
    "managers_link": "Se tallene pr. leder",
    "mus_greb": "MUS med uddannelsespunkt",
    "profiles_greb": "Kompetenceprofiler og -planer",
    "matrix_link": "Se kompetencematricen",
    "ambassadors": "Tillidsrepræsentant som uddannelsesambassadør",
    "role_shop_steward": "tillidsrepræsentant",
    "role_education_ambassador": "uddannelsesambassadør",
    "no_ambassadors": "Ingen ambassadører udpeget.",
    "gaps_raised": "Kompetencegab rejst af ambassadører: {n} ({open} åbne, {closed} lukkede)",
    "wheel_greb": "Årshjul",
    "committee": "Uddannelsesudvalg",
    "committee_meetings": "Møder de seneste 12 mdr.",
    "committee_composition": "{m} fra ledelsen, {e} medarbejderrepræsentanter",
    "topics": "Emner",
    "no_meetings": "Ingen møder i uddannelsesudvalget de seneste 12 måneder.",
    "agreements_greb": "Udviklingsaftaler",
    "booking_greb": "Booking af kurser",
    "check_ins": "Håndholdt planlægning: lederens opfølgning på lange kurser",
    "check_ins_of": "{done} af {all} kurser på 4 dage eller mere",
    "substitutes_greb": "Afløserkorps",
    "collective": "Kollektive kurser og makkerpar",
    "no_collective": "Ingen kollektive kurser de seneste 12 måneder.",
    "participants": "deltagere",
    "cancellations": "Aflysninger",
    "cancellations_of": "{n} aflyst af {booked} bookinger de seneste 12 mdr.",
    "board_meetings": "Tavlemøder",
    "peer": "Kollega til kollega",
    "department_meeting": "Afdelingsmøder",
    "sharing_occasions": "{n} gange, {audience} tilhørere",
    "practice": "Opfølgning i praksis",
    "practice_of": "{followed} af {done} gennemførte kurser fulgt op; brugt i praksis: {applied}",
    "greb_link": "Alle greb i detaljer",
    "greb_title": "Grebene i detaljer",
    "competences_title": "Kompetencematrix",
    "competences_lead": "Medarbejdere × kompetencer: niveau 1–5 mod målet fra åbne kompetencegab.",
    "employee": "Medarbejder",
    "department": "Afdeling",
    "level": "niveau",
    "below_target": "under målet",
    "at_target": "på målet",
    "no_employees": "Ingen aktive medarbejdere.",
    "managers_title": "Ledere",
    "manager": "Leder",
    "manager_title": "Leder {manager}",
    "no_managers": "Ingen ledere med medarbejdere eller aktivitet på datoen.",
    "department_title": "Afdeling",
    "print_link": "Mødepapir til ledergruppen",
    "print_title": "Mødepapir til ledergruppen",
    "print_lead": "Status pr. {as_of} for ledergruppens møde.",
    "funding_link": "Tilskud",
    "funding_title": "Tilskud: VEU-godtgørelse og kompetencefonde",
    "funding_lead": "Forventede, søgte, bevilgede og udbetalte beløb; hvad der er i risiko eller tabt.",
    "expected": "Forventet", "applied": "Søgt", "granted": "Bevilget", "paid": "Udbetalt",
    "at_risk_amount": "I risiko", "lost": "Tabt", "gross_cost": "Bruttoomkostning", "net_cost": "Nettoomkostning",
    "bookings": "Bookinger",
    "kr": "kr.",
    "all_departments": "Alle afdelinger",
    "date_hint": "ÅÅÅÅ-MM-DD",
    "known_at": "Kendt pr.",
    "known_at_hint": "fx 2026-12-01T12:00:00+01:00",
    "known_at_title": "Et tidspunkt (RFC 3339 med tidszone): siden viser, hvad der var kendt da. Tomt: nu.",
    "known_at_banner": "Siden viser, hvad der var kendt pr. {instant}: indberetninger modtaget senere tæller ikke.",
    "known_at_as_now": "Nøgletal, udvikling, kompetencer og opfølgning er som kendt da; værktøjerne (greb), årshjulet, "
                       "tilskud og planen vises, som de er kendt nu.",
    "known_at_now_link": "Vis som kendt nu",
    "bad_known_at": "{value} er ikke et tidspunkt. Skriv det som 2026-12-01T12:00:00+01:00 (med tidszone).",
    "back_company": "Til virksomheden",
    "source_mus": "MUS", "source_manager": "leder", "source_committee": "udvalg", "source_consultant": "konsulent",
    "source_ambassador": "ambassadør", "source_strategy": "strategi",
    "gaps_by_source": "Kompetencegab efter kilde",
    "matrix_cut": "Viser de første {shown} af {total} medarbejdere; vælg en afdeling for at se dens.",
    "claim_paid": "udbetalt",
    "claim_partly_paid": "delvist udbetalt",
    "claim_granted": "bevilget",
    "claim_applied_late": "søgt for sent",
    "claim_applied": "søgt",
    "claim_rejected": "afvist",
    "claim_cancelled": "aflyst",
    "claim_not_eligible": "ikke berettiget",
    "claim_lost": "tabt",
    "claim_at_risk": "i risiko",
    "claim_to_apply": "skal søges",
    "scheme": "Ordning",
    "gaps_note": "Kompetencer: åbne/rejste gab, flest åbne først.",
    "identified": "rejst", "open": "åbne", "closed": "lukkede",
    "competence": "Kompetence",
    "source": "Kilde",
    "date": "Dato",
    "course": "Kursus",
    "month": "Måned",
    "pages": "Sider",
    "agreements_completed_on_time": "Gennemført til tiden",
    "completion_target": "Mål for gennemførelse",
    "overview_page": "Overblik",
})
TEXT["en"].update({
    "phase_1": "Clarifying competence needs",
    "phase_2": "Planning",
    "phase_3": "Carrying out",
    "phase_4": "Follow-up and inspiration",
    "phase_1_lead": ("Strategy, the nearest manager, development talks, competence profiles and ambassadors"
                     " find the needs."),
    "phase_2_lead": "The annual wheel, the education committee and development agreements make the plan.",
    "phase_3_lead": "Courses are booked and completed with hand-held planning, substitutes and buddy pairs.",
    "phase_4_lead": "Knowledge is shared at board meetings and peer to peer, and managers follow up in practice.",
    "greb": "Tools",
    "status_on_track": "On track",
    "status_behind": "Behind",
    "status_nothing_due_yet": "no agreements due yet",
    "cycle_status": "Status of the cycle",
    "on_track_rate": "Due agreements completed on time",
    "due_of": "{done} of {due} agreements due",
    "agreements_made": "Agreements made in the cycle",
    "last_cycle": "Last cycle",
    "last_cycle_lead": ("The verdict on the finished cycle {start} – {end}: agreements completed on time"
                        " against the target."),
    "verdict_met": "Target met",
    "verdict_missed": "Target missed",
    "verdict_none": "No agreements",
    "scope": "Unit",
    "charts": "Trends",
    "chart_completion_cycles": "Agreements completed on time per cycle",
    "chart_completion_month": "Agreements completed on time (running)",
    "chart_participation": "Participation (12 months) by month",
    "chart_hours": "Training hours per employee (12 months) by month",
    "chart_mus": "MUS coverage by month",
    "chart_sharing": "Knowledge sharing by month",
    "cycle_ending": "cycle to {end}",
    "hours_unit": "h",
    "strategy": "Education strategy",
    "vision": "Vision",
    "formality_formal": "formal, written strategy",
    "formality_informal": "informal vision",
    "adopted": "adopted {date}",
    "no_strategy": "No strategy adopted; the default cycle and the 85% target apply.",
    "managers_greb": "Nearest-manager responsibility",
    "managers_link": "See the figures per manager",
    "mus_greb": "Development talks with an education item",
    "profiles_greb": "Competence profiles and plans",
    "matrix_link": "See the competence matrix",
    "ambassadors": "Shop steward as education ambassador",
    "role_shop_steward": "shop steward",
    "role_education_ambassador": "education ambassador",
    "no_ambassadors": "No ambassadors appointed.",
    "gaps_raised": "Competence gaps raised by ambassadors: {n} ({open} open, {closed} closed)",
    "wheel_greb": "Annual wheel",
    "committee": "Education committee",
    "committee_meetings": "Meetings in the last 12 months",
    "committee_composition": "{m} from management, {e} employee representatives",
    "topics": "Topics",
    "no_meetings": "No education committee meetings in the last 12 months.",
    "agreements_greb": "Development agreements",
    "booking_greb": "Booking courses",
    "check_ins": "Hand-held planning: manager check-ins on long courses",
    "check_ins_of": "{done} of {all} courses of 4 days or more",
    "substitutes_greb": "Substitute pool",
    "collective": "Collective courses and buddy pairs",
    "no_collective": "No collective courses in the last 12 months.",
    "participants": "participants",
    "cancellations": "Cancellations",
    "cancellations_of": "{n} cancelled of {booked} bookings in the last 12 months",
    "board_meetings": "Board meetings",
    "peer": "Peer to peer",
    "department_meeting": "Department meetings",
    "sharing_occasions": "{n} times, {audience} listeners",
    "practice": "Follow-up in practice",
    "practice_of": "{followed} of {done} completed courses followed up; applied in practice: {applied}",
    "greb_link": "All tools in detail",
    "greb_title": "The tools in detail",
    "competences_title": "Competence matrix",
    "competences_lead": "Employees × competences: level 1–5 against the target of open competence gaps.",
    "employee": "Employee",
    "department": "Department",
    "level": "level",
    "below_target": "below target",
    "at_target": "at target",
    "no_employees": "No active employees.",
    "managers_title": "Managers",
    "manager": "Manager",
    "manager_title": "Manager {manager}",
    "no_managers": "No managers with employees or activity on the date.",
    "department_title": "Department",
    "print_link": "Meeting paper for the leadership group",
    "print_title": "Meeting paper for the leadership group",
    "print_lead": "Status as of {as_of} for the leadership group's meeting.",
    "funding_link": "Funding",
    "funding_title": "Funding: VEU allowance and competence funds",
    "funding_lead": "Expected, applied, granted and paid amounts; what is at risk or lost.",
    "expected": "Expected", "applied": "Applied", "granted": "Granted", "paid": "Paid",
    "at_risk_amount": "At risk", "lost": "Lost", "gross_cost": "Gross cost", "net_cost": "Net cost",
    "bookings": "Bookings",
    "kr": "DKK",
    "all_departments": "All departments",
    "date_hint": "YYYY-MM-DD",
    "known_at": "As known at",
    "known_at_hint": "e.g. 2026-12-01T12:00:00+01:00",
    "known_at_title": "An instant (RFC 3339 with offset): the page shows what was known then. Empty: now.",
    "known_at_banner": "This page shows what was known at {instant}: messages received later do not count.",
    "known_at_as_now": "Figures, trends, competences and actions are as known then; the tools (greb), the annual "
                       "wheel, funding and the plan are shown as known now.",
    "known_at_now_link": "Show as known now",
    "bad_known_at": "{value} is not an instant. Write it as 2026-12-01T12:00:00+01:00 (with its offset).",
    "back_company": "To the company",
    "source_mus": "MUS", "source_manager": "manager", "source_committee": "committee",
    "source_consultant": "consultant", "source_ambassador": "ambassador", "source_strategy": "strategy",
    "gaps_by_source": "Competence gaps by source",
    "matrix_cut": "Showing the first {shown} of {total} employees; choose a department to see its own.",
    "claim_paid": "paid",
    "claim_partly_paid": "partly paid",
    "claim_granted": "granted",
    "claim_applied_late": "applied late",
    "claim_applied": "applied",
    "claim_rejected": "rejected",
    "claim_cancelled": "cancelled",
    "claim_not_eligible": "not eligible",
    "claim_lost": "lost",
    "claim_at_risk": "at risk",
    "claim_to_apply": "to apply for",
    "scheme": "Scheme",
    "gaps_note": "Competences: open/raised gaps, most open first.",
    "identified": "raised", "open": "open", "closed": "closed",
    "competence": "Competence",
    "source": "Source",
    "date": "Date",
    "course": "Course",
    "month": "Month",
    "pages": "Pages",
    "agreements_completed_on_time": "Completed on time",
    "completion_target": "Completion target",
    "overview_page": "Overview",
})


# The HR manager's actions (CONTRACT §7, and the funding read's two kinds): a title and what to do per kind.
ACTION_KIND_ORDER = ("agreement_overdue", "agreement_not_booked", "review_missing", "follow_up_due",
                     "check_in_missing", "sharing_missing", "substitute_missing", "buddy_missing",
                     "funding_deadline", "funding_unclaimed")
"""The order the actions page shows the kinds in (a kind it does not know comes after them)."""

TEXT["da"].update({
    "actions_title": "Det skal følges op",
    "actions_link": "{n} ting at følge op",
    "actions_link_one": "1 ting at følge op",
    "actions_none": "Intet at følge op pr. {as_of}.",
    "actions_lead": "Hvad lederne skal gøre pr. {as_of}, for de medarbejdere der er ansat på datoen.",
    "actions_csv": "Hent som CSV til Excel",
    "actions_count": "Antal",
    "action_what": "Det skal gøres",
    "action_since": "Siden",
    "action_person": "Medarbejder",
    "action_detail": "Detaljer",
    "action_ref": "Reference",
    "days_ago": "for {n} dage siden",
    "day_ago": "for 1 dag siden",
    "today": "i dag",
    "in_days": "om {n} dage",
    "no_manager": "ingen leder",
    "actions_cut": "Viser de første {shown} af {total}; hele listen står i CSV-filen.",
    "action_kind_agreement_overdue": "Overskredne udviklingsaftaler",
    "action_kind_agreement_not_booked": "Aftaler uden booking",
    "action_kind_review_missing": "Manglende MUS",
    "action_kind_follow_up_due": "Opfølgning på MUS",
    "action_kind_check_in_missing": "Manglende check-in under kursus",
    "action_kind_sharing_missing": "Manglende videndeling",
    "action_kind_substitute_missing": "Manglende afløser",
    "action_kind_buddy_missing": "Manglende makker",
    "action_kind_funding_deadline": "Fondsfrist nærmer sig",
    "action_kind_funding_unclaimed": "VEU-godtgørelse ikke søgt",
    "action_do_agreement_overdue": "Aftalen er over fristen: få kurset gennemført, eller aftal en ny frist"
                                   " med medarbejderen.",
    "action_do_agreement_not_booked": "Book et kursus til aftalen.",
    "action_do_review_missing": "Hold MUS med medarbejderen.",
    "action_do_follow_up_due": "Følg op på MUS: aftal den uddannelse samtalen pegede på.",
    "action_do_check_in_missing": "Tal med medarbejderen undervejs i kurset (check-in).",
    "action_do_sharing_missing": "Aftal hvordan medarbejderen deler det lærte med kollegerne.",
    "action_do_substitute_missing": "Find en afløser: kurset ligger i en travl måned.",
    "action_do_buddy_missing": "Find en makker, der tager kurset sammen med medarbejderen.",
    "action_do_funding_deadline": "Søg kompetencefonden inden fristen.",
    "action_do_funding_unclaimed": "Søg VEU-godtgørelse for kurset.",
})
TEXT["en"].update({
    "actions_title": "To follow up",
    "actions_link": "{n} things to follow up",
    "actions_link_one": "1 thing to follow up",
    "actions_none": "Nothing to follow up on {as_of}.",
    "actions_lead": "What the managers should do on {as_of}, for the employees employed on that date.",
    "actions_csv": "Download as CSV for Excel",
    "actions_count": "Count",
    "action_what": "What to do",
    "action_since": "Since",
    "action_person": "Employee",
    "action_detail": "Details",
    "action_ref": "Reference",
    "days_ago": "{n} days ago",
    "day_ago": "1 day ago",
    "today": "today",
    "in_days": "in {n} days",
    "no_manager": "no manager",
    "actions_cut": "Showing the first {shown} of {total}; the CSV file has the whole list.",
    "action_kind_agreement_overdue": "Overdue development agreements",
    "action_kind_agreement_not_booked": "Agreements without a booking",
    "action_kind_review_missing": "Missing development reviews",
    "action_kind_follow_up_due": "Review follow-ups due",
    "action_kind_check_in_missing": "Missing check-ins during courses",
    "action_kind_sharing_missing": "Knowledge not yet shared",
    "action_kind_substitute_missing": "Missing substitutes",
    "action_kind_buddy_missing": "Missing buddies",
    "action_kind_funding_deadline": "Fund deadlines coming up",
    "action_kind_funding_unclaimed": "VEU allowance not applied for",
    "action_do_agreement_overdue": "The agreement is past its due date: get the course completed, or agree a new date"
                            " with the employee.",
    "action_do_agreement_not_booked": "Book a course for the agreement.",
    "action_do_review_missing": "Hold a development review with the employee.",
    "action_do_follow_up_due": "Follow up the review: agree the education it pointed to.",
    "action_do_check_in_missing": "Check in with the employee during the course.",
    "action_do_sharing_missing": "Arrange how the employee shares what was learnt with colleagues.",
    "action_do_substitute_missing": "Arrange a substitute: the course falls in a busy month.",
    "action_do_buddy_missing": "Find a buddy to take the course with the employee.",
    "action_do_funding_deadline": "Apply to the competence fund before its deadline.",
    "action_do_funding_unclaimed": "Apply for the VEU allowance for the course.",
})


# The planning assistant's plan (CONTRACT §8), read only.
TEXT["da"].update({
    "plan_link": "Plan",
    "plan_title": "Uddannelsesplan",
    "plan_lead": "Planlægningsassistentens forslag for {start} – {end}: hvem der tager hvilket hold hvornår. "
                 "Forslaget vises kun her; det er lederne, der beslutter og accepterer.",
    "plan_none": "Der er endnu ingen plan for {company}.",
    "plan_unknown": "Virksomheden har ingen plan med id {plan_id}.",
    "plan_how": "Lav en plan med kommandoen",
    "plan_made": "Lavet {at}",
    "plan_made_col": "Lavet",
    "plan_status": "Status",
    "plan_status_optimal": "optimal (bevist bedst)",
    "plan_status_feasible": "gyldig (ikke bevist bedst)",
    "plan_objective": "Målværdi",
    "plan_bound": "Øvre grænse",
    "plan_gap": "Afstand til grænsen",
    "plan_assignments": "Aftaler med hold",
    "plan_unplanned": "Aftaler uden hold",
    "plan_people": "Medarbejdere",
    "plan_hours": "Kursustimer i alt",
    "plan_months": "Måned for måned",
    "plan_months_lead": "Medarbejdere på kursus og kursustimer pr. afdeling, efter kursets startmåned.",
    "plan_by_department": "Pr. afdeling",
    "plan_month_total": "medarbejdere: {people} · timer: {hours}",
    "plan_cell": "{people} pers. · {hours} t",
    "plan_run": "Hold",
    "plan_dates": "Periode",
    "plan_hours_col": "Timer",
    "plan_agreement": "Aftale",
    "plan_value": "Point",
    "plan_why": "Hvorfor",
    "plan_warnings": "Advarsler og forklaringer",
    "plan_recent": "Seneste planer",
    "plan_solver": "Løser {name} {version}, {seconds} s",
    "plan_facts": "Bygger på fakta dateret til og med {start}.",
    "plan_accepted": "Accepteret med bookingdato {day}: {accepted} bookinger, {duplicate} dubletter,"
                     " {rejected} afviste.",
    "plan_accepted_short": "accepteret {day}",
    "plan_not_accepted_short": "ikke accepteret",
    "warn_feasible": "Planen er gyldig, men ikke bevist bedst: målværdien {objective} kan være op til {gap} under "
                     "den bedst mulige (grænse {bound}).",
    "warn_unplanned": "Aftaler uden hold: {n} ({reasons}).",
    "warn_started": "Planperioden begyndte {start}, før {as_of}. Planen bygger på fakta fra dengang; lav en ny, "
                    "før den accepteres.",
    "warn_not_accepted": "Planen er ikke accepteret: intet er booket efter den. Den accepteres med",
    "warn_empty": "Planen giver ingen aftaler et hold.",
    "why_no_eligible_run": "intet hold passer",
    "why_seats": "ingen ledige pladser",
    "why_overlap": "overlapper et andet kursus",
    "why_capacity": "afdelingen kan ikke undvære flere",
    "why_not_chosen": "ikke valgt: andre gav mere",
})
TEXT["en"].update({
    "plan_link": "Plan",
    "plan_title": "Course plan",
    "plan_lead": "The planning assistant's proposal for {start} – {end}: who takes which course run when. "
                 "It is only shown here; the managers decide and accept.",
    "plan_none": "There is no plan for {company} yet.",
    "plan_unknown": "The company has no plan with id {plan_id}.",
    "plan_how": "Make one with the command",
    "plan_made": "Made {at}",
    "plan_made_col": "Made",
    "plan_status": "Status",
    "plan_status_optimal": "optimal (proved best)",
    "plan_status_feasible": "feasible (not proved best)",
    "plan_objective": "Objective",
    "plan_bound": "Upper bound",
    "plan_gap": "Gap to the bound",
    "plan_assignments": "Agreements with a run",
    "plan_unplanned": "Agreements without a run",
    "plan_people": "Employees",
    "plan_hours": "Course hours in all",
    "plan_months": "Month by month",
    "plan_months_lead": "Employees on a course and course hours per department, by the month the course starts.",
    "plan_by_department": "Per department",
    "plan_month_total": "employees: {people} · hours: {hours}",
    "plan_cell": "{people} pers. · {hours} h",
    "plan_run": "Run",
    "plan_dates": "Dates",
    "plan_hours_col": "Hours",
    "plan_agreement": "Agreement",
    "plan_value": "Points",
    "plan_why": "Why",
    "plan_warnings": "Warnings and reasons",
    "plan_recent": "Recent plans",
    "plan_solver": "Solver {name} {version}, {seconds} s",
    "plan_facts": "Built on the facts dated up to {start}.",
    "plan_accepted": "Accepted with booking date {day}: {accepted} bookings, {duplicate} duplicates,"
                     " {rejected} rejected.",
    "plan_accepted_short": "accepted {day}",
    "plan_not_accepted_short": "not accepted",
    "warn_feasible": "The plan is feasible but not proved best: its objective {objective} may be up to {gap} below "
                     "the best possible (bound {bound}).",
    "warn_unplanned": "Agreements without a run: {n} ({reasons}).",
    "warn_started": "The plan's window began on {start}, before {as_of}. It rests on the facts of then; make a new "
                    "one before accepting it.",
    "warn_not_accepted": "The plan is not accepted: nothing is booked by it. Accept it with",
    "warn_empty": "The plan gives no agreement a run.",
    "why_no_eligible_run": "no run fits",
    "why_seats": "no seats left",
    "why_overlap": "overlaps another course",
    "why_capacity": "the department cannot spare more people",
    "why_not_chosen": "not chosen: others were worth more",
})
