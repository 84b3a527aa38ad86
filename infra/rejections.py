"""Raw rejected messages: sealed under their tenant's key, opened for reading, dropped when they name an
erased person or when the retention period is over (reason, detail and ids stay).

A raw message is kept under the key of the tenant it is stored under; '' stands for the messages whose
tenant could not be read (or that were refused their tenant). Tenant keys are never destroyed: a raw
body is made unreadable by dropping it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import asyncpg
import structlog
from cryptography.exceptions import InvalidTag

from infra.append_data import raw_lock_key
from infra.crypto import KeyRing, new_key, open_raw, seal_raw

log = structlog.get_logger(__name__)

UNATTRIBUTED = ""
"""The key label of raw messages stored without a tenant."""
_SWEEP_ROWS = 1000


def key_label(tenant: str | None) -> str:
    return tenant if tenant is not None else UNATTRIBUTED


async def tenant_keys(conn: asyncpg.Connection | asyncpg.Pool, keys: KeyRing, tenants: Iterable[str]
                      ) -> dict[str, bytes]:
    """The keys of these tenants' raw messages ('' for unattributed ones), created when missing."""
    wanted = set(tenants)
    missing = sorted(wanted - keys.tenants.keys())
    if missing:
        await conn.execute(
            "INSERT INTO tenant_keys (tenant, key) SELECT * FROM unnest($1::text[], $2::bytea[])"
            " ON CONFLICT (tenant) DO NOTHING",
            missing, [new_key() for _ in missing],
        )
        rows = await conn.fetch("SELECT tenant, key FROM tenant_keys WHERE tenant = ANY($1::text[])", missing)
        keys.tenants.update({row["tenant"]: row["key"] for row in rows})
    return {tenant: keys.tenants[tenant] for tenant in wanted}


def readable_raw(tenant: str | None, sealed: bytes | None, plain: bytes | None, keys: dict[str, bytes]) -> str | None:
    """A kept raw message as text (as received, undecodable bytes replaced), or None when it was dropped."""
    if sealed is not None:
        try:
            plain = open_raw(keys[key_label(tenant)], key_label(tenant), sealed)
        except (InvalidTag, KeyError):  # not sealed by its tenant's key: nothing can be read
            return None
    return None if plain is None else plain.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Erasure:
    key_destroyed: bool
    """whether the person still had a key (personal fields readable) until now"""
    rejections_dropped: int
    """raw rejected messages that named them and are now gone"""


async def erase(pool: asyncpg.Pool, keys: KeyRing, tenant: str, subject: str, names: Sequence[str]) -> Erasure:
    """Destroy the subject's key (for good: one created later is born destroyed) and drop the raw body of
    every kept rejected message naming them (by ``subject`` as a value, or by one of ``names`` as words):
    of the tenant, without one, or refused
    (``forbidden``) and filed under the tenant of the topic it came on while its envelope names this tenant.

    Holds the tenant's raw locks exclusively meanwhile: a rejection being stored either committed
    before the look through the kept messages (so it is looked at), or is stored after the erasure
    committed, when the destroyed key makes the append drop it if it names the subject's id.

    The look (every kept message opened and searched, which takes a while for a tenant with many) runs
    before the transaction writes anything, so before it has a transaction id: the raw locks are
    advisory locks of the kind the log's readers take for appends (infra/migrations/040_log_horizon.sql),
    and a transaction that holds one with an id holds back every reader of the log until it ends.
    """
    labels = sorted({tenant, UNATTRIBUTED}, key=lambda label: raw_lock_key(label or None))
    async with pool.acquire() as conn, conn.transaction():
        for label in labels:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", raw_lock_key(label or None))
        rows = await conn.fetch(
            "SELECT id, tenant, reason, raw, raw_sealed FROM outcomes WHERE status = 'rejected'"
            " AND (tenant = $1 OR tenant IS NULL OR reason = 'forbidden')"
            " AND (raw_sealed IS NOT NULL OR raw IS NOT NULL)",
            tenant,
        )
        opened = await _kept_keys(conn, keys, {key_label(row["tenant"]) for row in rows})
        naming = [row["id"] for row in rows if _names(row, opened, tenant, subject, names)]
        if naming:
            await conn.execute(
                "UPDATE outcomes SET raw = NULL, raw_sealed = NULL, raw_dropped = 'erased',"
                " raw_dropped_at = clock_timestamp() WHERE id = ANY($1::bigint[])",
                naming,
            )
        # The key is destroyed; a person without one yet (a registration still under way, or one sent later)
        # gets a destroyed key all the same, so no personal field of theirs is ever stored readable: the
        # append that would create their key finds this one (or fails on it and decides again) and stores
        # the fields as null. ``destroyed``: a key existed until now (the row was updated, not inserted).
        destroyed = await conn.fetchval(
            "INSERT INTO subject_keys (tenant, subject, key, erased_at) VALUES ($1, $2, NULL, clock_timestamp())"
            " ON CONFLICT (tenant, subject) DO UPDATE SET key = NULL, erased_at = clock_timestamp()"
            " WHERE subject_keys.key IS NOT NULL RETURNING xmax::text <> '0'",
            tenant, subject,
        )
    keys.forget(tenant, subject)
    log.info("subject_erased", tenant=tenant, subject=subject, key_destroyed=bool(destroyed),
             rejections_dropped=len(naming))
    return Erasure(key_destroyed=bool(destroyed), rejections_dropped=len(naming))


