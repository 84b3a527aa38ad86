"""The rules files: the shipped ones load; a bad file stops start-up naming the file, the line and the field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.core.funding.loader import SHIPPED, RulesError, load_rules

ROOT = Path(__file__).resolve().parents[2]

VEU = (SHIPPED / "veu.toml").read_text(encoding="utf-8")
IKUF = (SHIPPED / "ikuf.toml").read_text(encoding="utf-8")

FUND = """kind = "fund"
scheme = "own-fund"
name = "Our own fund"
sources = ["https://example.org/fund"]

[[periods]]
valid_from = 2024-01-01
valid_to = 2024-12-31
seniority_months = 3
days_per_year = 5
saved_days_max = 0
lead_time_days = 21
course_kinds = ["private"]
wage_cover_percent = 50
fee_cover_percent = 100
source = "https://example.org/fund/2024"

[[periods]]
valid_from = 2025-01-01
valid_to = 2026-12-31
seniority_months = 3
days_per_year = 5
saved_days_max = 5
lead_time_days = 21
course_kinds = ["private"]
wage_cover_percent = 50
fee_cover_percent = 100
source = "https://example.org/fund/2025"
"""

AGREEMENT = """kind = "agreements"

[agreements.house-agreement]
name = "Our house agreement"
funds = ["own-fund"]
"""


def _company(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / f"{name}.toml").write_text(text, encoding="utf-8")
    return tmp_path


def _error(tmp_path: Path, **files: str) -> RulesError:
    with pytest.raises(RulesError) as caught:
        load_rules([SHIPPED, _company(tmp_path, **files)])
    return caught.value


def _line(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    return lines[occurrence - 1]


def test_the_shipped_rules_load_with_veu_and_three_funds() -> None:
    book = load_rules([SHIPPED])
    assert book.veu is not None and book.veu.years[2021].hourly_rate is not None
    assert {"ikuf", "tl-arbejdsgiverne", "anlaegsgartner"} <= set(book.funds)
    assert all(fund.sources and fund.sources[0].startswith("https://") for fund in book.funds.values())


def test_a_company_adds_its_own_fund_and_agreement(tmp_path: Path) -> None:
    book = load_rules([SHIPPED, _company(tmp_path, fund=FUND, agreements=AGREEMENT)])
    assert book.funds["own-fund"].periods[1].saved_days_max == 5
    assert book.agreements["house-agreement"] == ("own-fund",)


def test_a_missing_year_names_file_line_and_field(tmp_path: Path) -> None:
    broken = VEU.replace("year = 2021\n", "year = 2031\n")
    error = _error(tmp_path, veu=broken)
    assert error.file.endswith("veu.toml")
    assert error.field == "years[3].year"
    assert error.line == _line(broken, "year = 2031")
    assert "2021 is missing" in str(error)


def test_a_year_given_twice_is_overlapping_validity(tmp_path: Path) -> None:
    broken = VEU.replace("year = 2021\n", "year = 2020\n")
    error = _error(tmp_path, veu=broken)
    assert (error.field, error.line) == ("years[3].year", _line(broken, "year = 2020", 2))
    assert "overlapping" in error.problem


def test_overlapping_fund_periods_are_refused(tmp_path: Path) -> None:
    broken = FUND.replace("valid_from = 2025-01-01", "valid_from = 2024-06-01")
    error = _error(tmp_path, fund=broken)
    assert (error.field, error.line) == ("periods[1].valid_from", _line(broken, "valid_from = 2024-06-01"))
    assert "overlaps" in error.problem


def test_a_gap_between_fund_periods_is_a_missing_period(tmp_path: Path) -> None:
    broken = FUND.replace("valid_from = 2025-01-01", "valid_from = 2025-03-01")
    error = _error(tmp_path, fund=broken)
    assert error.field == "periods[1].valid_from" and "missing from 2025-01-01" in error.problem


@pytest.mark.parametrize("old, new, field", [
    ("wage_cover_percent = 50\nfee_cover_percent = 100\nsource = \"https://example.org/fund/2025\"",
     "wage_cover_percent = -50\nfee_cover_percent = 100\nsource = \"https://example.org/fund/2025\"",
     "periods[1].wage_cover_percent"),
    ("days_per_year = 5\nsaved_days_max = 0", "days_per_year = -5\nsaved_days_max = 0", "periods[0].days_per_year"),
])
def test_negative_rates_are_refused(tmp_path: Path, old: str, new: str, field: str) -> None:
    broken = FUND.replace(old, new)
    assert broken != FUND
    error = _error(tmp_path, fund=broken)
    assert error.field == field and "negative" in error.problem
    assert error.line == _line(broken, new.split("\n")[0])


def test_a_negative_veu_rate_is_refused(tmp_path: Path) -> None:
    broken = VEU.replace("hourly_rate = 120.54", "hourly_rate = -120.54")
    error = _error(tmp_path, veu=broken)
    assert (error.field, error.line) == ("years[3].hourly_rate", _line(broken, "hourly_rate = -120.54"))


def test_an_unknown_fund_referenced_by_an_agreement_is_refused(tmp_path: Path) -> None:
    broken = AGREEMENT.replace('"own-fund"', '"no-such-fund"')
    error = _error(tmp_path, agreements=broken)
    assert error.file.endswith("agreements.toml")
    assert (error.field, error.line) == ("agreements.house-agreement.funds", _line(broken, "funds ="))
    assert "no-such-fund" in error.problem


def test_a_scheme_defined_twice_is_refused(tmp_path: Path) -> None:
    error = _error(tmp_path, again=IKUF)
    assert error.file.endswith("again.toml") and error.field == "scheme" and "already defined" in error.problem


def test_a_missing_field_names_its_table(tmp_path: Path) -> None:
    broken = FUND.replace("lead_time_days = 21\n", "", 1)
    error = _error(tmp_path, fund=broken)
    assert error.field == "periods[0].lead_time_days" and error.problem == "is required"
    assert error.line == _line(broken, "[[periods]]")


def test_an_unknown_field_is_refused_so_typos_are_seen(tmp_path: Path) -> None:
    broken = FUND.replace("lead_time_days = 21", "lead_days = 21", 1)
    error = _error(tmp_path, fund=broken)
    assert (error.field, error.line) == ("periods[0].lead_days", _line(broken, "lead_days"))


def test_a_year_without_a_rate_must_be_marked_to_fill(tmp_path: Path) -> None:
    broken = VEU.replace("year = 2022\nto_fill = true  # rate and transport_rate for 2022: fill in from AUB",
                         "year = 2022")
    assert broken != VEU
    error = _error(tmp_path, veu=broken)
    assert error.field == "years[4].transport_rate" and "to_fill" in error.problem


def test_toml_syntax_errors_carry_their_line(tmp_path: Path) -> None:
    broken = FUND.replace("days_per_year = 5\nsaved_days_max = 0", "days_per_year = = 5\nsaved_days_max = 0")
    error = _error(tmp_path, fund=broken)
    assert error.line == _line(broken, "= = 5") and "not valid TOML" in error.problem


def test_start_up_stops_with_the_file_line_and_field(tmp_path: Path) -> None:
    company = _company(tmp_path, agreements=AGREEMENT.replace('"own-fund"', '"ghost"'))
    env = {"EDUPLAN_FUNDING_RULES_DIR": str(company), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    for command in (["funding", "--tenant", "t"], ["serve", "--port", "1"], ["ingest", "-"]):
        done = subprocess.run([sys.executable, "-m", "services.doors.cli", *command], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60, input="")
        assert done.returncode == 2, (command, done.stderr)
        assert f"{company / 'agreements.toml'}:5: agreements.house-agreement.funds: unknown fund 'ghost'" \
            in done.stderr, done.stderr
