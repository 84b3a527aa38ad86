"""Who may do what (CONTRACT §6, access): roles, what each grants, and the principal of a request.

A token has one role and one tenant, or every tenant. Each role is also the name of what it grants;
a role holds its own grant and those listed under it here:

- ``hr_system`` — send messages;
- ``leadership`` — read the KPIs, the §7 reads and the dashboard;
- ``auditor`` — what leadership reads, plus the event log, rejections, audit and exports;
- ``admin`` — everything, including erasure and the reads across tenants.

A route names the grants it needs (``services.doors.http.access.requires``); a principal may use it
when its role holds every one of them. With no token created at all the service is in *open mode*:
it answers without tokens, as :data:`OPEN_MODE`, and only on loopback.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "GRANTS",
    "OPEN_MODE",
    "OpenModeOffLoopback",
    "Principal",
    "Role",
    "is_loopback",
    "require_loopback_in_open_mode",
]


class Role(StrEnum):
    HR_SYSTEM = "hr_system"
    LEADERSHIP = "leadership"
    AUDITOR = "auditor"
    ADMIN = "admin"


GRANTS: dict[Role, frozenset[Role]] = {
    Role.HR_SYSTEM: frozenset({Role.HR_SYSTEM}),
    Role.LEADERSHIP: frozenset({Role.LEADERSHIP}),
    Role.AUDITOR: frozenset({Role.AUDITOR, Role.LEADERSHIP}),
    Role.ADMIN: frozenset(Role),
}
"""What each role may do, named by the roles whose grants it holds."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts for: a token's id, role and tenant (None: every tenant)."""

    token_id: str | None
    role: Role
    tenant: str | None
    name: str | None = None
    via_session: bool = False

    @property
    def open_mode(self) -> bool:
        return self.token_id is None

    def holds(self, tenant: str) -> bool:
        return self.tenant is None or self.tenant == tenant

    @property
    def holds_every_tenant(self) -> bool:
        return self.tenant is None

    def may(self, needs: frozenset[Role]) -> bool:
        return needs <= GRANTS[self.role]


OPEN_MODE = Principal(token_id=None, role=Role.ADMIN, tenant=None, name="open mode")
"""The principal of every request while no token has been created (loopback only)."""


class OpenModeOffLoopback(ValueError):
    """`serve` asked to listen beyond loopback while no token exists (it would answer anyone)."""


def is_loopback(host: str) -> bool:
    """An address only this machine can reach: 127.0.0.0/8, ::1, or the name ``localhost``."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def require_loopback_in_open_mode(host: str, tokens_exist: bool) -> None:
    if tokens_exist or is_loopback(host):
        return
    raise OpenModeOffLoopback(
        f"no access token exists yet, so eduplan answers without one and listens on loopback only"
        f" (127.0.0.1, ::1 or localhost), not on {host!r}; create the first token with"
        f" `eduplan tokens create --role admin --all-tenants` and start again")
