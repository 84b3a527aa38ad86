"""The README's example statements are what the code produces for the history described beside them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from xapi_rules import problems

from services.core.xapi import LearningRecords, Namespace

README = Path(__file__).resolve().parents[2] / "README.md"
HOMEPAGE = "https://hr.bitzer.example"


def _event(type_: str, booking: str, version: int, **data: Any) -> dict[str, Any]:
    return {"type": type_, "stream": f"booking-{booking}", "version": version, "data": {"booking_id": booking, **data}}


def _course(title: str, hours: float, code: str | None) -> dict[str, Any]:
    return {"title": title, "kind": "amu", "hours": hours, "code": code, "provider": None, "competence": None,
            "level": None}


HISTORY = [
    _event("CourseBooked", "BK-0042", 1, employee_id="E0042", booked_on="2026-03-10", agreement_id="AG-17",
           course=_course("Førstehjælp på arbejdspladsen", 7.4, "40116"), starts_on="2026-04-06",
           ends_on="2026-04-06", buddies=[], collective=False),
    _event("CourseCompleted", "BK-0042", 2, completed_on="2026-04-06", hours_attended=7.4, passed=True),
    _event("KnowledgeShared", "BK-0042", 3, shared_on="2026-04-13", format="board_meeting", audience=14),
    _event("CourseBooked", "BK-0043", 1, employee_id="E0051", booked_on="2026-03-12", agreement_id=None,
           course=_course("Truckcertifikat B", 74.0, None), starts_on="2026-05-04", ends_on="2026-05-15",
           buddies=[], collective=False),
    _event("CourseCompleted", "BK-0043", 2, completed_on="2026-05-15", hours_attended=66.6, passed=False),
    _event("CourseCancelled", "BK-0044", 2, cancelled_on="2026-03-20", reason={"v": 1, "ciphertext": "…"}),
]


def example_statements() -> dict[str, dict[str, Any]]:
    """The first statement of each verb for :data:`HISTORY` (BK-0044 was booked like BK-0042)."""
    records = LearningRecords("bitzer", Namespace.of(HOMEPAGE))
    booked_44 = {**HISTORY[0], "stream": "booking-BK-0044",
                 "data": {**HISTORY[0]["data"], "booking_id": "BK-0044", "employee_id": "E0060"}}
    by_verb: dict[str, dict[str, Any]] = {}
    for event in [*HISTORY[:5], booked_44, HISTORY[5]]:
        for statement in records.statements(event):
            by_verb.setdefault(statement["verb"]["id"].rsplit("/", 1)[1], statement)
    return by_verb


def readme_statements() -> dict[str, dict[str, Any]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Learning records (xAPI)", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```json\n(.*?)```", section, flags=re.DOTALL)
    statements = [json.loads(block) for block in blocks]
    return {s["verb"]["id"].rsplit("/", 1)[1]: s for s in statements}


def test_the_readme_shows_one_statement_per_verb_exactly_as_exported() -> None:
    generated = example_statements()
    assert sorted(generated) == ["completed", "failed", "passed", "registered", "shared", "voided"]
    assert readme_statements() == generated
    assert all(problems(s) == [] for s in generated.values())


def readable(value: Any, depth: int = 0) -> str:
    """JSON with the outer three levels one member a line, deeper values on one line."""
    if not isinstance(value, dict) or depth >= 3:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    pad = "  " * (depth + 1)
    members = [f"{pad}{json.dumps(key)}: {readable(inner, depth + 1)}" for key, inner in value.items()]
    return "{\n" + ",\n".join(members) + "\n" + "  " * depth + "}"


if __name__ == "__main__":  # prints the README's examples
    for verb, statement in example_statements().items():
        print(f"`{verb}`:\n```json\n{readable(statement)}\n```")
