"""How the events land in the KPI tables: one statement per table and batch.

Each statement reads the batch's events of its table (``{batch}``) and merges those of one entity (the
first event of a kind wins; of a dated kind only the earliest date counts) into one row, ``r``; then it
merges ``r`` the same way into the stored row ``t`` written by earlier batches, or inserts it. An entity
is therefore written at most once per batch, and the outcome does not depend on where batches begin or
end (an event that refers to an entity may even come before the entity's own first event). A stored row
is written only when a value changes.

Columns copied from other entities (the department on a date, the employee's job family or leaving date,
the first completion of a linked booking, the first assessment that reaches a gap's target) are filled in
from what the earlier statements of the batch wrote, whenever a row is written (a stored booking's only when
the batch brings what they depend on); ``derive`` revisits the rows of earlier batches when those other
entities change.

Rows keyed by an event (seq) are plain inserts of the batch's own data, so they are early steps (a batch
read ahead inserts them while the one before it is folded, see ``model.Step``); new entities are inserted
without ``ON CONFLICT``: only another applier folding the same batch at the same time can collide with them,
and it loses on the checkpoint anyway (see ``batches``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.rules import DEFAULT_COMPLETION_TARGET, DEFAULT_CYCLE_START_MONTH
from projections.kpi.sql import day, department_on, text, truthy
from projections.model import Staging, Step


@dataclass(frozen=True)
class Kind:
    """The events of one type as a table sees them: ``columns`` are ("name type", SQL over ``data``).

    Of several events of a kind for one entity the first one wins (``seq``, when given, names a column
    for its seq); with ``earliest``, its one date column keeps the earliest date.
    """

    type: str
    columns: tuple[tuple[str, str], ...]
    seq: str | None = None
    earliest: bool = False

    @property
    def names(self) -> list[str]:
        return [column.split()[0] for column, _ in self.columns]


def merged(key: str, kinds: Sequence[Kind]) -> str:
    """SQL: one row per (tenant, entity) of the batch's events of ``kinds``: tenant, the entity's key (named
    ``key``), each kind's columns.

    Of each kind whose first event wins, that event is picked per entity (DISTINCT ON); then the kinds' rows
    of an entity are folded into one (each column is set by one kind only; a dated kind may bring several
    rows, of which the earliest date counts).
    """
    columns = [
        (column.split()[0], column.split()[1], kind)
        for kind in kinds
        for column in [*(column for column, _ in kind.columns), *([f"{kind.seq} bigint"] if kind.seq else [])]
    ]
    parts = []
    for kind in kinds:
        sql = dict(kind.columns)
        if kind.seq:
            sql[f"{kind.seq} bigint"] = "seq"
        values = ", ".join(
            f"{sql[f'{name} {of}']} AS {name}" if owner is kind else f"NULL::{of} AS {name}"
            for name, of, owner in columns
        )
        if kind.earliest:
            parts.append(f"SELECT tenant, key, {values} FROM {{batch}} WHERE type = '{kind.type}'")
        else:
            parts.append(
                f"SELECT DISTINCT ON (tenant, key) tenant, key, {values} FROM {{batch}}"
                f" WHERE type = '{kind.type}' ORDER BY tenant, key, seq"
            )
    aggregated = ", ".join(
        f"{'min' if owner.earliest else 'bool_or' if of == 'boolean' else 'max'}({name}) AS {name}"
        for name, of, owner in columns
    )
    union = "\n        UNION ALL\n        ".join(f"({part})" for part in parts)
    return f"""
    SELECT tenant, key AS {key}, {aggregated}
    FROM (
        {union}
    ) AS e
    GROUP BY tenant, key"""


def staged(table: str, key: str, kinds: Sequence[Kind]) -> Staging:
    """The batch's events of ``kinds`` merged per entity of ``table`` (see ``merged``), staged while the batch
    is read."""
    columns = ['tenant text COLLATE "C" NOT NULL', f'{key} text COLLATE "C" NOT NULL']
    for kind in kinds:
        for column in [*(column for column, _ in kind.columns), *([f"{kind.seq} bigint"] if kind.seq else [])]:
            name, kind_of = column.split()
            columns.append(f'{name} text COLLATE "C"' if kind_of == "text" else column)
    return Staging(f"staged_{table}", ", ".join(columns), merged(key, kinds), frozenset(k.type for k in kinds))


def merge_into(table: str, key: str, source: Staging, inserted: Sequence[str], values: str, sets: Sequence[str],
               when: str, joins: str = "", then: tuple[Sequence[str], str] | None = None) -> str:
    """SQL: update the stored rows ``t`` of the staged rows ``r`` (``sets``, only ``when``), insert the others.

    ``inserted`` names the columns a new row gets, ``values`` is SQL over ``r`` (and ``joins``) for them.
    ``then``: (columns, statement) — the statement runs on the rows written, as ``written`` (their new values
    of those columns).
    """
    update = f"""UPDATE {{s}}.{table} AS t SET {", ".join(sets)}
    FROM r WHERE t.tenant = r.tenant AND t.{key} = r.{key} AND ({when})"""
    insert = f"""INSERT INTO {{s}}.{table} ({", ".join(inserted)})
