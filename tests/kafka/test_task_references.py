"""Every asyncio task the Kafka doors start is kept referenced until it ends: the event loop holds tasks
only weakly, so a task whose reference is dropped may be collected mid-flight."""

from __future__ import annotations

import ast
from pathlib import Path

KAFKA_DOORS = Path(__file__).resolve().parents[2] / "infra" / "kafka"
STARTERS = {"create_task", "ensure_future"}


def _starts_task(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name) and \
        (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) in STARTERS


def test_no_task_is_started_and_dropped() -> None:
    dropped = []
    for path in sorted(KAFKA_DOORS.glob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if not _starts_task(node):
                continue
            parent = parents[node]
            kept = isinstance(parent, ast.Assign | ast.AnnAssign | ast.Return) or (
                isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute)
                and parent.func.attr in {"append", "add"})
            if not kept:
                dropped.append(f"{path.name}:{node.lineno}")
    assert not dropped, f"tasks started without a reference kept: {dropped}"
    assert any(_starts_task(n) for p in KAFKA_DOORS.glob("*.py") for n in ast.walk(ast.parse(p.read_text())))
