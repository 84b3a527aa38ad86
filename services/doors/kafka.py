"""`eduplan worker` and `eduplan asyncapi`: the Kafka doors wired to the intake and the event store."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from aiokafka.errors import KafkaConnectionError
from faststream import FastStream
from faststream.specification import AsyncAPI

from domain.errors import Reason, Rejected
from infra.kafka import KafkaSettings, KafkaWorker, build_doors, ensure_topics
from infra.kafka.config import DOOR
from infra.kafka.dead_letters import MessageKey
from infra.kafka.inbound import Process
from infra.settings import Settings
from services.core.intake import Intake, Prepared, prepare
from services.doors.cli.common import Commands

EXIT_USAGE = 2
KAFKA_DOOR = DOOR


def register(commands: Commands) -> None:
    worker = commands.add_parser("worker", help="the Kafka door: consume eduplan.messages, publish eduplan.events")
    worker.set_defaults(run=lambda args: run_worker())
    asyncapi = commands.add_parser("asyncapi", help="write the AsyncAPI document of the Kafka doors")
    asyncapi.add_argument("--out", default="-", metavar="FILE", help="file to write (default - = standard output)")
    asyncapi.set_defaults(run=_cmd_asyncapi)


def _cmd_asyncapi(args: argparse.Namespace) -> int:
    return write_asyncapi(args.out)


def kafka_process(intake: Intake) -> Process:
    """Each record's bytes through the same intake as every other door, in order, one batch per call;
    records from a tenant's topic may write that tenant only. Each message's source is its record's place."""

    async def process(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        prepared = [replace(prepare(raw), source=place) for raw, place in zip(raws, places, strict=True)]
        if topic_tenant is not None:
            prepared = [only_the_topics_tenant(message, topic_tenant) for message in prepared]
        return await intake.process(prepared, KAFKA_DOOR)

    return process


_ENVELOPE_REASONS = (Reason.TOO_LARGE, Reason.INVALID_ENVELOPE)


def only_the_topics_tenant(prepared: Prepared, topic_tenant: str) -> Prepared:
    """A record on a tenant's topic (eduplan.messages.<tenant>) may write that tenant only.

    Broker ACLs on the topic names bind each producer to its tenants, so an envelope naming another tenant
    is rejected with ``forbidden`` — the check that comes right after the envelope's own (a size or envelope
    rejection stands; an envelope without a readable tenant is the envelope's problem). Whatever such a
    record leaves on record is filed under the topic's tenant: it never lands among, nor uses up a message
    id of, a tenant its producer may not write.
    """
    if prepared.tenant is None or prepared.tenant == topic_tenant:
        return prepared
    rejection = prepared.rejection
    if rejection is None or rejection.reason not in _ENVELOPE_REASONS:
        rejection = Rejected(Reason.FORBIDDEN, f"tenant {prepared.tenant!r} may not be written on the topic of "
                                               f"tenant {topic_tenant!r}; send it on that tenant's own topic")
    return Prepared(prepared.raw, topic_tenant, prepared.message_id, prepared.type, rejection=rejection,
                    source=prepared.source)


def run_worker() -> int:
    settings = Settings.from_env()
    if not settings.kafka_bootstrap:
        print("eduplan: EDUPLAN_KAFKA_BOOTSTRAP is not set, so the Kafka doors are off", file=sys.stderr)
        return EXIT_USAGE
    try:
        kafka = KafkaSettings.from_env(settings.kafka_bootstrap)
    except ValueError as error:
        print(f"eduplan: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(_serve(settings, kafka))
    except KafkaConnectionError as error:
        print(f"eduplan: cannot reach Kafka at {kafka.bootstrap} ({error})", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"eduplan: cannot reach the database ({error})", file=sys.stderr)
        return 1
    return 0


async def _serve(settings: Settings, kafka: KafkaSettings) -> None:
    from infra.log_guard import require_guard
    from services.core.app import open_app
    from services.core.audit import Checkpointer

    # One connection per partition processed side by side, one for the relay's lease, one spare.
    app = await open_app(settings, max_size=min(kafka.partitions, 16) + 2, log_level="INFO")
    checkpointer = Checkpointer(app.pool, app.audit_keys, store=app.store)
    try:
        await require_guard(app.pool)  # an unprotected log: the worker does not start
        checkpointer.start()
        await ensure_topics(kafka)
        worker = KafkaWorker(kafka, app.store, kafka_process(app.intake))
        # FastStream runs the broker and stops it cleanly on SIGINT/SIGTERM; the relay rides along.
        runner = FastStream(worker.broker, after_startup=[worker.start_side_tasks],
                            on_shutdown=[worker.stop_side_tasks])
        await runner.run()
    finally:
        await checkpointer.close()
        await app.close()


def asyncapi_document() -> str:
    settings = Settings.from_env()
    kafka = KafkaSettings.from_env(settings.kafka_bootstrap or "localhost:9092")

    async def not_wired(raws: list[bytes], topic_tenant: str | None, places: list[str]) -> list[dict[str, Any]]:
        raise RuntimeError("the document's broker processes nothing")

    broker = build_doors(kafka, not_wired, _NoLedger())
    spec = AsyncAPI(
        broker,
        title="eduplan Kafka doors",
        version=_package_version(),
        description="HR systems publish envelopes to eduplan.messages (key = tenant); rejected ones are "
        "copied to eduplan.messages.dlq as received; every committed event of the log goes out on "
        "eduplan.events (key = stream), with each personal field null and named in the record's header "
        "`personal` (a JSON array, e.g. [\"name\"]). Topic names take the EDUPLAN_KAFKA_TOPIC_PREFIX, when set.",
    )
    return json.dumps(spec.to_specification().to_jsonable(), indent=2, ensure_ascii=False)


class _NoLedger:
    """The document's broker sends no dead letters."""

    async def unsent(self, keys: Sequence[MessageKey]) -> set[MessageKey]:
        raise RuntimeError("the document's broker sends no dead letters")

    async def mark_sent(self, keys: Sequence[MessageKey]) -> None:
        raise RuntimeError("the document's broker sends no dead letters")


def write_asyncapi(out: str) -> int:
    document = asyncapi_document()
    if out == "-":
        sys.stdout.write(document + "\n")
        return 0
    try:
        with open(out, "w", encoding="utf-8") as file:
            file.write(document + "\n")
    except OSError as error:
        print(f"eduplan: cannot write {out}: {error.strerror}", file=sys.stderr)
        return EXIT_USAGE
    return 0


def _package_version() -> str:
    try:
        return version("eduplan")
    except PackageNotFoundError:
        return "0.0.0"
