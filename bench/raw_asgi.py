"""The physical reference of benchmark 15: the least an HTTP door can do per message.

A bare ASGI app (no framework) that reads the body, decodes the JSON and runs one INSERT of the message
as an event on a new stream (the one-statement append, no version read, no idempotency, no validation),
answering 201 with a small JSON body. It runs under the very uvicorn settings of ``eduplan serve``
(``services.doors.http.app.UVICORN_OPTIONS``).

    python -m bench.raw_asgi DATABASE_URL PORT
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import asyncpg
import orjson

TABLE = """
CREATE TABLE IF NOT EXISTS raw_http_events (
    position     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant       text        NOT NULL,
    stream       text        NOT NULL,
    version      integer     NOT NULL,
    type         text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    message_id   text        NOT NULL,
    actor        text,
    data         jsonb       NOT NULL,
    UNIQUE (tenant, stream, version)
)
"""

INSERT = ("INSERT INTO raw_http_events (tenant, stream, version, type, occurred_at, message_id, actor, data)"
          " VALUES ($1, $2, 1, $3, $4, $5, $6, $7::jsonb)")


def make_app(url: str) -> Any:
    state: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                event = await receive()
                if event["type"] == "lifespan.startup":
                    state["pool"] = await asyncpg.create_pool(url, min_size=10, max_size=10)
                    await state["pool"].execute(TABLE)
                    await send({"type": "lifespan.startup.complete"})
                elif event["type"] == "lifespan.shutdown":
                    await state["pool"].close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        more = True
        while more:
            event = await receive()
            body += event.get("body", b"")
            more = event.get("more_body", False)
        message = orjson.loads(body)
        data = message["data"]
        await state["pool"].execute(
            INSERT, message["tenant"], f"booking-{data['booking_id']}", message["type"],
            datetime.fromisoformat(message["occurred_at"]), message["message_id"], message.get("actor"),
            orjson.dumps(data).decode())
        answer = orjson.dumps({"status": "accepted", "tenant": message["tenant"], "message_id": message["message_id"]})
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(answer)).encode())]})
        await send({"type": "http.response.body", "body": answer})

    return app


def main(argv: list[str]) -> None:
    import uvicorn

    from services.doors.http.app import uvicorn_options

    url, port = argv[0], int(argv[1])
    workers = int(argv[2]) if len(argv) > 2 else 1
    if workers > 1:
        import os

        os.environ["BENCH_RAW_DATABASE_URL"] = url
        uvicorn.run("bench.raw_asgi:from_env", factory=True, host="127.0.0.1", port=port, workers=workers,
                    **uvicorn_options())
    else:
        uvicorn.run(make_app(url), host="127.0.0.1", port=port, **uvicorn_options())


def from_env() -> Any:
    import os

    return make_app(os.environ["BENCH_RAW_DATABASE_URL"])


if __name__ == "__main__":
    main(sys.argv[1:])
