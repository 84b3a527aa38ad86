"""Read models folded from the event log, and the runner that keeps them up to date."""

from projections.kpi.document import kpi_document
from projections.rebuild import rebuild
from projections.registry import ensure_schema
from projections.runner import catch_up, run_projections
from projections.status import status, tenants, wait_until_caught_up

__all__ = [
    "catch_up",
    "ensure_schema",
    "kpi_document",
    "rebuild",
    "run_projections",
    "status",
    "tenants",
    "wait_until_caught_up",
]
