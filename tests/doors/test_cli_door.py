"""The `eduplan` command (contract §5) run as a separate process against the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from message_samples import TENANT, check_in, company_with_bookings, department, employee

from infra.settings import MAX_MESSAGE_BYTES
from services.core.app import app_for_url


def _eduplan() -> list[str]:
    script = Path(sys.executable).with_name("eduplan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]


def run(database_url: str, tmp_path: Path, *args: str, stdin: bytes | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data"),
           "COLUMNS": "200"}
    env.pop("EDUPLAN_KAFKA_BOOTSTRAP", None)
    return subprocess.run([*_eduplan(), *args], input=stdin, capture_output=True, env=env, timeout=timeout,
                          check=False)


def _lines(messages: list[object]) -> str:
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)


def _summary(text: str) -> dict[str, int]:
    [line] = [ln for ln in text.splitlines() if ln.startswith("accepted=")]
    return {k: int(v) for k, v in (part.split("=") for part in line.split())}


@pytest.fixture
def feed(tmp_path: Path) -> tuple[Path, list[object]]:
    """Three accepted, one duplicate, two rejected (one without ids), with blank lines between."""
    setup = company_with_bookings(1)
    messages: list[object] = [*setup, check_in("b-1"), setup[0], check_in("b-2"), "this is not json"]
    path = tmp_path / "feed.jsonl"
    text = _lines(messages).replace("\n", "\n\n", 2) + "   \n\n"
    path.write_text(text, encoding="utf-8")
    return path, messages


async def test_ingest_json_prints_one_outcome_per_line_then_a_reingest_counts_duplicates(
    database_url: str, tmp_path: Path, feed: tuple[Path, list[object]]
) -> None:
    path, messages = feed
    done = run(database_url, tmp_path, "ingest", "--json", str(path))
    assert done.returncode == 0, done.stderr.decode()
    outcomes = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(outcomes) == len(messages)  # blank lines get no outcome
    assert [o["status"] for o in outcomes] == ["accepted", "accepted", "accepted", "duplicate", "rejected",
                                               "rejected"]
    for msg, outcome in zip(messages[:5], outcomes, strict=False):
        assert isinstance(msg, dict)
        assert outcome["message_id"] == msg["message_id"] and outcome["tenant"] == TENANT
    assert outcomes[2]["events"][0] == {"stream": "booking-b-1", "version": 2,
                                        "position": outcomes[2]["events"][0]["position"]}
    assert outcomes[3]["first"] == outcomes[0]
    assert outcomes[4]["reason"] == "unknown_booking"
    assert outcomes[5]["reason"] == "invalid_envelope" and outcomes[5]["message_id"] is None
    assert "accepted=3 duplicate=1 rejected=2" in done.stderr.decode()

    again = run(database_url, tmp_path, "ingest", str(path))
    assert again.returncode == 0, again.stderr.decode()
    assert again.stdout.decode().strip().splitlines()[-1] == "accepted=0 duplicate=5 rejected=1"
    # the garbage line has no message id, so it is rejected again rather than a duplicate
    assert _summary(again.stdout.decode()) == {"accepted": 0, "duplicate": 5, "rejected": 1}


async def test_ingest_reads_stdin_and_skips_blank_lines(database_url: str, tmp_path: Path) -> None:
    text = "\n" + _lines([department("a"), department("b")]) + "  \n\r\n" + _lines([check_in("b-1")]) + "\n"
    done = run(database_url, tmp_path, "ingest", "-", stdin=text.encode())
    assert done.returncode == 0, done.stderr.decode()
    assert _summary(done.stdout.decode()) == {"accepted": 2, "duplicate": 0, "rejected": 1}


async def test_ingest_of_a_missing_file_is_a_usage_error(database_url: str, tmp_path: Path) -> None:
    done = run(database_url, tmp_path, "ingest", str(tmp_path / "no-such-file.jsonl"))
    assert done.returncode == 2
    assert b"no-such-file.jsonl" in done.stderr
    assert b"accepted=" not in done.stdout

    folder = run(database_url, tmp_path, "ingest", str(tmp_path))
    assert folder.returncode == 2


async def test_usage_errors_exit_2(database_url: str, tmp_path: Path) -> None:
    assert run(database_url, tmp_path, "ingest").returncode == 2
    assert run(database_url, tmp_path, "rejections").returncode == 2  # --tenant is required
    assert run(database_url, tmp_path, "no-such-command").returncode == 2


async def test_rejections_and_events_commands(database_url: str, tmp_path: Path) -> None:
    messages = [employee("e-1", name="Anna Berg"), check_in("b-1"), department("rd"), check_in("b-2"),
                department("x", tenant="other"), check_in("b-3", tenant="other")]
    core = await app_for_url(database_url, max_size=2)
    try:
        await core.intake.submit_many(messages, door="test")
    finally:
        await core.close()

    done = run(database_url, tmp_path, "rejections", "--tenant", TENANT, "--json")
    assert done.returncode == 0, done.stderr.decode()
    body = json.loads(done.stdout)
    assert [r["message_id"] for r in body["rejections"]] == [messages[1]["message_id"], messages[3]["message_id"]]
    assert [r["reason"] for r in body["rejections"]] == ["unknown_booking", "unknown_booking"]
    assert all(r["tenant"] == TENANT and r["status"] == "rejected" and r["detail"] for r in body["rejections"])

    table = run(database_url, tmp_path, "rejections", "--tenant", TENANT)
    assert table.returncode == 0, table.stderr.decode()
    assert "unknown_booking" in table.stdout.decode()

    log = run(database_url, tmp_path, "events", "--tenant", TENANT)
    assert log.returncode == 0, log.stderr.decode()
    events = [json.loads(line) for line in log.stdout.decode().splitlines()]
    assert [e["message_id"] for e in events] == [messages[0]["message_id"], messages[2]["message_id"]]
    assert [e["version"] for e in events] == [1, 1]
    assert events[0]["data"]["name"] == "Anna Berg"
    for event in events:
        assert {"position", "tenant", "stream", "version", "type", "occurred_at", "recorded_at", "message_id",
                "actor", "data", "schema_version"} <= set(event)


async def test_streaming_ingest_of_a_generated_feed(database_url: str, tmp_path: Path) -> None:
    demo_data = pytest.importorskip("services.simulator.demo_data")
    path = tmp_path / "generated.jsonl"
    written = demo_data.write_jsonl(str(path), seed=11, tenants=4, employees=40, years=1)
    big = department("rd", tenant="big")
    big["data"]["name"] = "x" * MAX_MESSAGE_BYTES
    with path.open("a", encoding="utf-8") as out:
        out.write("\n" + json.dumps(big) + "\n\n{broken json\n")
    lines = path.read_bytes().splitlines()
    non_blank = [ln for ln in lines if ln.strip()]
    assert len(non_blank) == written + 2

    first = run(database_url, tmp_path, "ingest", "--json", "--batch-size", "100", str(path), timeout=300)
    assert first.returncode == 0, first.stderr.decode()
    outcomes = [json.loads(line) for line in first.stdout.decode().splitlines()]
    assert len(outcomes) == len(non_blank)
    for raw, outcome in zip(non_blank, outcomes, strict=True):
        try:
            sent = json.loads(raw)
        except ValueError:
            sent = None
        if isinstance(sent, dict) and "message_id" in sent and len(raw) <= MAX_MESSAGE_BYTES:
            assert outcome["message_id"] == sent["message_id"], outcome
    counts = Counter(o["status"] for o in outcomes)
    assert sum(counts.values()) == len(non_blank)
    assert counts["accepted"] > 0.9 * len(non_blank)
    summary = _summary(first.stderr.decode())
    assert summary == {k: counts[k] for k in ("accepted", "duplicate", "rejected")}
    assert outcomes[-2]["reason"] == "too_large" and outcomes[-1]["reason"] == "invalid_envelope"

    # re-ingesting the same file: everything with an id is a duplicate, the rest is rejected again
    second = run(database_url, tmp_path, "ingest", "--json", "--batch-size", "100", str(path), timeout=300)
    assert second.returncode == 0, second.stderr.decode()
    again = [json.loads(line) for line in second.stdout.decode().splitlines()]
    assert len(again) == len(non_blank)
    for before, after in zip(outcomes, again, strict=True):
        if before["tenant"] is None or before["message_id"] is None:  # no idempotency key could be read
            assert after["status"] == "rejected" and after["reason"] == before["reason"]
        else:
            assert after["status"] == "duplicate", (before, after)
            expected_first = before["first"] if before["status"] == "duplicate" else before
            assert after["first"] == expected_first
