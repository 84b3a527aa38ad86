"""The column set of each spreadsheet kind: which message a row becomes, its columns (English and Danish
headers), how a cell is read, and which column is the row's own id.

A cell is turned into the message's value only when it can be read unambiguously (a date in one of the
accepted forms, a number with a decimal point or a Danish decimal comma, yes/no in either language);
otherwise the text goes into the message as it is, so the intake rejects the row with the contract's
reason and a detail naming the field, like any other bad message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

Cell = str | int | float | bool | date | datetime | None
Reader = Callable[[Cell], Any]

EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's serial dates (the 1900 date system, with its 1900-02-29 quirk already folded in)."""

_SERIAL_RANGE = (1, 2_958_465)  # 1900-01-01 .. 9999-12-31
_DMY = re.compile(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})")


def normalise(header: str) -> str:
    """Headers compare without case, accents, spaces, hyphens or dots: 'Ansat dato' = 'ansat_dato'."""
    text = str(header).strip().lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-./]+", "", text)


def _text(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def read_text(cell: Cell) -> Any:
    return _text(cell)


def read_date(cell: Cell) -> Any:
    """ISO dates, Danish day-first dates (3.12.2026, 03-12-2026, 3/12/2026), Excel serial numbers and
    spreadsheet date cells; anything else goes on as text (and is rejected as invalid data)."""
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _serial(cell) or _text(cell)
    text = _text(cell)
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else _iso_datetime(text)
    except ValueError:
        pass
    match = _DMY.fullmatch(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    if re.fullmatch(r"\d{1,7}(\.0+)?", text):
        return _serial(float(text)) or text
    return text


def _iso_datetime(text: str) -> str:
    """A date-and-time text (as some exports write dates) read as its date; raises ValueError otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]00:00(:00)?", text):
        raise ValueError(text)
    return text[:10]


def _serial(number: float) -> str | None:
    if not float(number).is_integer() or not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1]:
        return None
    return (EXCEL_EPOCH + timedelta(days=int(number))).isoformat()


def read_number(cell: Cell) -> Any:
    """A number: 7.4, 7,4 (Danish decimal comma), 1.234,5 or 1,234.5 (thousands separators)."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return cell
    text = _text(cell).replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif "," in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return _text(cell)
    if not value.is_finite():
        return _text(cell)
    return int(value) if value == value.to_integral_value() and "." not in text else float(value)


def read_integer(cell: Cell) -> Any:
    value = read_number(cell)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_TRUE = {"ja", "j", "yes", "y", "true", "sand", "1", "x"}
_FALSE = {"nej", "n", "no", "false", "falsk", "0"}


def read_bool(cell: Cell) -> Any:
    if isinstance(cell, bool):
        return cell
    text = _text(cell).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return _text(cell)


def read_list(cell: Cell) -> Any:
    """Several ids in one cell, separated by commas, semicolons or spaces."""
    return [part for part in re.split(r"[,;\s]+", _text(cell)) if part]


def choice(values: dict[str, str]) -> Reader:
    """An enumerated value: the contract's own word, or its Danish counterpart."""
    accepted = {normalise(key): value for key, value in values.items()}

    def read(cell: Cell) -> Any:
        text = _text(cell)
        return accepted.get(normalise(text), text)

    return read


JOB_FAMILIES = choice({
    "unskilled": "unskilled", "ufaglært": "unskilled", "ufaglaert": "unskilled",
    "skilled": "skilled", "faglært": "skilled", "faglaert": "skilled",
    "professional": "professional", "funktionær": "professional", "akademiker": "professional",
    "manager": "manager", "leder": "manager",
})
COURSE_KINDS = choice({
    "amu": "amu", "vocational": "vocational", "erhvervsuddannelse": "vocational", "eud": "vocational",
    "higher": "higher", "videregående": "higher", "videregaaende": "higher",
    "private": "private", "privat": "private", "internal": "internal", "intern": "internal",
})


@dataclass(frozen=True)
class Column:
    name: str
    """The column's English header, which is also the field's name in the message (a dotted path for
    nested fields, e.g. ``course.title``)."""
    danish: str
    read: Reader = read_text
    required: bool = False
    aliases: tuple[str, ...] = ()
    example_en: str = ""
    example_da: str = ""


@dataclass(frozen=True)
class Kind:
    name: str
    message_type: str
    columns: tuple[Column, ...]
    row_id: tuple[str, ...]
    """The columns whose values identify the row (the message id is derived from them)."""
    occurred_on: str
    """The column whose date is when the row's fact happened (the envelope's occurred_at)."""
    fixed: dict[str, Any] = field(default_factory=dict)

    def header_index(self) -> dict[str, Column]:
        index: dict[str, Column] = {}
        for column in self.columns:
            for header in (column.name, column.danish, *column.aliases):
                index[normalise(header)] = column
        return index




KINDS: dict[str, Kind] = {kind.name: kind for kind in (
    Kind("company", "CompanyRegistered", (
        Column("name", "navn", required=True, aliases=("virksomhed", "firmanavn"),
               example_en="Smedjen A/S", example_da="Smedjen A/S"),
        Column("cvr", "cvr_nr", aliases=("cvrnr", "cvr_nummer"), example_en="12345678", example_da="12345678"),
        Column("registered_on", "registreret_dato", read_date, required=True, aliases=("registreret",),
               example_en="2026-01-01", example_da="01-01-2026"),
    ), row_id=("name",), occurred_on="registered_on"),
    Kind("departments", "DepartmentRegistered", (
        Column("department", "afdeling", required=True, aliases=("afdelingsnr", "department_id"),
               example_en="production", example_da="produktion"),
        Column("name", "navn", required=True, aliases=("afdelingsnavn",),
               example_en="Production", example_da="Produktion"),
    ), row_id=("department",), occurred_on=""),
    Kind("employees", "EmployeeRegistered", (
        Column("employee_id", "medarbejder_id", required=True, aliases=("medarbejdernr", "medarbejdernummer"),
               example_en="e-0001", example_da="m-0001"),
        Column("name", "navn", required=True, example_en="Anna Jensen", example_da="Bo Nielsen"),
        Column("department", "afdeling", required=True, example_en="production", example_da="produktion"),
        Column("job_family", "jobgruppe", JOB_FAMILIES, required=True, aliases=("stillingskategori",),
               example_en="skilled", example_da="faglært"),
        Column("hired_on", "ansat_dato", read_date, required=True, aliases=("ansættelsesdato", "ansat"),
               example_en="2021-08-01", example_da="01-08-2021"),
    ), row_id=("employee_id",), occurred_on="hired_on"),
    Kind("reviews", "DevelopmentReviewHeld", (
        Column("employee_id", "medarbejder_id", required=True, aliases=("medarbejdernr",),
               example_en="e-0001", example_da="m-0001"),
        Column("held_on", "afholdt_dato", read_date, required=True, aliases=("mus_dato", "dato"),
               example_en="2026-03-15", example_da="15-03-2026"),
        Column("education_item", "uddannelsespunkt", read_bool, required=True, aliases=("uddannelse",),
               example_en="yes", example_da="ja"),
        Column("follow_up_on", "opfølgning_dato", read_date, aliases=("opfølgning",),
               example_en="2026-05-01", example_da="01-05-2026"),
        Column("notes", "noter", aliases=("bemærkninger",), example_en="Wants forklift certificate",
               example_da="Ønsker truckcertifikat"),
    ), row_id=("employee_id", "held_on"), occurred_on="held_on"),
    Kind("agreements", "EducationAgreed", (
        Column("agreement_id", "aftale_id", required=True, aliases=("aftalenr",),
               example_en="a-2026-001", example_da="a-2026-002"),
        Column("employee_id", "medarbejder_id", required=True, aliases=("medarbejdernr",),
               example_en="e-0001", example_da="m-0001"),
        Column("title", "titel", required=True, aliases=("uddannelse", "kursus"),
               example_en="Forklift certificate", example_da="Truckcertifikat"),
        Column("agreed_on", "aftalt_dato", read_date, required=True, aliases=("aftalt",),
               example_en="2026-03-15", example_da="15-03-2026"),
        Column("due_by", "frist", read_date, aliases=("senest",), example_en="2027-02-28", example_da="28-02-2027"),
        Column("gap_id", "gab_id", aliases=("kompetencegab_id",)),
        Column("course_code", "kursuskode", aliases=("amu_nr", "amunr"), example_en="47592", example_da="47592"),
    ), row_id=("agreement_id",), occurred_on="agreed_on"),
    Kind("bookings", "CourseBooked", (
        Column("booking_id", "tilmelding_id", required=True, aliases=("booking", "tilmeldingsnr"),
               example_en="b-2026-001", example_da="b-2026-002"),
        Column("employee_id", "medarbejder_id", required=True, aliases=("medarbejdernr",),
               example_en="e-0001", example_da="m-0001"),
        Column("booked_on", "tilmeldt_dato", read_date, required=True, aliases=("booket_dato", "tilmeldt"),
               example_en="2026-04-01", example_da="01-04-2026"),
        Column("agreement_id", "aftale_id", aliases=("aftalenr",), example_en="a-2026-001", example_da="a-2026-002"),
        Column("course.title", "kursus", required=True, aliases=("course_title", "kursustitel", "titel"),
               example_en="Forklift certificate", example_da="Truckcertifikat"),
        Column("course.kind", "kursustype", COURSE_KINDS, required=True, aliases=("course_kind", "type"),
               example_en="amu", example_da="amu"),
        Column("course.hours", "timer", read_number, required=True, aliases=("course_hours", "hours"),
               example_en="37", example_da="7,4"),
        Column("course.code", "kursuskode", aliases=("course_code", "amu_nr", "amunr"),
               example_en="47592", example_da="47592"),
        Column("course.provider", "udbyder", aliases=("course_provider", "skole"),
               example_en="AMU Syd", example_da="AMU Syd"),
        Column("course.competence", "kompetence", aliases=("course_competence", "competence")),
        Column("starts_on", "startdato", read_date, required=True, aliases=("start",),
               example_en="2026-06-08", example_da="08-06-2026"),
        Column("ends_on", "slutdato", read_date, required=True, aliases=("slut",),
               example_en="2026-06-12", example_da="12-06-2026"),
        Column("run_id", "hold_id", aliases=("holdnr", "kursushold"), example_en="r-2026-06", example_da="r-2026-06"),
        Column("buddies", "makkere", read_list, aliases=("makker", "buddy"), example_en="e-0002", example_da="m-0003"),
        Column("collective", "kollektivt", read_bool, aliases=("kollektiv", "fælleskursus"),
               example_en="no", example_da="nej"),
    ), row_id=("booking_id",), occurred_on="booked_on"),
    Kind("completions", "CourseCompleted", (
        Column("booking_id", "tilmelding_id", required=True, aliases=("booking", "tilmeldingsnr"),
               example_en="b-2026-001", example_da="b-2026-002"),
        Column("completed_on", "gennemført_dato", read_date, required=True, aliases=("gennemført", "afsluttet"),
               example_en="2026-06-12", example_da="12-06-2026"),
        Column("hours_attended", "timer_deltaget", read_number, aliases=("deltaget_timer",),
               example_en="37", example_da="7,4"),
        Column("passed", "bestået", read_bool, example_en="yes", example_da="ja"),
    ), row_id=("booking_id",), occurred_on="completed_on"),
    Kind("runs", "CourseRunAnnounced", (
        Column("run_id", "hold_id", required=True, aliases=("holdnr", "kursushold"),
               example_en="r-2026-06", example_da="r-2026-09"),
        Column("title", "titel", required=True, aliases=("kursus", "kursustitel"),
               example_en="Forklift certificate", example_da="Truckcertifikat"),
        Column("kind", "kursustype", COURSE_KINDS, aliases=("course_kind", "type"),
               example_en="amu", example_da="amu"),
        Column("code", "kursuskode", aliases=("course_code", "amu_nr", "amunr"), example_en="47592",
               example_da="47592"),
        Column("competence", "kompetence", example_en="forklift", example_da="truck"),
        Column("provider", "udbyder", aliases=("skole",), example_en="AMU Syd", example_da="AMU Syd"),
        Column("starts_on", "startdato", read_date, required=True, aliases=("start",),
               example_en="2026-06-08", example_da="07-09-2026"),
        Column("ends_on", "slutdato", read_date, required=True, aliases=("slut",),
               example_en="2026-06-12", example_da="11-09-2026"),
        Column("hours", "timer", read_number, required=True, aliases=("kursustimer",),
               example_en="37", example_da="37"),
        Column("seats", "pladser", read_integer, required=True, aliases=("antal_pladser",),
               example_en="12", example_da="8"),
        Column("fee", "pris", read_number, aliases=("deltagerbetaling", "gebyr"),
               example_en="1250.50", example_da="1.250,50"),
    ), row_id=("run_id",), occurred_on=""),
)}
"""Every kind ``eduplan import --kind`` takes, by name."""
