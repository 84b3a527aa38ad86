"""Tables for spreadsheets: CSV the way Excel opens it without a wizard (UTF-8 with BOM, ``;`` between
fields, a decimal comma and ja/nej in Danish), and the KPI document as rows (one per scope)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

BOM = "\ufeff"


def excel_value(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return ("ja" if value else "nej") if lang == "da" else ("true" if value else "false")
    if isinstance(value, float | Decimal):
        text = repr(float(value)) if isinstance(value, float) else str(value)
        if text.endswith(".0"):
            text = text[:-2]
        return text.replace(".", ",") if lang == "da" else text
    if isinstance(value, int):
        return str(value)
    return excel_text(str(value))


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_text(text: str) -> str:
    """A text cell as Excel shows it as text: one that starts like a formula (text from the HR system's messages:
    a department, an id, a title) would be run by Excel, so it gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def excel_csv(rows: Iterable[Iterable[Any]], *, lang: str = "en") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in rows:
        writer.writerow([excel_value(value, lang) for value in row])
    return (BOM + out.getvalue()).encode("utf-8")


def kpi_rows(document: Mapping[str, Any]) -> list[list[Any]]:
    """The KPI document as a table: a header, the company's row, then a row per department (and per
    manager when the document has them); one column per key, in the document's order."""
    company = document.get("company", {})
    keys = [key for key, value in company.items() if not isinstance(value, dict | list)]
    for scope in document.get("departments", {}).values():
        keys += [key for key in scope if key not in keys and not isinstance(scope[key], dict | list)]
    rows: list[list[Any]] = [["tenant", "as_of", "scope", "id", *keys]]
    rows.append([document.get("tenant"), document.get("as_of"), "company", "", *(company.get(k) for k in keys)])
    for group, scope_name in (("departments", "department"), ("managers", "manager")):
        for key, figures in sorted(document.get(group, {}).items()):
            rows.append([document.get("tenant"), document.get("as_of"), scope_name, key,
                         *(figures.get(k) for k in keys)])
    return rows


ACTION_COLUMNS = ("tenant", "as_of", "kind", "employee_id", "manager_id", "department", "ref", "since", "detail")
"""The actions' CSV columns: the document's tenant and date, then every field of an action (CONTRACT §7)."""

DANISH_ACTION_HEADINGS = {
    "tenant": "virksomhed", "as_of": "pr_dato", "kind": "handling", "employee_id": "medarbejder",
    "manager_id": "leder", "department": "afdeling", "ref": "reference", "since": "siden", "detail": "detaljer",
}


def action_rows(document: Mapping[str, Any], lang: str = "en") -> list[list[Any]]:
    """The actions document as a table: a header (Danish words when ``lang`` is ``da``), then one row per
    action in the document's order."""
    header = [DANISH_ACTION_HEADINGS[c] if lang == "da" else c for c in ACTION_COLUMNS]
    context = {"tenant": document.get("tenant"), "as_of": document.get("as_of")}
    return [header, *([{**context, **action}.get(c) for c in ACTION_COLUMNS] for action in document["actions"])]
