"""The `eduplan` command (contract §5) run as a separate process against the test database."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from cli_support import run
from message_samples import TENANT, check_in, company_with_bookings, department, employee

from infra.settings import MAX_MESSAGE_BYTES
from services.core.app import app_for_url


def _lines(messages: list[object]) -> str:
    return "".join((m if isinstance(m, str) else json.dumps(m)) + "\n" for m in messages)


def _without_line(outcome: dict[str, object]) -> dict[str, object]:
    """The outcome as stored: `line` belongs to one ingest run, not to the message."""
    return {key: value for key, value in outcome.items() if key != "line"}


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
    # `line` is the 1-based line in the file, blank lines counted (the first two messages have one after them)
    assert [o["line"] for o in outcomes] == [1, 3, 5, 6, 7, 8]
    assert outcomes[3]["first"] == _without_line(outcomes[0])
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
            expected_first = before["first"] if before["status"] == "duplicate" else _without_line(before)
            assert after["first"] == expected_first


async def test_rejections_without_a_readable_tenant_are_listed_apart(database_url: str, tmp_path: Path) -> None:
    too_large = department("rd")
    too_large["data"]["name"] = "x" * MAX_MESSAGE_BYTES
    no_tenant = department("rd", tenant="Not A Tenant!")
    core = await app_for_url(database_url, max_size=2)
    try:
        await core.intake.submit_many(["not json", too_large, no_tenant, check_in("b-1")], door="test")
    finally:
        await core.close()

    done = run(database_url, tmp_path, "rejections", "--unattributed", "--json")
    assert done.returncode == 0, done.stderr.decode()
    listed = json.loads(done.stdout)["rejections"]
    assert [r["reason"] for r in listed] == ["invalid_envelope", "too_large", "invalid_envelope"]
    assert all(r["tenant"] is None and r["status"] == "rejected" and r["detail"] and "type" in r for r in listed)

    mine = json.loads(run(database_url, tmp_path, "rejections", "--tenant", TENANT, "--json").stdout)["rejections"]
    assert [(r["reason"], r["type"]) for r in mine] == [("unknown_booking", "ManagerCheckInHeld")]

    table = run(database_url, tmp_path, "rejections", "--unattributed")
    assert table.returncode == 0 and "too_large" in table.stdout.decode()
    both = run(database_url, tmp_path, "rejections", "--unattributed", "--tenant", TENANT)
    assert both.returncode == 2 and b"not allowed with" in both.stderr


def _generated(tmp_path: Path, name: str, *args: str) -> list[dict[str, object]]:
    path = tmp_path / name
    done = run("postgresql://unused", tmp_path, "generate", "--tenants", "3", "--employees", "6", "--years", "1",
               "--out", str(path), *args)
    assert done.returncode == 0, done.stderr.decode()
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue  # one of the deliberately broken lines
        if isinstance(item, dict) and "message_id" in item:
            messages.append(item)
    return messages


def test_generate_shares_no_tenant_or_message_id_with_the_demo_and_seeds_change_the_ids(tmp_path: Path) -> None:
    from services.simulator.demo_data import generate

    demo = [item for item in generate() if isinstance(item, dict)]
    demo_tenants = {m["tenant"] for m in demo}
    demo_ids = {m["message_id"] for m in demo}

    seven = _generated(tmp_path, "seven.jsonl", "--seed", "7")
    assert seven and {m["tenant"] for m in seven}.isdisjoint(demo_tenants)
    assert {m["message_id"] for m in seven}.isdisjoint(demo_ids)
    _generated(tmp_path, "again.jsonl", "--seed", "7")
    assert (tmp_path / "seven.jsonl").read_bytes() == (tmp_path / "again.jsonl").read_bytes()
    eight = _generated(tmp_path, "eight.jsonl", "--seed", "8")
    assert {m["message_id"] for m in seven}.isdisjoint({m["message_id"] for m in eight})
    assert {m["tenant"] for m in seven}.isdisjoint({m["tenant"] for m in eight})

    default = _generated(tmp_path, "default.jsonl")
    assert {m["tenant"] for m in default}.isdisjoint(demo_tenants)


def test_generate_refuses_bad_numbers_in_one_line(tmp_path: Path) -> None:
    for args in (["--tenants", "0"], ["--years", "-1"], ["--seed", "x"], ["--seed", "9" * 80]):
        done = run("postgresql://unused", tmp_path, "generate", "--out", str(tmp_path / "f.jsonl"), *args)
        assert done.returncode == 2, args
        assert b"Traceback" not in done.stderr


def test_every_option_has_help_text() -> None:
    import argparse

    from services.doors.cli import build_parser

    missing = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}")
            elif not isinstance(action, argparse._HelpAction) and not (action.help or "").strip():
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "eduplan")
    assert missing == []


async def test_a_database_that_applied_another_version_of_a_migration_stops_every_command(
    database_url: str, tmp_path: Path
) -> None:
    core = await app_for_url(database_url, max_size=2)
    try:  # as if 010_kafka.sql had been edited since this database applied it
        await core.pool.execute("UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE name = '010_kafka.sql'")
    finally:
        await core.close()
    for args in (["kpi", "--tenant", TENANT], ["serve", "--port", "1"]):
        done = run(database_url, tmp_path, *args, timeout=60)
        assert done.returncode == 1, done.stderr.decode()
        [line] = done.stderr.decode().strip().splitlines()
        assert line.startswith("eduplan: the migration ") and "010_kafka.sql" in line and "never edited" in line
