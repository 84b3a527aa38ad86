"""Rows out of a spreadsheet file, streamed: CSV (UTF-8 with or without BOM, or Windows-1252 as Danish
Excel writes it; comma, semicolon or tab separated) and XLSX (the first sheet).

``open_sheet`` checks what can be checked before a single row is used — that the file is a spreadsheet
at all, and its header row — so a file that cannot be imported sends nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from services.core.imports.columns import Cell

_SNIFF_BYTES = 64 * 1024
_DELIMITERS = (";", ",", "\t")


class SheetError(Exception):
    """The file cannot be read as a spreadsheet (a sentence for a person, naming the file)."""


@dataclass
class Sheet:
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    """(row number as the spreadsheet shows it — the header is row 1 — , cells) for every non-empty row."""
    size: int | None
    """The file's size in bytes, for a progress bar; ``position()`` tells how far the rows have read."""
    _source: Any

    def position(self) -> int:
        try:
            return int(self._source.tell())
        except (OSError, ValueError, AttributeError):
            return 0

    def close(self) -> None:
        self._source.close()


def open_sheet(path: str | Path) -> Sheet:
    path = Path(path)
    try:
        source = open(path, "rb")  # noqa: SIM115 - the Sheet closes it
    except OSError as error:
        raise SheetError(f"cannot read {path}: {error.strerror}") from None
    try:
        head = source.read(_SNIFF_BYTES)
        source.seek(0)
        size = path.stat().st_size if path.is_file() else None
        if head.startswith(b"PK\x03\x04"):
            return _xlsx(path, source, size)
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            raise SheetError(f"{path} is not an XLSX workbook (it is not a zip archive)")
        if path.suffix.lower() == ".xls":
            raise SheetError(f"{path} is an old Excel (.xls) file: save it as .xlsx or CSV")
        return _csv(path, source, head, size)
    except BaseException:
        source.close()
        raise


def _csv(path: Path, source: BinaryIO, head: bytes, size: int | None) -> Sheet:
    if b"\x00" in head:
        raise SheetError(f"{path} is not a spreadsheet (CSV or XLSX): it holds binary data")
    encoding = _encoding(source)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    if encoding == "utf-8" and head.startswith(codecs.BOM_UTF8):
        text.read(1)  # the byte-order mark
    first = text.readline()
    if not first.strip():
        raise SheetError(f"{path} is empty: the first row must name the columns")
    delimiter = max(_DELIMITERS, key=first.count)
    header = next(csv.reader([first], delimiter=delimiter))

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        number = 1
        for cells in csv.reader(text, delimiter=delimiter):
            number += 1
            if any(cell.strip() for cell in cells):
                yield number, list(cells)

    return Sheet([h.strip() for h in header], rows(), size, source)


def _encoding(source: BinaryIO) -> str:
    """UTF-8 when the whole file decodes as UTF-8 (checked in chunks, nothing kept), else Windows-1252."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := source.read(1 << 20):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    source.seek(0)
    return encoding


def _xlsx(path: Path, source: BinaryIO, size: int | None) -> Sheet:
    import openpyxl

    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise SheetError(f"{path} is not a readable XLSX workbook ({error})") from None
    sheet = book.worksheets[0] if book.worksheets else None
    if sheet is None:
        raise SheetError(f"{path} has no worksheet")
    values = sheet.iter_rows(values_only=True)
    number = 0
    header: list[str] | None = None
    for cells in values:
        number += 1
        if any(_filled(cell) for cell in cells):
            header = ["" if cell is None else str(cell).strip() for cell in cells]
            break
    if header is None:
        raise SheetError(f"{path} is empty: the first row must name the columns")
    while header and not header[-1]:
        header.pop()
    first_row = number

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        row_number = first_row
        try:
            for cells in values:
                row_number += 1
                if any(_filled(cell) for cell in cells):
                    yield row_number, ["" if cell is None else cell for cell in cells]
        finally:
            book.close()

    return Sheet(header, rows(), None, source)  # no byte progress inside a zip: rows are counted instead


def _filled(cell: Any) -> bool:
    return cell is not None and str(cell).strip() != ""
