"""What route handlers share: the application core of the running app, and its counters."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from services.core.app import App


class Metrics:
    def __init__(self) -> None:
        self.outcomes = {"accepted": 0, "duplicate": 0, "rejected": 0}
        self.requests = 0

    def count(self, outcomes: list[dict[str, Any]]) -> None:
        for outcome in outcomes:
            self.outcomes[outcome["status"]] += 1


def core(request: Request) -> App:
    return request.app.state.core  # type: ignore[no-any-return]


def metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]
