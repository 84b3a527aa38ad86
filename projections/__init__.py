"""Read models folded from the event log, and the runner that keeps them up to date."""

from projections.kpi.companies import companies
from projections.kpi.competences import competence_matrix
from projections.kpi.document import COMPANY_KEYS, SCOPE_KEYS, kpi_document
from projections.kpi.greb_read import department_names, greb_views, season_facts
from projections.kpi.page_read import document_and_series
from projections.kpi.reading import InvalidRead
from projections.kpi.series import SeriesRequest, kpi_series
from projections.kpi.state import state_token
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
    "department_names",
    "document_and_series",
    "greb_views",
    "season_facts",
    "competence_matrix",
    "ensure_schema",
    "kpi_document",
    "kpi_series",
    "rebuild",
    "run_projections",
    "state_token",
    "status",
    "tenants",
    "wait_until_caught_up",
]
