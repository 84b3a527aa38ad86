"""Tamper evidence (CONTRACT §6, docs/audit.md): the hash chain's checks, signed checkpoints,
verification from the database or an export, and the export itself. The chain is written by the log's
trigger (infra/migrations/140_hash_chain.sql); the encoding and the SQL live in infra/audit.py."""

from services.core.audit.checkpoints import (
    Checkpointer,
    NotSigned,
    WrittenCheckpoint,
    checkpoint_pending,
    write_checkpoint,
)
from services.core.audit.export import export_tenant
from services.core.audit.keys import AuditKeyError, AuditKeys, generate_key_pair
from services.core.audit.verify import ExportUnreadable, Report, verify_file, verify_tenant

__all__ = [
    "AuditKeyError", "AuditKeys", "Checkpointer", "ExportUnreadable", "NotSigned", "Report", "WrittenCheckpoint",
    "checkpoint_pending", "export_tenant", "generate_key_pair", "verify_file", "verify_tenant", "write_checkpoint",
]
