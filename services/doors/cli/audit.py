"""`eduplan audit verify|checkpoint|export|keygen`: tamper evidence of the event log (CONTRACT §6,
docs/audit.md). Keys come from the environment (EDUPLAN_AUDIT_KEY, EDUPLAN_AUDIT_SIGNING_KEY,
EDUPLAN_AUDIT_PUBLIC_KEY); a shared secret never goes on the command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from services.doors.cli.common import Commands, UsageError

EXIT_BROKEN = 1


def register(commands: Commands) -> None:
    audit = commands.add_parser("audit", help="verify, checkpoint and export the tamper-evident event log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    verify = actions.add_parser("verify", help="check a tenant's log against its hash chain and signed checkpoints;"
                                               " exit 0 intact, 1 broken")
    verify.add_argument("--tenant", help="the tenant whose log to verify (with --file: must match the export)")
    verify.add_argument("--file", metavar="EXPORT", help="verify this export offline (no database)")
    verify.add_argument("--public-key", metavar="FILE", action="append",
                        help="an Ed25519 public key (PEM) that checks the checkpoints; repeat it for keys used"
                             " earlier (default EDUPLAN_AUDIT_PUBLIC_KEY; HMAC checkpoints take EDUPLAN_AUDIT_KEY)")
    verify.set_defaults(run=_cmd_verify)

    checkpoint = actions.add_parser("checkpoint", help="sign a checkpoint over a tenant's events now")
    whose = checkpoint.add_mutually_exclusive_group(required=True)
    whose.add_argument("--tenant", help="the tenant to checkpoint")
    whose.add_argument("--all", action="store_true", help="every tenant with unsigned events")
    checkpoint.set_defaults(run=_cmd_checkpoint)

    export = actions.add_parser("export", help="write a tenant's events with hashes and its checkpoints (JSON Lines)")
    export.add_argument("--tenant", required=True, help="the tenant to export")
    export.add_argument("--until", metavar="CURSOR", help="only up to this cursor (default: the whole log)")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write (- = standard output)")
    export.set_defaults(run=_cmd_export)

    keygen = actions.add_parser("keygen", help="write a new Ed25519 key pair for signing checkpoints")
    keygen.add_argument("--out", required=True, metavar="FILE",
                        help="the private key file (created, mode 600); the public key goes to FILE.pub")
    keygen.set_defaults(run=_cmd_keygen)


def _keys(public_key: list[str] | None = None) -> Any:
    from services.core.audit import AuditKeyError, AuditKeys

    try:
        return AuditKeys.from_env(public_key)
    except AuditKeyError as error:
        raise UsageError(str(error)) from None


def _cmd_verify(args: argparse.Namespace) -> int:
    from services.core.audit import ExportUnreadable, verify_file

    keys = _keys(args.public_key)
    if args.file is not None:
        try:
            report = verify_file(Path(args.file), keys, args.tenant)
        except ExportUnreadable as error:
            raise UsageError(str(error)) from None
    else:
        if not args.tenant:
            raise UsageError("audit verify needs --tenant (or --file EXPORT)")

        async def run() -> Any:
            from services.core import reads
            from services.core.app import open_app

            app = await open_app(max_size=2)
            try:
                return await reads.audit_verify(app, args.tenant, keys)
            finally:
                await app.close()

        report = asyncio.run(run())
    print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    return 0 if report.intact else EXIT_BROKEN


def _cmd_checkpoint(args: argparse.Namespace) -> int:
    from services.core.audit import NotSigned, checkpoint_pending, write_checkpoint

    keys = _keys()

    async def run() -> list[Any]:
        from services.core import reads
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            if args.all:
                return await checkpoint_pending(app.pool, keys)
            await reads.require_tenant(app.store, args.tenant)
            written = await write_checkpoint(app.pool, args.tenant, keys)
            return [] if written is None else [written]
        finally:
            await app.close()

    try:
        written = asyncio.run(run())
    except NotSigned as error:
        print(f"eduplan: no checkpoint written: {error}", file=sys.stderr)
        return EXIT_BROKEN
    for checkpoint in written:
        print(json.dumps(checkpoint.as_json()))
    if not written:
        print("nothing to sign: every event is covered by a checkpoint already", file=sys.stderr)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    async def run(out: Any) -> tuple[int, int]:
        from services.core import reads
        from services.core.app import open_app

        app = await open_app(max_size=2)
        try:
            return await reads.audit_export(app, args.tenant, out, args.until)
        finally:
            await app.close()

    if args.out == "-":
        events, checkpoints = asyncio.run(run(sys.stdout))
    else:
        try:
            with open(args.out, "w", encoding="utf-8") as out:
                events, checkpoints = asyncio.run(run(out))
        except OSError as error:
            raise UsageError(f"cannot write {args.out}: {error.strerror}") from None
    print(f"exported {events} events and {checkpoints} checkpoints of {args.tenant}", file=sys.stderr)
    return 0


def _cmd_keygen(args: argparse.Namespace) -> int:
    from services.core.audit import generate_key_pair

    private, public = Path(args.out), Path(args.out + ".pub")
    try:
        key_id = generate_key_pair(private, public)
    except FileExistsError:
        raise UsageError(f"{private} exists already; a signing key is never overwritten") from None
    except OSError as error:
        raise UsageError(f"cannot write {private}: {error.strerror}") from None
    print(f"wrote {private} (private: set EDUPLAN_AUDIT_SIGNING_KEY={private}) and {public} (public, key {key_id})")
    return 0
