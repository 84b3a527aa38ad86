"""Erasing a person's personal data (`eduplan erase`): their key is destroyed, and every kept raw rejected
message that names them — by employee id or by a name they were registered with — is dropped."""

from __future__ import annotations

from domain.aggregates import employee
from infra.store import Erasure, EventStore

__all__ = ["Erasure", "erase_employee", "registered_names"]


async def erase_employee(store: EventStore, tenant: str, employee_id: str) -> Erasure:
    """Read the person's registered names while their key still opens them, then erase (infra/rejections.py)."""
    names = await registered_names(store, tenant, employee_id)
    return await store.erase_subject(tenant, employee_id, names=names)


async def registered_names(store: EventStore, tenant: str, employee_id: str) -> list[str]:
    events = await store.read_stream(tenant, employee.stream(employee_id))
    names = (e["data"].get("name") for e in events if e["type"] == "EmployeeRegistered")
    return [name for name in dict.fromkeys(names) if isinstance(name, str) and name.strip()]