SELECT {values} FROM r {joins}
WHERE NOT EXISTS (SELECT FROM {{s}}.{table} x WHERE x.tenant = r.tenant AND x.{key} = r.{key})"""
    r = f"r AS MATERIALIZED (SELECT * FROM {{staged:{source.name}}})"
    if then is None:
        return f"""
WITH {r}, changed AS (
    {update}
)
{insert}"""
    columns, statement = then
    return f"""
WITH {r}, changed AS (
    {update}
    RETURNING {", ".join(f"t.{column}" for column in columns)}
), inserted AS (
    {insert}
    RETURNING {", ".join(columns)}
), written AS (
    SELECT * FROM changed UNION ALL SELECT * FROM inserted
)
{statement}"""


def spell_on(alias: str, employee: str, day: str) -> str:
    """SQL: LEFT JOIN of the employee's department spell on a date (as ``alias``).

    Joins rather than a lookup per row: a large batch hashes the spells once.
    """
    return (
        f"LEFT JOIN {{s}}.department_spells {alias} ON {alias}.tenant = r.tenant AND {alias}.employee_id = {employee}"
        f" AND {alias}.valid_from <= {day} AND {day} < {alias}.valid_to"
    )


def employee_of(alias: str, employee: str) -> str:
    return f"LEFT JOIN {{s}}.employees {alias} ON {alias}.tenant = r.tenant AND {alias}.employee_id = {employee}"


def final(column: str, decided_by: str) -> str:
    """After a merge: the stored value once ``decided_by`` is set (an earlier batch's event won), else the batch's."""
    return f"CASE WHEN t.{decided_by} IS NULL THEN r.{column} ELSE t.{column} END"


def kept(column: str, decided_by: str) -> str:
    return f"{column} = {final(column, decided_by)}"


def earlier(column: str) -> str:
    return f"{column} = LEAST(t.{column}, r.{column})"


def moves_earlier(column: str) -> str:
    """Condition: the batch brings an earlier date than the stored one."""
    return f"r.{column} < coalesce(t.{column}, 'infinity'::date)"


def decides(decided_by: str) -> str:
    """Condition: the batch brings the first event of a kind that was missing."""
    return f"(t.{decided_by} IS NULL AND r.{decided_by} IS NOT NULL)"


def on(*types: str) -> frozenset[str]:
    return frozenset(types)


def _dated(event_type: str, column: str, field: str | None = None) -> Kind:
    """A kind of which only the earliest date counts (``field`` of the data, by default named like ``column``)."""
    return Kind(event_type, ((f"{column} date", day(field or column)),), earliest=True)


STRATEGIES = Step(
    f"""
INSERT INTO {{s}}.strategies (tenant, seq, adopted_on, cycle_start_month, completion_target, recorded_at)
SELECT tenant, seq, {day("adopted_on")}, coalesce((data->>'cycle_start_month')::integer, {DEFAULT_CYCLE_START_MONTH}),
       coalesce((data->>'completion_target')::float8, {DEFAULT_COMPLETION_TARGET}), recorded_at
FROM {{batch}} WHERE type = 'EducationStrategyAdopted'""",
    on("EducationStrategyAdopted"),
    early=True,
)

COMPANY_REGISTRATIONS = Step(
    f"""
INSERT INTO {{s}}.company_registrations (tenant, seq, registered_on, name, cvr, recorded_at)
SELECT tenant, seq, {day("registered_on")}, data->>'name', data->>'cvr', recorded_at
FROM {{batch}} WHERE type = 'CompanyRegistered'""",
    on("CompanyRegistered"),
    early=True,
)

# The first registration of a department wins.
DEPARTMENTS = Step(
    f"""
INSERT INTO {{s}}.departments (tenant, department, seq)
SELECT * FROM ({merged("department", [Kind("DepartmentRegistered", (), seq="seq")])}) AS r
WHERE NOT EXISTS (SELECT FROM {{s}}.departments x WHERE x.tenant = r.tenant AND x.department = r.department)""",
    on("DepartmentRegistered"),
)

_REGISTERED = Kind(
    "EmployeeRegistered",
    (
        ("department text", text("department")),
        ("job_family text", text("job_family")),
        ("hired_on date", day("hired_on")),
        ("registered_at timestamptz", "recorded_at"),
    ),
    seq="seq",
)

# The first registration wins; of EmployeeLeft the earliest date.
STAGED_EMPLOYEES = staged("employees", "employee_id", [_REGISTERED, _dated("EmployeeLeft", "left_on")])

EMPLOYEES = Step(
    merge_into(
        "employees",
        "employee_id",
        STAGED_EMPLOYEES,
        ["tenant", "employee_id", *_REGISTERED.names, "seq", "left_on"],
        "r.*",
        [*(kept(column, "seq") for column in _REGISTERED.names), "seq = coalesce(t.seq, r.seq)", earlier("left_on")],
        f"{decides('seq')} OR {moves_earlier('left_on')}",
    ),
    on("EmployeeRegistered", "EmployeeLeft"),
)

# The moves as received (with the registration in employees: the department history).
DEPARTMENT_CHANGES = Step(
    f"""
INSERT INTO {{s}}.department_changes (tenant, employee_id, effective_on, department, seq, recorded_at)
SELECT tenant, key, {day("moved_on")}, {text("department")}, seq, recorded_at
FROM {{batch}} WHERE type = 'EmployeeMoved'""",
    on("EmployeeMoved"),
    early=True,
)

MANAGER_ASSIGNMENTS = Step(
    f"""
INSERT INTO {{s}}.manager_assignments (tenant, seq, employee_id, manager_id, assigned_on, recorded_at)
SELECT tenant, seq, {text("employee_id")}, {text("manager_id")}, {day("assigned_on")}, recorded_at
FROM {{batch}} WHERE type = 'ManagerAssigned'""",
    on("ManagerAssigned"),
    early=True,
)

REVIEWS = Step(
    f"""
INSERT INTO {{s}}.reviews (tenant, seq, employee_id, held_on, education_item, recorded_at)
SELECT tenant, seq, {text("employee_id")}, {day("held_on")}, {truthy("data->'education_item'")}, recorded_at
FROM {{batch}} WHERE type = 'DevelopmentReviewHeld'""",
    on("DevelopmentReviewHeld"),
    early=True,
)

ASSESSMENTS = Step(
    f"""
INSERT INTO {{s}}.assessments (tenant, seq, employee_id, competence, level, assessed_on, recorded_at)
SELECT tenant, seq, {text("employee_id")}, {text("competence")}, (data->>'level')::integer, {day("assessed_on")},
       recorded_at
FROM {{batch}} WHERE type = 'CompetenceAssessed'""",
    on("CompetenceAssessed"),
    early=True,
)

COMMITTEE_MEETINGS = Step(
    f"""
INSERT INTO {{s}}.committee_meetings (tenant, seq, held_on, recorded_at)
SELECT tenant, seq, {day("held_on")}, recorded_at FROM {{batch}} WHERE type = 'CommitteeMeetingHeld'""",
    on("CommitteeMeetingHeld"),
    early=True,
)

WHEELS = Step(
    f"""
INSERT INTO {{s}}.wheels (tenant, seq, department, effective_from, kind, busy_months, recorded_at)
SELECT tenant, seq, {text("department")}, {day("effective_from")}, {text("kind")},
       ARRAY(SELECT m.key::integer FROM jsonb_each_text(data->'months') AS m WHERE m.value = 'busy' ORDER BY 1),
       recorded_at
FROM {{batch}} WHERE type = 'AnnualWheelDefined'""",
    on("AnnualWheelDefined"),
    early=True,
)


# The date field of each kind of which an entity keeps the earliest date (``_dated`` kinds).
DATED_FIELDS = {
    "EmployeeLeft": "left_on",
    "CompetenceGapClosed": "closed_on",
    "EducationAgreementWithdrawn": "withdrawn_on",
    "CourseCancelled": "cancelled_on",
    "BuddyPaired": "paired_on",
    "SubstituteArranged": "arranged_on",
    "KnowledgeShared": "shared_on",
}

# Each of those events as received, with when it was recorded: the entities' rows keep the earliest date of
# all, a read as known at an instant the earliest of those recorded by then.
DATED_FACTS = Step(
    f"""
INSERT INTO {{s}}.dated_facts (tenant, seq, type, key, on_date, recorded_at)
SELECT tenant, seq, type, key,
       (CASE type {" ".join(f"WHEN '{kind}' THEN data->>'{field}'" for kind, field in DATED_FIELDS.items())} END)::date,
       recorded_at
FROM {{batch}} WHERE type IN ({", ".join(f"'{kind}'" for kind in DATED_FIELDS)})""",
    on(*DATED_FIELDS),
    early=True,
)


def _closed_effective_on(identified: Sequence[str], closed_on: str) -> str:
    """The earlier of the closing date and the first assessment that reaches the target (``identified``: SQL for
    the gap's employee_id, competence, identified_on and target_level)."""
    employee, competence, identified_on, target_level = identified
    return (
        f"LEAST({closed_on}, (SELECT min(x.assessed_on) FROM {{s}}.assessments x WHERE x.tenant = r.tenant"
        f" AND x.employee_id = {employee} AND x.competence = {competence} AND x.assessed_on >= {identified_on}"
        f" AND x.level >= {target_level}))"
    )


_IDENTIFIED = Kind(
    "CompetenceGapIdentified",
    (
        ("employee_id text", text("employee_id")),
        ("competence text", text("competence")),
        ("identified_on date", day("identified_on")),
        ("target_level integer", "(data->>'target_level')::integer"),
        ("identified_at timestamptz", "recorded_at"),
    ),
    seq="seq",
)

_GAP_TARGET = ("employee_id", "competence", "identified_on", "target_level")

# The first identification wins; of CompetenceGapClosed the earliest date.
STAGED_GAPS = staged("gaps", "gap_id", [_IDENTIFIED, _dated("CompetenceGapClosed", "closed_on")])

GAPS = Step(
    merge_into(
        "gaps",
        "gap_id",
        STAGED_GAPS,
        ["tenant", "gap_id", *_IDENTIFIED.names, "seq", "closed_on", "closed_effective_on"],
        f"r.*, {_closed_effective_on([f'r.{column}' for column in _GAP_TARGET], 'r.closed_on')}",
        [
            *(kept(column, "seq") for column in _IDENTIFIED.names),
            "seq = coalesce(t.seq, r.seq)",
            earlier("closed_on"),
            "closed_effective_on = "
            + _closed_effective_on(
                [final(column, "seq") for column in _GAP_TARGET], "LEAST(t.closed_on, r.closed_on)"
            ),
        ],
        f"{decides('seq')} OR {moves_earlier('closed_on')}",
    ),
    on("CompetenceGapIdentified", "CompetenceGapClosed"),
)

# A large batch's bookings and agreements find their employee's department spells (and the employee) by hashing
# the spells once, rather than by an index probe per row: set before their statements, and back after them.
# (Correlated look-ups, as for the few stored rows a batch updates, are index probes either way.)
HASHED_LOOKUPS_FROM = 50_000
HASHED_LOOKUPS = Step("SET LOCAL enable_nestloop = off", frozenset(), min_events=HASHED_LOOKUPS_FROM)
PROBED_LOOKUPS = Step("SET LOCAL enable_nestloop = on", frozenset(), min_events=HASHED_LOOKUPS_FROM)

_BOOKED = Kind(
    "CourseBooked",
    (
        ("employee_id text", text("employee_id")),
        ("agreement_id text", text("agreement_id")),
        ("booked_on date", day("booked_on")),
        ("starts_on date", day("starts_on")),
        ("ends_on date", day("ends_on")),
        ("hours numeric", "(data->'course'->>'hours')::numeric"),
        ("listed_buddies boolean", truthy("data->'buddies'")),
        ("collective boolean", truthy("data->'collective'")),
        ("run_id text", text("run_id")),
        ("booked_at timestamptz", "recorded_at"),
    ),
    seq="seq",
)
_COMPLETED = Kind(
    "CourseCompleted",
    (
        ("completed_on date", day("completed_on")),
        ("hours_attended numeric", "(data->>'hours_attended')::numeric"),
        ("passed boolean", "coalesce(data->'passed', 'null') = 'null' OR " + truthy("data->'passed'")),
        ("completed_at timestamptz", "recorded_at"),
    ),
)
_BOOKING_DATES = tuple(
    _dated(event_type, column, field)
    for column, event_type, field in (
        ("cancelled_on", "CourseCancelled", "cancelled_on"),
        ("first_paired_on", "BuddyPaired", "paired_on"),
        ("first_substitute_on", "SubstituteArranged", "arranged_on"),
        ("first_shared_on", "KnowledgeShared", "shared_on"),
    )
)
_DATED = [name for kind in _BOOKING_DATES for name in kind.names]


def _replaced() -> list[str]:
    """A stored booking's copied columns, computed again only when the batch decides what they depend on: the
    booking (employee, booked_on) or its completion. Otherwise they stay: ``derive`` keeps them up to date
    when the employee's spells or job family change."""
    booked, completed = decides("seq"), f"{decides('seq')} OR {decides('completed_on')}"
    return [
        f"department = CASE WHEN {booked} THEN {department_on('r.tenant', 'r.employee_id', 'r.booked_on')}"
        " ELSE t.department END",
        f"completed_department = CASE WHEN {completed} THEN "
        + department_on("r.tenant", final("employee_id", "seq"), final("completed_on", "completed_on"))
        + " ELSE t.completed_department END",
        f"job_family = CASE WHEN {booked} THEN (SELECT e.job_family FROM {{s}}.employees e"
        " WHERE e.tenant = r.tenant AND e.employee_id = r.employee_id) ELSE t.job_family END",
    ]


# An agreement's first completion of a linked booking, for agreements of earlier batches (those of this batch
# are folded after the bookings): a booking's agreement and completion only ever get set, so the earliest
# completion of the bookings written is all that can change it.
_EARLIER_COMPLETION = """
UPDATE {s}.agreements a SET first_completed_on = LEAST(a.first_completed_on, w.completed_on)
FROM (
    SELECT tenant, agreement_id, min(completed_on) AS completed_on FROM written
    WHERE agreement_id IS NOT NULL AND completed_on IS NOT NULL
    GROUP BY tenant, agreement_id
) AS w
WHERE a.tenant = w.tenant AND a.agreement_id = w.agreement_id
  AND coalesce(a.seq, 0) < {first_seq}  -- also an agreement whose own event has not come yet
  AND a.first_completed_on IS DISTINCT FROM LEAST(a.first_completed_on, w.completed_on)"""

# The first booking wins, and the first completion; of the other dated facts only the earliest date counts.
STAGED_BOOKINGS = staged("bookings", "booking_id", [_BOOKED, _COMPLETED, *_BOOKING_DATES])

BOOKINGS = Step(
    merge_into(
        "bookings",
        "booking_id",
        STAGED_BOOKINGS,
        ["tenant", "booking_id", *_BOOKED.names, "seq", *_COMPLETED.names, *_DATED,
         "department", "completed_department", "job_family"],
        "r.*, booked_in.department, completed_in.department, employee.job_family",
        [
            *(kept(column, "seq") for column in _BOOKED.names),
            "seq = coalesce(t.seq, r.seq)",
            *(kept(column, "completed_on") for column in _COMPLETED.names),
            *(earlier(column) for column in _DATED),
            *_replaced(),
        ],
        " OR ".join([decides("seq"), decides("completed_on"), *(moves_earlier(column) for column in _DATED)]),
        " ".join([
            spell_on("booked_in", "r.employee_id", "r.booked_on"),
            spell_on("completed_in", "r.employee_id", "r.completed_on"),
            employee_of("employee", "r.employee_id"),
        ]),
        (("tenant", "agreement_id", "completed_on"), _EARLIER_COMPLETION),
    ),
    on(_BOOKED.type, _COMPLETED.type, *(kind.type for kind in _BOOKING_DATES)),
)


def _agreement_facts(employee: str, agreed_on: str) -> str:
    """An agreement's first completion of a linked booking, department on agreed_on and employee's leaving date."""
    return (
        "(SELECT min(k.completed_on) FROM {s}.bookings k WHERE k.tenant = r.tenant"
        " AND k.agreement_id = r.agreement_id),"
        f" {department_on('r.tenant', employee, agreed_on)},"
        f" (SELECT e.left_on FROM {{s}}.employees e WHERE e.tenant = r.tenant AND e.employee_id = {employee})"
    )


_AGREED = Kind(
    "EducationAgreed",
    (
        ("employee_id text", text("employee_id")),
        ("agreed_on date", day("agreed_on")),
        ("due_by date", day("due_by")),
        ("agreed_at timestamptz", "recorded_at"),
    ),
    seq="seq",
)

# The first agreement wins; of EducationAgreementWithdrawn the earliest date.
STAGED_AGREEMENTS = staged(
    "agreements", "agreement_id", [_AGREED, _dated("EducationAgreementWithdrawn", "withdrawn_on")]
)

# The first completion of the bookings linked to each agreement of the batch.
_COMPLETION = """
LEFT JOIN (
    SELECT k.tenant, k.agreement_id, min(k.completed_on) AS first_completed_on FROM {s}.bookings k
    WHERE k.agreement_id IS NOT NULL
      AND (k.tenant, k.agreement_id) IN (SELECT tenant, agreement_id FROM r)
    GROUP BY k.tenant, k.agreement_id
) AS completion ON completion.tenant = r.tenant AND completion.agreement_id = r.agreement_id"""

AGREEMENTS = Step(
    merge_into(
        "agreements",
        "agreement_id",
        STAGED_AGREEMENTS,
        ["tenant", "agreement_id", *_AGREED.names, "seq", "withdrawn_on",
         "first_completed_on", "department", "employee_left_on"],
        "r.*, completion.first_completed_on, agreed_in.department, employee.left_on",
        [
            *(kept(column, "seq") for column in _AGREED.names),
            "seq = coalesce(t.seq, r.seq)",
            earlier("withdrawn_on"),
            "(first_completed_on, department, employee_left_on) = (SELECT "
            + _agreement_facts(final("employee_id", "seq"), final("agreed_on", "seq"))
            + ")",
        ],
        f"{decides('seq')} OR {moves_earlier('withdrawn_on')}",
        " ".join([
            _COMPLETION,
            spell_on("agreed_in", "r.employee_id", "r.agreed_on"),
            employee_of("employee", "r.employee_id"),
        ]),
    ),
    on("EducationAgreed", "EducationAgreementWithdrawn"),
)
