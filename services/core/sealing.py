"""Personal data is encrypted before it leaves the process: personal fields under their employee's key,
raw rejected messages under their tenant's key."""

from __future__ import annotations

import json
from collections.abc import Mapping

from domain.decider import PERSONAL_FIELDS
from infra.append_data import LogNews
from infra.crypto import KeyRing, new_key, seal_fields, seal_raw
from infra.rejections import key_label
from services.core.batch_plan import BatchPlan
from services.core.checks import strings_in, unstorable_text

MAX_MENTIONS = 2000


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


def seal_rejected(plan: BatchPlan, tenant_keys: Mapping[str, bytes]) -> None:
    """Seal every rejected message the plan keeps, in place, with the strings it mentions (so that the
    append can drop it when it names an employee who has been erased)."""
    for outcome in plan.outcomes:
        if outcome.raw is None:
            continue
        label = key_label(outcome.tenant)
        outcome.raw_sealed = seal_raw(tenant_keys[label], label, outcome.raw)
        outcome.mentions = mentions_in(outcome.raw) if outcome.tenant is not None else None


def mentions_in(raw: bytes) -> list[str]:
    """The distinct strings of a JSON message (keys and values) that text can hold, the first MAX_MENTIONS;
    none if it is not JSON."""
    try:
        decoded = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    texts = (text for _, text in strings_in(decoded) if unstorable_text(text) is None)
    return list(dict.fromkeys(texts))[:MAX_MENTIONS]
