"""The keys of the audit checkpoints (CONTRACT §6, docs/audit.md).

- ``EDUPLAN_AUDIT_SIGNING_KEY``: a file with an Ed25519 private key (PEM, PKCS#8): checkpoints are
  signed; anyone with the public key (``eduplan audit keygen`` writes both) verifies them.
- ``EDUPLAN_AUDIT_KEY``: a shared secret: checkpoints carry an HMAC-SHA-256 under it; verifying needs it.
- neither: checkpoints are written unsigned (scheme ``none``). They still pin every stream's head, but
  anyone who can write the database can write them too, so `audit verify` says ``"signature": "none"``.

A checkpoint is only trusted if the key configured here checks it: a wrong key, or no key for a signed
checkpoint, is reported as a problem, never as intact.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infra.db import StartupError

__all__ = ["AuditKeyError", "AuditKeys", "generate_key_pair"]

NONE, HMAC, ED25519 = "none", "hmac-sha256", "ed25519"


class AuditKeyError(StartupError):
    """A configured key cannot be read."""


@dataclass(frozen=True)
class Signature:
    scheme: str
    key_id: str | None
    value: str | None


@dataclass(frozen=True)
class AuditKeys:
    hmac_key: bytes | None = None
    signing_key: Ed25519PrivateKey | None = None
    public_keys: tuple[Ed25519PublicKey, ...] = field(default=())

    @classmethod
    def from_env(cls, public_key_files: list[str] | None = None) -> AuditKeys:
        """The keys the environment names. Public keys (``public_key_files``, else
        ``EDUPLAN_AUDIT_PUBLIC_KEY``, several separated by the path separator) also check checkpoints
        signed before the signing key was replaced."""
        secret = os.environ.get("EDUPLAN_AUDIT_KEY") or None
        signing_file = os.environ.get("EDUPLAN_AUDIT_SIGNING_KEY") or None
        public_files = public_key_files or [
            name for name in os.environ.get("EDUPLAN_AUDIT_PUBLIC_KEY", "").split(os.pathsep) if name]
        signing = _private_key(signing_file) if signing_file else None
        public = [signing.public_key()] if signing is not None else []
        public += [_public_key(name) for name in public_files]
        return cls(secret.encode() if secret else None, signing, tuple(public))

    @property
    def scheme(self) -> str:
        """How new checkpoints are signed."""
        return ED25519 if self.signing_key is not None else HMAC if self.hmac_key is not None else NONE

    @property
    def can_check(self) -> bool:
        return self.hmac_key is not None or bool(self.public_keys)

    def sign(self, body: bytes) -> Signature:
        if self.signing_key is not None:
            return Signature(ED25519, _ed25519_id(self.signing_key.public_key()), self.signing_key.sign(body).hex())
        if self.hmac_key is not None:
            return Signature(HMAC, _hmac_id(self.hmac_key), hmac.new(self.hmac_key, body, hashlib.sha256).hexdigest())
        return Signature(NONE, None, None)

    def check(self, scheme: str, key_id: str | None, signature: str | None, body: bytes) -> str | None:
        """None when the signature holds under a configured key; else why not (a sentence)."""
        if scheme == NONE:
            return None if not self.can_check else "it is unsigned, and a key is configured to check signatures"
        if scheme == HMAC:
            if self.hmac_key is None:
                return f"it carries an HMAC-SHA-256 (key {key_id}) and EDUPLAN_AUDIT_KEY is not set"
            expected = hmac.new(self.hmac_key, body, hashlib.sha256).hexdigest()
            if signature is None or not hmac.compare_digest(expected, signature):
                return (f"its HMAC-SHA-256 does not hold under the configured key ({_hmac_id(self.hmac_key)};"
                        f" it names key {key_id})")
            return None
        if scheme == ED25519:
            if not self.public_keys:
                return f"it is signed with Ed25519 (key {key_id}) and no public key is configured"
            for public in self.public_keys:
                try:
                    public.verify(bytes.fromhex(signature or ""), body)
                    return None
                except (InvalidSignature, ValueError):
                    continue
            ids = ", ".join(_ed25519_id(p) for p in self.public_keys)
            return f"its Ed25519 signature does not hold under the configured public key ({ids}; it names key {key_id})"
        return f"its signature scheme {scheme!r} is unknown"


def _hmac_id(key: bytes) -> str:
    return hashlib.sha256(b"eduplan audit key id\n" + key).hexdigest()[:16]


def _ed25519_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise AuditKeyError(f"cannot read the audit key file {path}: {error.strerror}") from None


def _private_key(path: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except ValueError as error:
        raise AuditKeyError(f"{path} is not a PEM private key: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise AuditKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 private key")
    return key


def _public_key(path: str) -> Ed25519PublicKey:
    data = _read(path)
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        try:  # the private key file also gives the public key
            return _private_key(path).public_key()
        except AuditKeyError:
            raise AuditKeyError(f"{path} is not a PEM Ed25519 public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditKeyError(f"{path} holds a {type(key).__name__}, not an Ed25519 public key")
    return key


def generate_key_pair(private_path: Path, public_path: Path) -> str:
    """Write a new Ed25519 key pair (the private key readable by its owner only); its key id."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    public_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    return _ed25519_id(key.public_key())
