"""Load and check the funding rules files: the ones shipped in ``rules/`` and a company's own directory
(``EDUPLAN_FUNDING_RULES_DIR``). Any problem stops start-up with the file, the line and the field.

A file is one of three kinds (``kind``): ``veu`` (the VEU rates by calendar year), ``fund`` (a competence fund's
rules by periods of validity) or ``agreements`` (which funds each collective agreement pays into).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, get_args

from domain.funding.catalog import SCHEME_ID
from domain.funding.messages import EducationLevel
from domain.funding.rules import VEU_SCHEME, FundPeriod, FundRules, RuleBook, VeuRules, VeuYear
from services.core.funding.locate import line_of

SHIPPED = Path(__file__).parent / "rules"
COURSE_KINDS = frozenset({"amu", "vocational", "higher", "private", "internal"})
LEVELS = frozenset(get_args(EducationLevel))


class RulesError(Exception):
    """A rules file that cannot be used; ``str`` names the file, line and field."""

    def __init__(self, file: str, line: int, field: str, problem: str) -> None:
        super().__init__(f"{file}:{line}: {field}: {problem}")
        self.file, self.line, self.field, self.problem = file, line, field, problem


@dataclass
class _File:
    path: Path
    text: str
    data: dict[str, Any]

    def error(self, where: tuple[str | int, ...], problem: str) -> RulesError:
        field = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(where))
        return RulesError(str(self.path), line_of(self.text, where), field or "file", problem)


def _read(path: Path) -> _File:
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _line_in_message(str(error))
        raise RulesError(str(path), line, "file", f"not valid TOML ({error})") from None
    return _File(path, text, data)


def _line_in_message(message: str) -> int:
    marker = "line "
    if marker in message:
        digits = "".join(ch for ch in message.split(marker, 1)[1] if ch.isdigit() or ch == ",").split(",")[0]
        if digits.isdigit():
            return int(digits)
    return 1


class _Table:
    """The values of one TOML table, read with their type and range checked; unknown keys are refused."""

    def __init__(self, file: _File, where: tuple[str | int, ...], values: Mapping[str, Any], known: set[str]) -> None:
        self.file, self.where, self.values = file, where, values
        for key in values:
            if key not in known:
                raise file.error((*where, key), f"unknown field (known: {', '.join(sorted(known))})")

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.values:
            if required:
                raise self.file.error((*self.where, key), "is required")
            return None
        return self.values[key]

    def fail(self, key: str, problem: str) -> RulesError:
        return self.file.error((*self.where, key), problem)

    def text(self, key: str, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(key, "must be a non-empty string")
        return value

    def texts(self, key: str, allowed: frozenset[str] | None = None, required: bool = True) -> tuple[str, ...]:
        value = self._get(key, required)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(key, "must be a list of strings")
        unknown = [v for v in value if allowed is not None and v not in allowed]
        if unknown:
            raise self.fail(key, f"unknown value {unknown[0]!r} (known: {', '.join(sorted(allowed or ()))})")
        return tuple(value)

    def number(self, key: str, required: bool = True, *, whole: bool = False, at_most: Decimal | None = None,
               positive: bool = False) -> Decimal | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.fail(key, "must be a number")
        number = Decimal(value)
        if number < 0:
            raise self.fail(key, f"must not be negative, not {number}")
        if positive and number == 0:
            raise self.fail(key, "must be greater than 0")
        if whole and number != number.to_integral_value():
            raise self.fail(key, "must be a whole number")
        if at_most is not None and number > at_most:
            raise self.fail(key, f"must be at most {at_most}, not {number}")
        return number

    def integer(self, key: str, required: bool = True) -> int | None:
        number = self.number(key, required, whole=True)
        return None if number is None else int(number)

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, "must be true or false")
        return value

    def day(self, key: str) -> date:
        value = self._get(key, True)
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self.fail(key, "must be a date written as YYYY-MM-DD (no quotes)")
        return value

    def tables(self, key: str) -> list[tuple[tuple[str | int, ...], Mapping[str, Any]]]:
        value = self._get(key, True)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, f"must be one or more [[{key}]] tables")
        return [((*self.where, key, n), item) for n, item in enumerate(value)]


_HEAD = {"kind", "scheme", "name", "administrator", "sources"}


def _head(file: _File, known: set[str]) -> tuple[_Table, str, str]:
    top = _Table(file, (), file.data, _HEAD | known)
    scheme = top.text("scheme")
    assert scheme is not None
    if not SCHEME_ID.fullmatch(scheme):
        raise top.fail("scheme", "must be lowercase letters, digits and hyphens, starting with a letter (≤ 40)")
    for n, source in enumerate(top.texts("sources")):
        if not source.startswith("https://"):
            raise file.error(("sources",), f"source {n + 1} must be an https:// address")
    name = top.text("name")
    assert name is not None
    return top, scheme, name


_VEU_KEYS = {"course_kinds", "eligible_levels", "higher_education_unused_years", "employment_days",
             "full_week_hours", "transport_free_km", "transport_max_km_per_day", "deadline_days_after_end", "years"}
_VEU_YEAR = {"year", "hourly_rate", "weekly_rate", "transport_rate", "source", "to_fill"}


def _veu(file: _File) -> VeuRules:
    top, scheme, name = _head(file, _VEU_KEYS)
    if scheme != VEU_SCHEME:
        raise top.fail("scheme", f"the VEU rules must have scheme = {VEU_SCHEME!r}")
    full_week = top.number("full_week_hours", positive=True)
    assert full_week is not None
    years: dict[int, VeuYear] = {}
    for where, values in top.tables("years"):
        year = _veu_year(_Table(file, where, values, _VEU_YEAR), full_week)
        if years and year.year in years:
            raise file.error((*where, "year"), f"{year.year} appears twice (overlapping validity)")
        if years and year.year != max(years) + 1:
            missing = max(years) + 1 if year.year > max(years) else year.year
            raise file.error((*where, "year"), f"year {missing} is missing: years must follow one another in order")
        years[year.year] = year
    return VeuRules(
        name=name,
        course_kinds=frozenset(top.texts("course_kinds", COURSE_KINDS)),
        eligible_levels=frozenset(top.texts("eligible_levels", LEVELS)),
        higher_unused_years=_int(top, "higher_education_unused_years"),
        employment_days=_int(top, "employment_days"),
        full_week_hours=full_week,
        free_km=_decimal(top, "transport_free_km"),
        max_km_per_day=_decimal(top, "transport_max_km_per_day"),
        deadline_days_after_end=_int(top, "deadline_days_after_end"),
        years=years,
        sources=top.texts("sources"),
        file=str(file.path),
    )


def _int(table: _Table, key: str) -> int:
    value = table.integer(key)
    assert value is not None
    return value


def _decimal(table: _Table, key: str) -> Decimal:
    value = table.number(key)
    assert value is not None
    return value


def _veu_year(table: _Table, full_week: Decimal) -> VeuYear:
    year = _int(table, "year")
    hourly, weekly = table.number("hourly_rate", False), table.number("weekly_rate", False)
    km_rate = table.number("transport_rate", False)
    to_fill = table.flag("to_fill", False)
    if hourly is not None and weekly is not None:
        raise table.fail("weekly_rate", "give hourly_rate or weekly_rate, not both")
    if not to_fill and (km_rate is None or (hourly is None and weekly is None)):
        key = "transport_rate" if km_rate is None else "hourly_rate"
        raise table.fail(key, f"is required for {year} (or mark the year to_fill = true until it is known)")
    if hourly is not None:
        rate, shown = Fraction(hourly), f"{hourly} kr/h"
    elif weekly is not None:
        rate, shown = Fraction(weekly) / Fraction(full_week), f"{weekly} kr a week of {full_week} h"
    else:
        rate, shown = None, "not configured"
    return VeuYear(year, rate, shown, km_rate, table.text("source", required=not to_fill) or "")


_FUND_KEYS = {"periods"}
_PERIOD = {"valid_from", "valid_to", "seniority_months", "days_per_year", "saved_days_max", "lead_time_days",
           "course_kinds", "wage_cover_percent", "hourly_amount", "hourly_includes_veu", "veu_first", "yearly_cap",
           "fee_cover_percent", "fee_cap", "source"}
HUNDRED = Decimal(100)


def _fund(file: _File) -> FundRules:
    top, scheme, name = _head(file, _FUND_KEYS)
    periods: list[FundPeriod] = []
    for where, values in top.tables("periods"):
        period = _period(_Table(file, where, values, _PERIOD))
        if periods and period.valid_from <= periods[-1].valid_to:
            raise file.error((*where, "valid_from"), f"overlaps the period before ({periods[-1].label()})")
        if periods and period.valid_from != periods[-1].valid_to + timedelta(days=1):
            gap_start = (periods[-1].valid_to + timedelta(days=1)).isoformat()
            raise file.error((*where, "valid_from"), f"rules are missing from {gap_start}: periods must follow"
                             " one another without a gap, in order")
        periods.append(period)
    return FundRules(scheme, name, tuple(periods), top.text("administrator", False) or "", top.texts("sources"),
                     str(file.path))


def _period(table: _Table) -> FundPeriod:
    valid_from, valid_to = table.day("valid_from"), table.day("valid_to")
    if valid_to < valid_from:
        raise table.fail("valid_to", "must not be before valid_from")
    wage = table.number("wage_cover_percent", False, at_most=HUNDRED)
    hourly = table.number("hourly_amount", False)
    if wage is not None and hourly is not None:
        raise table.fail("hourly_amount", "give wage_cover_percent or hourly_amount, not both")
    fee = table.number("fee_cover_percent", False, at_most=HUNDRED)
    return FundPeriod(
        valid_from=valid_from,
        valid_to=valid_to,
        seniority_months=_int(table, "seniority_months"),
        days_per_year=_int(table, "days_per_year"),
        saved_days_max=_int(table, "saved_days_max"),
        lead_time_days=_int(table, "lead_time_days"),
        course_kinds=frozenset(table.texts("course_kinds", COURSE_KINDS)),
        wage_cover_percent=wage,
        hourly_amount=hourly,
        hourly_includes_veu=table.flag("hourly_includes_veu", False),
        veu_first=table.flag("veu_first", False),
        yearly_cap=table.number("yearly_cap", False),
        fee_cover_percent=fee if fee is not None else Decimal(0),
        fee_cap=table.number("fee_cap", False),
        source=table.text("source") or "",
    )


def _agreements(file: _File) -> dict[str, tuple[tuple[str, ...], _Table]]:
    top = _Table(file, (), file.data, {"kind", "agreements"})
    agreements = top.values.get("agreements")
    if not isinstance(agreements, dict) or not agreements:
        raise top.fail("agreements", "must hold one [agreements.<id>] table per collective agreement")
    found = {}
    for agreement, values in agreements.items():
        if not isinstance(values, dict):
            raise file.error(("agreements", agreement), "must be a table with name and funds")
        table = _Table(file, ("agreements", agreement), values, {"name", "funds", "source"})
        table.text("name")
        found[agreement] = (table.texts("funds"), table)
    return found


_KINDS: dict[str, Callable[[_File], Any]] = {"veu": _veu, "fund": _fund, "agreements": _agreements}


def rules_files(directories: Iterable[Path]) -> list[Path]:
    files = []
    for directory in directories:
        if not directory.is_dir():
            raise RulesError(str(directory), 1, "EDUPLAN_FUNDING_RULES_DIR", "is not a directory")
        files += sorted(directory.glob("*.toml"))
    return files


def load_rules(directories: Iterable[Path]) -> RuleBook:
    """Every rules file of ``directories`` (shipped first), checked one by one and together."""
    veu: VeuRules | None = None
    funds: dict[str, FundRules] = {}
    agreements: dict[str, tuple[str, ...]] = {}
    references: list[tuple[str, tuple[str, ...], _Table]] = []
    for path in rules_files(directories):
        file = _read(path)
        kind = file.data.get("kind")
        if kind not in _KINDS:
            raise file.error(("kind",), f"must be one of {', '.join(sorted(_KINDS))}")
        loaded = _KINDS[str(kind)](file)
        if isinstance(loaded, VeuRules):
            if veu is not None:
                raise file.error(("scheme",), f"VEU is already defined in {veu.file}")
            veu = loaded
        elif isinstance(loaded, FundRules):
            if loaded.scheme in funds or loaded.scheme == VEU_SCHEME:
                raise file.error(("scheme",), f"scheme {loaded.scheme!r} is already defined"
                                 f" ({funds[loaded.scheme].file if loaded.scheme in funds else 'VEU'})")
            funds[loaded.scheme] = loaded
        else:
            for agreement, (fund_ids, table) in loaded.items():
                if agreement in agreements:
                    raise file.error(("agreements", agreement), "this collective agreement is already defined")
                agreements[agreement] = fund_ids
                references.append((agreement, fund_ids, table))
    for _agreement, fund_ids, table in references:
        for fund_id in fund_ids:
            if fund_id not in funds:
                raise table.fail("funds", f"unknown fund {fund_id!r} (known: {', '.join(sorted(funds)) or 'none'})")
    _check_veu_first(veu, funds)
    return RuleBook(veu=veu, funds=funds, agreements=agreements)


def _check_veu_first(veu: VeuRules | None, funds: Mapping[str, FundRules]) -> None:
    if veu is not None:
        return
    for fund in funds.values():
        for n, period in enumerate(fund.periods):
            if period.veu_first or period.hourly_includes_veu:
                file = _read(Path(fund.file))
                key = "veu_first" if period.veu_first else "hourly_includes_veu"
                raise file.error(("periods", n, key), f"refers to the {VEU_SCHEME!r} scheme, which is not defined")
