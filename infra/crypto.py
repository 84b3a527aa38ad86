"""Personal data encrypted with AES-GCM: personal fields under a key per employee (crypto-shredding),
raw rejected messages under a key per tenant.

An encrypted field is stored in place of the plain one as
``{"$enc": "v1", "subject": <employee_id>, "ct": <base64 nonce+ciphertext>}``.
Erasure destroys the subject's key; reads then give ``null`` for those fields, the log stays untouched.
A raw rejected message is stored as the bytes ``nonce + ciphertext``, bound to its tenant ('' for a
message whose tenant could not be read) as associated data.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ERASED = None


def _aad(tenant: str, subject: str) -> bytes:
    return f"{tenant}\x1f{subject}".encode()


def is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and value.get("$enc") == "v1"


def encrypt_value(key: bytes, tenant: str, subject: str, value: Any) -> dict[str, str]:
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False).encode()
    sealed = AESGCM(key).encrypt(nonce, plain, _aad(tenant, subject))
    return {"$enc": "v1", "subject": subject, "ct": base64.b64encode(nonce + sealed).decode()}


def decrypt_value(key: bytes | None, tenant: str, sealed: Mapping[str, str]) -> Any:
    if key is None:
        return ERASED
    raw = base64.b64decode(sealed["ct"])
    plain = AESGCM(key).decrypt(raw[:12], raw[12:], _aad(tenant, sealed["subject"]))
    return json.loads(plain)


def seal_raw(key: bytes, tenant: str, raw: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, raw, _raw_aad(tenant))


def open_raw(key: bytes, tenant: str, sealed: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:12], sealed[12:], _raw_aad(tenant))


def _raw_aad(tenant: str) -> bytes:
    return f"rejected\x1f{tenant}".encode()


class KeyRing:
    """Per-subject keys: the ones this process writes with, and reads from the database; and the tenants'
    keys for raw rejected messages.

    Subject keys used for writing are kept in memory; reads always ask the database. After an erasure by
    another process, a value this process still seals with the destroyed key can never be opened:
    erased all the same. Tenant keys are never destroyed, so they are cached for reading too.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], bytes | None] = {}
        self.tenants: dict[str, bytes] = {}

    def cached(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
        """The keys of these subjects that this process already knows (for writing)."""
        return {pair: self._cache[pair] for pair in wanted if pair in self._cache}

    def remember(self, loaded: dict[tuple[str, str], bytes | None]) -> None:
        self._cache.update(loaded)

    async def keys_for_reading(
        self, conn: asyncpg.Connection | asyncpg.Pool, wanted: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], bytes | None]:
        """Always read from the database, so an erasure by any process is honoured at once."""
        wanted = list(set(wanted))
        rows = await conn.fetch(
            "SELECT tenant, subject, key FROM subject_keys"
            " WHERE (tenant, subject) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
            [t for t, _ in wanted],
            [s for _, s in wanted],
        )
        found = {(row["tenant"], row["subject"]): row["key"] for row in rows}
        return {pair: found.get(pair) for pair in wanted}

    def forget(self, tenant: str, subject: str) -> None:
        self._cache.pop((tenant, subject), None)


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal_fields(
    data: dict[str, Any], fields: Iterable[str], key: bytes | None, tenant: str, subject: str
) -> dict[str, Any]:
    sealed = dict(data)
    for field in fields:
        value = sealed.get(field)
        if value is None:
            continue
        sealed[field] = encrypt_value(key, tenant, subject, value) if key is not None else ERASED
    return sealed


def subjects_in(tenant: str, data: Mapping[str, Any]) -> set[tuple[str, str]]:
    return {(tenant, v["subject"]) for v in data.values() if is_encrypted(v)}


def open_fields(data: Mapping[str, Any], tenant: str, keys: Mapping[tuple[str, str], bytes | None]) -> dict[str, Any]:
    opened = dict(data)
    for field, value in data.items():
        if is_encrypted(value):
            opened[field] = decrypt_value(keys.get((tenant, value["subject"])), tenant, value)
    return opened
