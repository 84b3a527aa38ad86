"""Where a value sits in a TOML file. ``tomllib`` reports no positions for values, so a light scan of the text
finds the table the value belongs to (``[[years]]`` number n, ``[agreements.x]``, or the top) and, inside it, the
line that assigns the key."""

from __future__ import annotations

import re
from collections.abc import Sequence

Path = Sequence[str | int]


def _header(line: str) -> str | None:
    match = re.match(r"\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$", line)
    return None if match is None else re.sub(r"\s*\.\s*", ".", match.group(1)).replace('"', "")


def _region(lines: list[str], path: Path) -> tuple[int, int, Path]:
    """The lines (start, end) of the table holding ``path``'s value, and the rest of the path inside it."""
    headers = [(n, _header(line)) for n, line in enumerate(lines) if _header(line) is not None]
    ends = {n: next((m for m, _ in headers if m > n), len(lines)) for n, _ in headers}
    if len(path) >= 2 and isinstance(path[1], int):
        found = [n for n, name in headers if name == path[0] and lines[n].lstrip().startswith("[[")]
        if path[1] < len(found):
            start = found[path[1]]
            return start, ends[start], path[2:]
    for depth in range(len(path) - 1, 0, -1):
        name = ".".join(str(part) for part in path[:depth])
        table = next((n for n, header in headers if header == name), None)
        if table is not None:
            return table, ends[table], path[depth:]
    return -1, headers[0][0] if headers else len(lines), path


def line_of(text: str, path: Path) -> int:
    """The 1-based line of the value at ``path`` (e.g. ("years", 2, "hourly_rate")); the line of its table when the
    key is not written there (a missing field), or 1."""
    lines = text.splitlines()
    start, end, rest = _region(lines, path)
    key = next((part for part in rest if isinstance(part, str)), None)
    if key is not None:
        pattern = re.compile(rf"\s*\"?{re.escape(key)}\"?\s*=")
        for n in range(max(start + 1, 0), end):
            if pattern.match(lines[n]):
                return n + 1
    return start + 1 if start >= 0 else 1
