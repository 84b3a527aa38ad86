"""`python -m bench.report FILE.json` — the table of a results file as Markdown (for bench/RESULTS.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.__main__ import render_table
from bench.common import Row


def rows_of(path: Path) -> list[Row]:
    body = json.loads(path.read_text())
    known = set(Row.__dataclass_fields__)
    return [Row(**{k: v for k, v in row.items() if k in known}) for row in body["rows"]]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.report RESULTS.json", file=sys.stderr)
        return 2
    print(render_table(rows_of(Path(args[0])), markdown=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
