"""The template of a kind: its header row and two example rows, one written the English way (ISO dates,
decimal point, yes/no) and one the Danish way (day-first dates, decimal comma, ja/nej, Danish words),
both of which the import reads."""

from __future__ import annotations

from pathlib import Path

from services.core.imports.columns import KINDS
from services.core.tabular import excel_csv


def template_rows(kind_name: str, lang: str) -> list[list[str]]:
    kind = KINDS[kind_name]
    header = [column.danish if lang == "da" else column.name for column in kind.columns]
    english = [column.example_en for column in kind.columns]
    danish = [column.example_da for column in kind.columns]
    return [header, english, danish]


def write_template(kind_name: str, out: Path | None, lang: str) -> bytes | None:
    """Writes an .xlsx workbook when ``out`` ends in .xlsx; else CSV for Excel (returned when ``out`` is None)."""
    rows = template_rows(kind_name, lang)
    if out is not None and out.suffix.lower() == ".xlsx":
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = kind_name
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = openpyxl.styles.Font(bold=True)
        book.save(out)
        return None
    content = excel_csv(rows, lang=lang)
    if out is None:
        return content
    out.write_bytes(content)
    return None
