"""`eduplan import`: spreadsheets (CSV, XLSX) in, one message per row; `--template KIND` writes a template."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from services.doors.cli.common import Commands, UsageError
from services.doors.cli.words import Words, words_of

_KINDS_HELP = "company, departments, employees, reviews, agreements, bookings, completions or runs"


def register(commands: Commands) -> None:
    from services.core.imports.columns import KINDS

    imp = commands.add_parser(
        "import", help="import a spreadsheet (CSV or XLSX): each row becomes one message of its kind",
        description="Each row of FILE becomes the message of --kind and goes through the same checks as every "
        "other message; outcomes are printed per row number (the header is row 1). Importing the same file "
        "again only gives duplicates. Column headers may be English or Danish; "
        "`eduplan import --template KIND` shows them.")
    imp.add_argument("file", nargs="?", help="the spreadsheet (.csv or .xlsx; - is not accepted)")
    imp.add_argument("--tenant", help="the company (tenant) the rows belong to")
    imp.add_argument("--kind", choices=sorted(KINDS), metavar="KIND", help=f"what each row is: {_KINDS_HELP}")
    imp.add_argument("--template", choices=sorted(KINDS), metavar="KIND",
                     help="write the template of KIND (header row and a Danish and an English example) instead;"
                          " its headers are Danish with --lang da (or a Danish LANG)")
    imp.add_argument("--out", help="where --template writes (.xlsx or .csv; default: CSV on standard output)")
    imp.add_argument("--json", action="store_true", help="print one outcome per row as JSON (with its row number)")
    imp.set_defaults(run=_cmd_import)


def summary(counts: Any, words: Words) -> str:
    """The closing line of an ingest or import: how many rows (messages) were accepted, duplicates, rejected."""
    return words("summary", accepted=counts.accepted, duplicate=counts.duplicate, rejected=counts.rejected)


def _cmd_import(args: argparse.Namespace) -> int:
    words = words_of(args)
    if args.template:
        return _write_template(args.template, args.out, words)
    if not args.file or not args.tenant or not args.kind:
        raise UsageError(words("import_needs"))
    from domain.messages import TENANT_PATTERN

    if not TENANT_PATTERN.fullmatch(args.tenant):
        raise UsageError(words("not_a_tenant", tenant=args.tenant))
    from services.core.imports.sheets import SheetError

    try:
        counts = asyncio.run(_import(args, words))
    except SheetError as error:
        raise UsageError(str(error)) from None
    print(summary(counts, words), file=sys.stderr if args.json else sys.stdout)
    return 0


async def _import(args: argparse.Namespace, words: Words) -> Any:
    from services.core.app import open_app
    from services.core.audit import checkpoint_pending
    from services.core.imports.importer import RowOutcome, import_sheet
    from services.core.imports.sheets import open_sheet
    from services.doors.progress import ByteProgress

    probe = open_sheet(args.file)  # an unreadable file is a usage error before the database is opened
    size = probe.size
    probe.close()
    out = sys.stdout

    def show(result: RowOutcome) -> None:
        outcome = result.outcome
        if args.json:
            out.write(json.dumps({"row": result.row, **outcome}, ensure_ascii=False) + "\n")
            return
        line = f"{words('row')} {result.row}\t{words(outcome['status'])}"
        if outcome["status"] == "rejected":
            line += f"\t{outcome['reason']}\t{outcome['detail']}"
        out.write(line + "\n")

    app = await open_app(max_size=3)
    try:
        with ByteProgress(words("progress_import"), size) as progress:
            last = 0

            def advance(position: int, total: int | None) -> None:
                nonlocal last
                if total:
                    progress.advance(max(0, position - last))
                    last = max(last, position)

            result = await import_sheet(app.intake, args.tenant, args.kind, args.file, on_outcome=show,
                                        on_progress=advance)
        await checkpoint_pending(app.pool, app.audit_keys)  # what was imported ends signed
        return result
    finally:
        await app.close()


def _write_template(kind: str, out: str | None, words: Words) -> int:
    from services.core.imports.templates import write_template

    target = Path(out) if out else None
    try:
        content = write_template(kind, target, words.lang)
    except OSError as error:
        raise UsageError(words("cannot_write", path=out, why=error.strerror)) from None
    if content is not None:
        sys.stdout.buffer.write(content)
        sys.stdout.flush()
    return 0
