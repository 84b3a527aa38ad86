"""The gate of the funding kinds read as known at an instant (CONTRACT §6): a read of the actions as known at T
is what a read at T showed. A company that had sent only the contract's messages by T got exactly the contract's
kinds then, so a read as known at T keeps giving them after its first funding fact arrives."""

from __future__ import annotations

from test_funding_kinds_gate import AS_OF, CONTRACT_KINDS, FUNDING_FACTS, _ingest, contract_company, envelope

from services.core.actions import actions_of
from services.core.app import App


async def test_a_read_as_known_before_the_first_funding_fact_keeps_the_contracts_kinds(core: App) -> None:
    tenant = "gate-known"
    await _ingest(core, contract_company(tenant))
    then = await core.pool.fetchval("SELECT clock_timestamp()")
    shown_then = await actions_of(core.pool, tenant, AS_OF, known_at=then)
    assert {a["kind"] for a in shown_then["actions"]} <= CONTRACT_KINDS

    type_, data = FUNDING_FACTS["education"]
    await _ingest(core, [envelope(tenant, type_, **data)])
    assert "funding_unclaimed" in {a["kind"] for a in (await actions_of(core.pool, tenant, AS_OF))["actions"]}

    assert await actions_of(core.pool, tenant, AS_OF, known_at=then) == shown_then
