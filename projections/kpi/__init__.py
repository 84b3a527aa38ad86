"""The KPI read model: dated facts per tenant, so a KPI document for any date is a few queries."""

from projections.kpi import action_folds, funding_folds, greb_folds
from projections.kpi import derive as d
from projections.kpi import folds as f
from projections.kpi.action_tables import ACTION_READ_INDEXES, action_tables
from projections.kpi.funding_tables import FUNDING_READ_INDEXES, funding_tables
from projections.kpi.greb_tables import GREB_READ_INDEXES, greb_tables
from projections.kpi.planning_folds import PLANNING_KEYS, PLANNING_STAGING, PLANNING_STEPS
from projections.kpi.planning_tables import PLANNING_READ_INDEXES, planning_tables
from projections.kpi.tables import READ_INDEXES, tables
from projections.model import STATISTICS, Projection

# In this order: the employees and their department history first, so the facts folded after them find the
# department on their own dates; assessments before gaps (the first one that reaches a gap's target) and
# bookings before agreements (an agreement's first completion); then what changed for facts folded in
# earlier batches. Statistics for tables a large batch filled before the statements that look them up.
_STEPS = (
    f.COMPANY_REGISTRATIONS,
    f.STRATEGIES,
    f.DEPARTMENTS,
    f.EMPLOYEES,
    f.DEPARTMENT_CHANGES,
    d.SPELLS_CLEARED,
    d.SPELLS,
    f.MANAGER_ASSIGNMENTS,
    f.REVIEWS,
    f.ASSESSMENTS,
    f.COMMITTEE_MEETINGS,
    f.WHEELS,
    f.DATED_FACTS,
    STATISTICS,
    f.GAPS,
    f.HASHED_LOOKUPS,
    f.BOOKINGS,
    STATISTICS,
    f.AGREEMENTS,
    f.PROBED_LOOKUPS,
    STATISTICS,
    d.BOOKINGS_PLACED,
    d.AGREEMENTS_PLACED,
    d.GAP_CLOSING,
    *funding_folds.STEPS,
    *PLANNING_STEPS,
    *action_folds.STEPS,
    *greb_folds.STEPS,
)

# The entity each keyed event is folded into (the batch's key).
_KEYS = {
    **dict.fromkeys(("EmployeeRegistered", "EmployeeMoved", "EmployeeLeft"), "employee_id"),
    **dict.fromkeys(("CompetenceGapIdentified", "CompetenceGapClosed"), "gap_id"),
    **dict.fromkeys(("EducationAgreed", "EducationAgreementWithdrawn"), "agreement_id"),
    **dict.fromkeys(
        ("CourseBooked", "CourseCompleted", "CourseCancelled", "BuddyPaired", "SubstituteArranged", "KnowledgeShared"),
        "booking_id",
    ),
    "DepartmentRegistered": "department",
    **PLANNING_KEYS,
}

PROJECTION = Projection(
    name="kpi",
    # 2: funding tables; 3: manager assignments, company registrations; 4: planning facts; 5: actions;
    # 6: the dashboard's greb facts; 7: when facts were known; 8: when the actions' own facts were known
    layout=9,
    tables=lambda schema: (tables(schema) + funding_tables(schema) + planning_tables(schema) + action_tables(schema)
                           + greb_tables(schema)),
    steps=_STEPS,
    keys=_KEYS,
    tenants="INSERT INTO {s}.tenants SELECT unnest($1::text[]) ON CONFLICT DO NOTHING",
    staging=(f.STAGED_EMPLOYEES, f.STAGED_GAPS, f.STAGED_BOOKINGS, f.STAGED_AGREEMENTS, *PLANNING_STAGING),
    read_indexes=(*READ_INDEXES, *FUNDING_READ_INDEXES, *PLANNING_READ_INDEXES, *ACTION_READ_INDEXES,
                  *GREB_READ_INDEXES),
)

__all__ = ["PROJECTION"]