async def _kept_keys(conn: asyncpg.Connection, keys: KeyRing, labels: Iterable[str]) -> dict[str, bytes]:
    """The keys of these tenants' kept raw messages, read only (a tenant with kept messages has its key)."""
    missing = sorted(set(labels) - keys.tenants.keys())
    if missing:
        rows = await conn.fetch("SELECT tenant, key FROM tenant_keys WHERE tenant = ANY($1::text[])", missing)
        keys.tenants.update({row["tenant"]: row["key"] for row in rows})
    return {label: keys.tenants[label] for label in labels if label in keys.tenants}


def _names(row: asyncpg.Record, keys: dict[str, bytes], tenant: str, subject: str, names: Sequence[str]) -> bool:
    if row["raw_sealed"] is None:
        plain = bytes(row["raw"])
    else:
        label = key_label(row["tenant"])
        if label not in keys:  # cannot be read, so cannot be cleared of the person either: dropped
            return True
        try:
            plain = open_raw(keys[label], label, row["raw_sealed"])
        except InvalidTag:
            return True
    if row["tenant"] not in (tenant, None) and _envelope_tenant(plain) != tenant:
        return False  # refused on another tenant's topic, and not about this tenant
    return names_any(plain, [subject], names)


def _envelope_tenant(raw: bytes) -> object:
    try:
        decoded = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return decoded.get("tenant") if isinstance(decoded, dict) else None


def names_any(raw: bytes, identifiers: Sequence[str], names: Sequence[str]) -> bool:
    """Whether a raw message names someone: one of ``identifiers`` as a whole value (or key) anywhere in it,
    or one of ``names`` as whole words (case-insensitive) in any of its text. A message that is not JSON
    is searched as text, identifiers as whole tokens."""
    text = raw.decode("utf-8", errors="replace")
    try:
        strings = _strings(json.loads(text))
    except (ValueError, RecursionError):
        strings = [text]
        identifiers_as_words = True
    else:
        identifiers_as_words = False
        if any(value in identifiers for value in strings):
            return True
    patterns = [_words(name) for name in names if name.strip()]
    if identifiers_as_words:
        patterns += [_words(identifier) for identifier in identifiers if identifier]
    return any(pattern.search(value) for pattern in patterns for value in [*strings, text])


def _words(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(value.strip())}(?!\w)", re.IGNORECASE)


def _strings(value: object) -> list[str]:
    found: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found += [str(key) for key in item]
            stack += list(item.values())
        elif isinstance(item, list):
            stack += item
    return found


@dataclass(frozen=True)
class Sweep:
    expired: int
    """raw bodies dropped because their retention period was over"""
    sealed: int
    """raw bodies an older version kept in plain text, now sealed"""


async def sweep(pool: asyncpg.Pool, keys: KeyRing, retention_days: int) -> Sweep:
    """Drop the raw bodies older than the retention period, and seal any kept in plain text."""
    expired = 0
    while True:
        status = await pool.execute(
            "UPDATE outcomes SET raw = NULL, raw_sealed = NULL, raw_dropped = 'expired',"
            " raw_dropped_at = clock_timestamp()"
            " WHERE id IN (SELECT id FROM outcomes WHERE (raw_sealed IS NOT NULL OR raw IS NOT NULL)"
            "   AND received_at < clock_timestamp() - make_interval(days => $1) LIMIT $2 FOR UPDATE SKIP LOCKED)",
            retention_days, _SWEEP_ROWS,
        )
        done = int(str(status).rsplit(" ", 1)[-1])
        expired += done
        if done < _SWEEP_ROWS:
            break
    sealed = 0
    while (count := await _seal_plain(pool, keys)) > 0:
        sealed += count
    if expired or sealed:
        log.info("rejections_swept", expired=expired, sealed=sealed, retention_days=retention_days)
    return Sweep(expired=expired, sealed=sealed)


async def _seal_plain(pool: asyncpg.Pool, keys: KeyRing) -> int:
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT id, tenant, raw FROM outcomes WHERE raw IS NOT NULL LIMIT $1 FOR UPDATE SKIP LOCKED", _SWEEP_ROWS)
        if not rows:
            return 0
        opened = await tenant_keys(conn, keys, {key_label(row["tenant"]) for row in rows})
        await conn.executemany(
            "UPDATE outcomes SET raw_sealed = $2, raw = NULL WHERE id = $1",
            [(row["id"], seal_raw(opened[key_label(row["tenant"])], key_label(row["tenant"]), bytes(row["raw"])))
             for row in rows],
        )
        return len(rows)
