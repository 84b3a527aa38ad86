"""What route handlers share: the application core of the running app, and its Prometheus metrics."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry, Counter, Gauge

from services.core.app import App

OUTCOMES = ("accepted", "duplicate", "rejected")


class Metrics:
    """The app's own registry (never the process-wide one: two apps in one process count apart)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.messages = Counter("eduplan_messages", "Messages through the HTTP door, by outcome", ["status"],
                                registry=self.registry)
        for status in OUTCOMES:
            self.messages.labels(status=status)  # every outcome listed from the start, at 0
        self.log_position = Gauge("eduplan_log_max_position", "The highest position in the event log",
                                  registry=self.registry)
        self.projection_lag = Gauge("eduplan_projection_lag_events", "Events a projection has yet to read",
                                    ["projection"], registry=self.registry)

    def count(self, outcomes: list[dict[str, Any]]) -> None:
        for outcome in outcomes:
            self.messages.labels(status=outcome["status"]).inc()


class FastJSONResponse(JSONResponse):
    """A JSONResponse rendered by orjson: the same compact UTF-8 JSON as Starlette's for the door's plain
    dicts, lists, strings, integers and None, in a fraction of the time. What orjson refuses (text that is no
    valid Unicode, integers beyond 64 bits) goes to Starlette's own rendering, so no answer changes."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:  # orjson.JSONEncodeError is one
            return super().render(content)


def core(request: Request) -> App:
    return request.app.state.core  # type: ignore[no-any-return]


def metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]
