"""Personal fields are encrypted before they leave the process, each under its employee's key."""

from __future__ import annotations

from domain.decider import PERSONAL_FIELDS
from infra.append import LogNews
from infra.crypto import KeyRing, new_key, seal_fields
from services.core.batch_plan import BatchPlan


def seal_personal_fields(plan: BatchPlan, keys: KeyRing, news: LogNews) -> dict[tuple[str, str], bytes]:
    """Encrypt the plan's personal fields in place; the keys this creates (for new employees) come back.

    A key comes from this process's key ring, else from what the log told (another process created it),
    else it is new — and the append refuses to create a key that exists meanwhile. A destroyed key
    (erasure) seals nothing: the field is stored as null.
    """
    personal = [(event, subject) for event, subject in plan.subjects if PERSONAL_FIELDS.get(event.type)]
    if not personal:
        return {}
    wanted = {(event.tenant, subject) for event, subject in personal}
    known = keys.cached(wanted)
    known.update({pair: news.subject_keys[pair] for pair in wanted if pair in news.subject_keys})
    created = {pair: new_key() for pair in wanted if pair not in known}
    known.update(created)
    for event, subject in personal:
        event.data = seal_fields(event.data, PERSONAL_FIELDS[event.type], known[(event.tenant, subject)],
                                 event.tenant, subject)
    return created
