"""Spreadsheets in (`eduplan import`, contract §7) and out (kpis.csv): every row through the intake with its
row number, headers in English or Danish, Danish and Excel value conventions, and files that are not
spreadsheets refused before anything is sent."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import openpyxl
import pytest
from test_cli_door import run

from services.core.app import App, app_for_url
from services.core.imports.columns import KINDS, read_bool, read_date, read_number
from services.core.imports.templates import template_rows
from services.doors.http import create_app

TENANT = "saltvaerket"


def _csv(path: Path, rows: list[list[str]], *, delimiter: str = ";", bom: bool = True,
         encoding: str = "utf-8") -> Path:
    text = "".join(delimiter.join(row) + "\r\n" for row in rows)
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom and encoding == "utf-8" else b"") + data)
    return path


def _rows(done: subprocess.CompletedProcess[bytes]) -> list[dict[str, object]]:
    assert done.returncode == 0, done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


async def _count_outcomes(database_url: str) -> int:
    app = await app_for_url(database_url, max_size=2)
    try:
        return int(await app.pool.fetchval("SELECT count(*) FROM outcomes") or 0)
    finally:
        await app.close()


EMPLOYEES = [
    ["Medarbejder ID", "Navn", "Afdeling", "Jobgruppe", "Ansat dato"],
    ["e1", "Anna Jensen", "produktion", "faglært", "01-08-2021"],
    ["e2", "Bo Nielsen", "produktion", "ufaglært", "2022-02-01"],
    ["e3", "Carl Holm", "kontor", "professional", "44562"],  # an Excel serial date: 2022-01-01
]


# --- reading cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026-03-01", "2026-03-01"), ("1.3.2026", "2026-03-01"), ("01-03-2026", "2026-03-01"),
    ("1/3/2026", "2026-03-01"), (46082, "2026-03-01"), (46082.0, "2026-03-01"), ("46082", "2026-03-01"),
    (date(2026, 3, 1), "2026-03-01"), ("2026-03-01 00:00:00", "2026-03-01"),
    ("31-02-2026", "31-02-2026"), ("next week", "next week"), ("46082.5", "46082.5"),
])
def test_dates_in_iso_danish_and_excel_serial_forms_are_read_and_anything_else_kept(
    cell: object, expected: str
) -> None:
    assert read_date(cell) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("cell", "expected"), [
    ("7,4", 7.4), ("7.4", 7.4), ("37", 37), ("1.234,5", 1234.5), ("1,234.5", 1234.5), (" 7,5 ", 7.5),
    (7.4, 7.4), ("seven", "seven"), ("NaN", "NaN"),
])
def test_numbers_with_a_danish_decimal_comma_or_thousands_separators(cell: object, expected: object) -> None:
    assert read_number(cell) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("cell", "expected"), [
    ("ja", True), ("Nej", False), ("yes", True), ("x", True), ("0", False), (True, True), ("måske", "måske"),
])
def test_yes_and_no_in_danish_and_english(cell: object, expected: object) -> None:
    assert read_bool(cell) == expected  # type: ignore[arg-type]


def test_every_kind_has_its_id_and_date_columns_and_a_template_with_two_examples() -> None:
    for name, kind in KINDS.items():
        names = {column.name for column in kind.columns}
        assert set(kind.row_id) <= names, name
        assert not kind.occurred_on or kind.occurred_on in names, name
        header, english, danish = template_rows(name, "en")
        assert header == [column.name for column in kind.columns]
        assert len(english) == len(danish) == len(header)


# --- importing through the intake ------------------------------------------------------------------


async def test_rows_become_messages_with_row_numbers_and_a_second_import_is_all_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    path = _csv(tmp_path / "medarbejdere.csv", EMPLOYEES)
    first = _rows(run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path),
                      "--json"))
    assert [(r["row"], r["status"]) for r in first] == [(2, "accepted"), (3, "accepted"), (4, "accepted")]
    again = _rows(run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path),
                      "--json"))
    assert [(r["row"], r["status"]) for r in again] == [(2, "duplicate"), (3, "duplicate"), (4, "duplicate")]
    assert [r["message_id"] for r in again] == [r["message_id"] for r in first]

    events = run(database_url, tmp_path, "events", "--tenant", TENANT)
    registered = [json.loads(line)["data"] for line in events.stdout.decode().splitlines()]
    assert [(e["employee_id"], e["job_family"], e["hired_on"]) for e in registered] == [
        ("e1", "skilled", "2021-08-01"), ("e2", "unskilled", "2022-02-01"), ("e3", "professional", "2022-01-01")]


async def test_bad_rows_get_their_row_number_and_the_contracts_reason_and_the_good_rows_go_in(
    database_url: str, tmp_path: Path
) -> None:
    _csv(tmp_path / "e.csv", EMPLOYEES[:2])
    run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(tmp_path / "e.csv"))
    reviews = _csv(tmp_path / "mus.csv", [
        ["medarbejder_id", "afholdt_dato", "uddannelsespunkt", "noter"],
        ["e1", "31-02-2026", "ja", ""],          # no such day
        ["e1", "15-03-2026", "måske", ""],       # not yes or no
        ["nobody", "15-03-2026", "ja", ""],      # unknown employee
        ["", "", "", ""],                        # blank rows are skipped but counted
        ["e1", "15-03-2026", "ja", "truck"],
    ], bom=False)
    rows = _rows(run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "reviews", str(reviews),
                     "--json"))
    assert [(r["row"], r["status"], r.get("reason")) for r in rows] == [
        (2, "rejected", "invalid_data"), (3, "rejected", "invalid_data"), (4, "rejected", "unknown_employee"),
        (6, "accepted", None)]
    assert "data.held_on" in str(rows[0]["detail"]) and "data.education_item" in str(rows[1]["detail"])
    stored = run(database_url, tmp_path, "rejections", "--tenant", TENANT, "--json")
    assert len(json.loads(stored.stdout)["rejections"]) == 3  # kept with their reasons, like any rejection


async def test_unknown_or_missing_columns_are_named_and_nothing_is_sent(database_url: str, tmp_path: Path) -> None:
    path = _csv(tmp_path / "bad.csv", [["employee_id", "farve", "navn"], ["e1", "blå", "Anna"]])
    done = run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path))
    assert done.returncode == 2
    error = done.stderr.decode()
    assert "'farve'" in error and "department" in error and "job_family" in error and "hired_on" in error
    assert "Traceback" not in error
    assert await _count_outcomes(database_url) == 0


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf\r\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"])
async def test_an_empty_file_or_one_that_is_not_a_spreadsheet_is_refused_with_one_line(
    database_url: str, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    done = run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path))
    assert done.returncode == 2
    assert len(done.stderr.decode().strip().splitlines()) == 1 and "file.csv" in done.stderr.decode()
    assert await _count_outcomes(database_url) == 0


async def test_a_fake_xlsx_and_an_empty_workbook_are_refused(database_url: str, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("employee_id;name\n", encoding="utf-8")
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    for path in (fake, empty):
        done = run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path))
        assert done.returncode == 2 and path.name in done.stderr.decode(), done.stderr.decode()
    assert await _count_outcomes(database_url) == 0


@pytest.mark.parametrize(("delimiter", "encoding"), [(",", "utf-8"), ("\t", "utf-8"), (";", "cp1252")])
async def test_commas_tabs_and_the_windows_encoding_of_danish_excel_are_read(
    database_url: str, tmp_path: Path, delimiter: str, encoding: str
) -> None:
    path = _csv(tmp_path / "e.csv", EMPLOYEES, delimiter=delimiter, encoding=encoding, bom=False)
    rows = _rows(run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path),
                     "--json"))
    assert [r["status"] for r in rows] == ["accepted"] * 3
    events = run(database_url, tmp_path, "events", "--tenant", TENANT).stdout.decode().splitlines()
    assert json.loads(events[0])["data"]["name"] == "Anna Jensen"
    assert json.loads(events[0])["data"]["job_family"] == "skilled"  # "faglært" read in either encoding


async def test_xlsx_with_date_cells_and_numbers(database_url: str, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["employee_id", "name", "department", "job_family", "hired_on"])
    sheet.append(["e1", "Anna", "rd", "skilled", date(2021, 8, 1)])
    sheet.append([17, "Bo", "rd", "leder", 44562])
    path = tmp_path / "e.xlsx"
    book.save(path)
    rows = _rows(run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", "employees", str(path),
                     "--json"))
    assert [(r["row"], r["status"]) for r in rows] == [(2, "accepted"), (3, "accepted")]
    events = run(database_url, tmp_path, "events", "--tenant", TENANT).stdout.decode().splitlines()
    assert [json.loads(e)["data"]["hired_on"] for e in events] == ["2021-08-01", "2022-01-01"]
    assert json.loads(events[1])["data"]["employee_id"] == "17"


async def test_a_danish_template_imports_as_it_is(database_url: str, tmp_path: Path) -> None:
    for kind in ("departments", "employees"):
        out = tmp_path / f"{kind}.xlsx"
        done = run(database_url, tmp_path, "import", "--template", kind, "--lang", "da", "--out", str(out))
        assert done.returncode == 0, done.stderr.decode()
        rows = _rows(run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", kind, str(out), "--json"))
        assert [r["status"] for r in rows] == ["accepted", "accepted"]


def test_the_csv_template_opens_in_excel_conventions(tmp_path: Path) -> None:
    done = run("postgresql://unused", tmp_path, "import", "--template", "bookings", "--lang", "da")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["tilmelding_id", "medarbejder_id", "tilmeldt_dato"]
    assert "7,4" in rows[2]  # the Danish example writes a decimal comma


async def test_a_company_with_only_spreadsheets_gets_its_kpis(database_url: str, tmp_path: Path) -> None:
    sheets = {
        "departments": [["afdeling", "navn"], ["produktion", "Produktion"]],
        "employees": EMPLOYEES[:3],
        "reviews": [["medarbejder_id", "afholdt_dato", "uddannelsespunkt"], ["e1", "10-03-2026", "ja"],
                    ["e2", "11-03-2026", "nej"]],
        "agreements": [["aftale_id", "medarbejder_id", "titel", "aftalt_dato"],
                       ["a1", "e1", "Truckcertifikat", "10-03-2026"]],
        "bookings": [["tilmelding_id", "medarbejder_id", "tilmeldt_dato", "aftale_id", "kursus", "kursustype", "timer",
                      "startdato", "slutdato"],
                     ["b1", "e1", "12-03-2026", "a1", "Truckcertifikat", "amu", "7,4", "20-04-2026", "21-04-2026"]],
        "completions": [["tilmelding_id", "gennemført_dato"], ["b1", "21-04-2026"]],
    }
    for kind, rows in sheets.items():
        done = run(database_url, tmp_path, "import", "--tenant", TENANT, "--kind", kind,
                   str(_csv(tmp_path / f"{kind}.csv", rows)))
        assert done.returncode == 0 and "rejected=0" in done.stdout.decode(), (kind, done.stdout, done.stderr)
    done = run(database_url, tmp_path, "kpi", "--tenant", TENANT, "--as-of", "2026-06-30", "--json")
    company = json.loads(done.stdout)["company"]
    assert company["active_employees"] == 2
    assert company["agreements_made"] == 1 and company["agreement_completion_rate"] == 1.0
    assert company["training_hours_per_employee_12m"] == pytest.approx(3.7)
    assert company["mus_coverage"] == 1.0 and company["mus_education_item_rate"] == 0.5


async def test_a_hundred_thousand_rows_stream_rows_read_ahead_stay_bounded(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is never held: at no moment are more than a few batches of rows read and not yet answered.

    (The peak memory of the same import is a figure of ``bench/import_bench.py``.)"""
    from services.core.imports import importer

    rows = 100_000
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("medarbejder_id;navn;afdeling;jobgruppe;ansat_dato\n")
        for n in range(rows):
            out.write(f"e{n};Person {n};afd{n % 40};faglært;{1 + n % 28:02d}-0{1 + n % 9}-2020\n")
    read = answered = ahead = 0
    opened = importer.open_sheet

    def counting_sheet(source: str | Path) -> object:
        sheet = opened(source)
        inner = sheet.rows

        def counted() -> object:
            nonlocal read, ahead
            for item in inner:
                read += 1
                ahead = max(ahead, read - answered)
                yield item

        sheet.rows = counted()  # type: ignore[assignment]
        return sheet

    def answer(_: object) -> None:
        nonlocal answered
        answered += 1

    monkeypatch.setattr(importer, "open_sheet", counting_sheet)
    core = await app_for_url(database_url, max_size=3)
    try:
        counts = await importer.import_sheet(core.intake, TENANT, "employees", str(path), on_outcome=answer)
    finally:
        await core.close()
    assert (counts.accepted, counts.duplicate, counts.rejected) == (rows, 0, 0)
    assert answered == rows
    assert ahead <= 5_000, f"{ahead} rows were read before their outcomes"  # the queues' bound, not the file


