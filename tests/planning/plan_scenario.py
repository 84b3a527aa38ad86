"""A small company ready to plan: ten people in R&D, runs in a low season, and four agreements."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

_ids = itertools.count(1)

TENANT = "bitzer"
START, END = date(2027, 1, 4), date(2027, 3, 31)
LOW_WINTER = {str(m): ("low" if m <= 3 else "busy" if m in (6, 7) else "normal") for m in range(1, 13)}


def message(type_: str, tenant: str = TENANT, **data: Any) -> dict[str, Any]:
    return {"message_id": f"s-{next(_ids)}", "tenant": tenant, "type": type_,
            "occurred_at": "2027-01-02T08:00:00Z", "actor": "hr-system:test", "data": data}


def person(employee_id: str, family: str = "skilled", department: str = "rd", tenant: str = TENANT) -> dict[str, Any]:
    return message("EmployeeRegistered", tenant, employee_id=employee_id, name=f"Person {employee_id}",
                   department=department, job_family=family, hired_on="2020-01-01")


def run(run_id: str, title: str, starts_on: str, ends_on: str, seats: int = 4, tenant: str = TENANT,
        **more: Any) -> dict[str, Any]:
    return message("CourseRunAnnounced", tenant, run_id=run_id, title=title, starts_on=starts_on, ends_on=ends_on,
                   hours=22.2, seats=seats, **more)


def agreed(agreement_id: str, employee_id: str, title: str, tenant: str = TENANT, **more: Any) -> dict[str, Any]:
    data = {"agreed_on": "2026-12-01", "due_by": "2027-06-30", **more}
    return message("EducationAgreed", tenant, agreement_id=agreement_id, employee_id=employee_id, title=title,
                   **data)


def company(tenant: str = TENANT) -> list[dict[str, Any]]:
    """a1 (unskilled) and a2 (skilled) fit r1, a3 fits r2, a4 fits nothing."""
    return [
        message("DepartmentRegistered", tenant, department="rd", name="R&D"),
        message("AnnualWheelDefined", tenant, effective_from="2020-01-01", department=None, kind="seasonal",
                months=LOW_WINTER),
        person("e1", "unskilled", tenant=tenant), person("e2", "skilled", tenant=tenant),
        person("e3", "professional", tenant=tenant), person("e4", "skilled", tenant=tenant),
        *(person(f"x{i}", "professional", tenant=tenant) for i in range(6)),
        run("r1", "Welding", "2027-02-01", "2027-02-03", tenant=tenant, code="40121", provider="AMU Syd",
            competence="welding", fee=0),
        run("r2", "Excel", "2027-02-10", "2027-02-10", seats=2, tenant=tenant, kind="private"),
        agreed("a1", "e1", "Welding", tenant=tenant), agreed("a2", "e2", "welding", tenant=tenant),
        agreed("a3", "e3", "Excel", tenant=tenant), agreed("a4", "e4", "Spanish", tenant=tenant),
    ]
