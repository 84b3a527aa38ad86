"""Read models folded from the event log, and the runner that keeps them up to date."""

from projections.kpi.companies import companies, department_names
from projections.kpi.competences import competence_matrix
from projections.kpi.document import COMPANY_KEYS, SCOPE_KEYS, kpi_document
from projections.kpi.reading import InvalidRead
from projections.kpi.series import SeriesRequest, kpi_series
from projections.rebuild import rebuild
from projections.registry import ensure_schema
from projections.runner import catch_up, run_projections
from projections.status import status, tenants, wait_until_caught_up

__all__ = [
    "COMPANY_KEYS",
    "SCOPE_KEYS",
    "InvalidRead",
    "SeriesRequest",
    "catch_up",
    "companies",
    "competence_matrix",
    "department_names",
    "ensure_schema",
    "kpi_document",
    "kpi_series",
    "rebuild",
    "run_projections",
    "status",
    "tenants",
    "wait_until_caught_up",
]
