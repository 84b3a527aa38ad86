"""`eduplan serve --workers N`: the option as parsed, and the factory each worker process starts from."""

from __future__ import annotations

import pytest

from services.doors.cli import build_parser


def test_workers_default_to_one_and_must_be_positive() -> None:
    parser = build_parser("en")
    assert parser.parse_args(["serve"]).workers == 1
    assert parser.parse_args(["serve", "--workers", "3"]).workers == 3
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "--workers", "0"])


def test_each_worker_builds_the_app_with_or_without_projections(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.doors.http import app as http_app

    built: list[bool] = []
    monkeypatch.setattr(http_app, "create_app", lambda **kw: built.append(kw["run_projections"]))
    monkeypatch.setenv("EDUPLAN_SERVE_NO_PROJECTIONS", "1")
    http_app.create_worker_app()
    monkeypatch.setenv("EDUPLAN_SERVE_NO_PROJECTIONS", "0")
    http_app.create_worker_app()
    assert built == [False, True]

