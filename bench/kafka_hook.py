"""Benchmark 6: the Kafka doors, measured by bench/kafka_bench.py when that module is present.

The module is called through ``run(...)`` (a coroutine function or a plain one). It receives, by
name, whichever of these it declares: ``server`` (bench.common.Server), ``url``/``database_url``
(the server's admin URL), ``quick`` (bool), ``work_dir`` (pathlib.Path). It returns a Row, a dict with
Row's fields (benchmark, figure, unit, reference, reference_label, goal, met, note, extra) or a list
of either.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from dataclasses import fields
from pathlib import Path
from typing import Any

from bench.common import Row, Server, not_available


async def run(server: Server, *, quick: bool, work_dir: Path, **_: Any) -> list[Row]:
    if importlib.util.find_spec("bench.kafka_bench") is None:
        return [not_available("Kafka", "bench/kafka_bench.py is not present")]
    module = importlib.import_module("bench.kafka_bench")
    entry = getattr(module, "run", None)
    if entry is None:
        return [not_available("Kafka", "bench/kafka_bench.py has no run()")]
    offered = {"server": server, "url": server.url, "database_url": server.url, "quick": quick,
               "work_dir": work_dir}
    params = inspect.signature(entry).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in offered.items() if takes_any or k in params}
    result = entry(**kwargs)
    if inspect.isawaitable(result):
        result = await result
    items = result if isinstance(result, list | tuple) else [result]
    return [_as_row(item) for item in items if item is not None]


def _as_row(item: Any) -> Row:
    if isinstance(item, Row):
        return item
    if isinstance(item, dict):
        known = {f.name for f in fields(Row)}
        body = {k: v for k, v in item.items() if k in known}
        body.setdefault("benchmark", "Kafka")
        body.setdefault("figure", None)
        body.setdefault("unit", "")
        extra = {k: v for k, v in item.items() if k not in known and k != "ratio"}
        if extra:
            body["extra"] = {**body.get("extra", {}), **extra}
        return Row(**body)
    if hasattr(item, "benchmark") and hasattr(item, "figure"):
        return Row(**{f.name: getattr(item, f.name) for f in fields(Row) if hasattr(item, f.name)})
    return Row(benchmark="Kafka", figure=None, unit="", note=f"unrecognised result: {item!r}"[:200])
