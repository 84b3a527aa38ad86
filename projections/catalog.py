"""Every projection this service keeps."""

from __future__ import annotations

from projections.kpi import PROJECTION as KPI
from projections.model import Projection

PROJECTIONS: tuple[Projection, ...] = (KPI,)


def by_name(name: str) -> Projection:
    for projection in PROJECTIONS:
        if projection.name == name:
            return projection
    raise LookupError(f"no projection named {name!r}; known: {', '.join(p.name for p in PROJECTIONS)}")