def _run_python(database_url: str, tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, env=env, timeout=600,
                          check=False, cwd=Path(__file__).resolve().parents[2])


# --- exports -----------------------------------------------------------------------------------------


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, App]]:
    core = await app_for_url(database_url)
    api = create_app(app=core, run_projections=False)
    try:
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=api)
            async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
                yield http, core
    finally:
        await core.close()


async def test_kpis_csv_is_the_document_for_excel_with_a_decimal_comma_in_danish(
    client: tuple[httpx.AsyncClient, App], tmp_path: Path
) -> None:
    http, core = client
    from services.core.imports.importer import import_sheet

    await import_sheet(core.intake, TENANT, "employees", str(_csv(tmp_path / "e.csv", EMPLOYEES)))
    await import_sheet(core.intake, TENANT, "reviews", str(_csv(tmp_path / "r.csv", [
        ["employee_id", "held_on", "education_item"], ["e1", "2026-03-10", "yes"]])))
    from projections import catch_up, ensure_schema

    await ensure_schema(core.pool)
    await catch_up(core.pool)
    document = (await http.get(f"/v1/tenants/{TENANT}/kpis", params={"as_of": "2026-06-30"})).json()
    for lang, decimal in (("da", "0,333"), ("en", "0.333")):
        answer = await http.get(f"/v1/tenants/{TENANT}/kpis.csv", params={"as_of": "2026-06-30", "lang": lang})
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/csv")
        assert answer.content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
        header, company = rows[0], rows[1]
        assert company[:3] == [TENANT, "2026-06-30", "company"]
        assert company[header.index("active_employees")] == str(document["company"]["active_employees"])
        assert company[header.index("mus_coverage")].startswith(decimal)
        assert {row[3] for row in rows[2:]} == set(document["departments"])
