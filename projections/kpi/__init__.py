"""The KPI read model: dated facts per tenant, so a KPI document for any date is a few queries."""

from projections.kpi.derive import derive
from projections.kpi.folds import FOLDS
from projections.kpi.tables import tables
from projections.model import Projection

PROJECTION = Projection(name="kpi", layout=1, tables=tables, folds=FOLDS, derive=derive)

__all__ = ["PROJECTION"]
