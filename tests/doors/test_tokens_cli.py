"""`eduplan tokens` and `eduplan serve`'s open mode, as separate processes on a test database."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cli_support import eduplan_command, run

from infra.tokens import TOKEN_PATTERN
from services.core.access import OpenModeOffLoopback, is_loopback, require_loopback_in_open_mode


def _ok(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


async def test_create_prints_the_token_once_list_shows_it_without_it_revoke_ends_it(database_url: str,
                                                                                    tmp_path: Path) -> None:
    created = run(database_url, tmp_path, "tokens", "create", "--role", "leadership", "--tenant", "acme",
                  "--name", "board")
    text = _ok(created).strip()
    assert TOKEN_PATTERN.fullmatch(text), text
    token_id = text.split("_")[1]
    assert "shown only this once" in created.stderr.decode()
    run(database_url, tmp_path, "tokens", "create", "--role", "admin", "--all-tenants")

    listed = [json.loads(line) for line in _ok(run(database_url, tmp_path, "tokens", "list", "--json")).splitlines()]
    assert [(t["id"], t["role"], t["tenant"], t["name"], t["revoked_at"]) for t in listed][0] == \
        (token_id, "leadership", "acme", "board", None)
    assert listed[1]["all_tenants"] is True and listed[1]["tenant"] is None
    table = _ok(run(database_url, tmp_path, "tokens", "list"))
    assert token_id in table and "all tenants" in table and text not in table

    revoked = _ok(run(database_url, tmp_path, "tokens", "revoke", token_id))
    assert token_id in revoked
    listed = [json.loads(line) for line in _ok(run(database_url, tmp_path, "tokens", "list", "--json")).splitlines()]
    assert listed[0]["revoked_at"] is not None and listed[1]["revoked_at"] is None


async def test_tokens_usage_errors(database_url: str, tmp_path: Path) -> None:
    for args in (("create", "--role", "admin"),  # neither --tenant nor --all-tenants
                 ("create", "--role", "admin", "--tenant", "acme", "--all-tenants"),
                 ("create", "--role", "root", "--all-tenants"),
                 ("create", "--role", "admin", "--tenant", "Not A Tenant")):
        result = run(database_url, tmp_path, "tokens", *args)
        assert result.returncode == 2, (args, result.stderr.decode())
        assert b"Traceback" not in result.stderr
    missing = run(database_url, tmp_path, "tokens", "revoke", "0123456789ab")
    assert missing.returncode == 1 and b"no token" in missing.stderr


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    require_loopback_in_open_mode(host, tokens_exist=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.org", "", "127.0.0.1.nip.io"])
def test_beyond_loopback_only_with_tokens(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(OpenModeOffLoopback, match="loopback"):
        require_loopback_in_open_mode(host, tokens_exist=False)
    require_loopback_in_open_mode(host, tokens_exist=True)


async def test_serve_refuses_a_host_beyond_loopback_in_open_mode(database_url: str, tmp_path: Path) -> None:
    # Refused before anything listens: nothing here binds beyond loopback.
    result = run(database_url, tmp_path, "serve", "--host", "0.0.0.0", "--no-projections", timeout=60)
    assert result.returncode == 2
    assert b"loopback" in result.stderr and b"eduplan tokens create" in result.stderr
    assert b"Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_serve_says_open_mode_in_its_log_then_a_created_token_closes_it(database_url: str,
                                                                              tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data")}
    env.pop("EDUPLAN_KAFKA_BOOTSTRAP", None)
    server = await asyncio.create_subprocess_exec(
        *eduplan_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-projections",
        env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=base) as http:
            while True:
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and server.returncode is None, "serve did not come up"
                await asyncio.sleep(0.2)
            assert (await http.get("/metrics")).status_code == 200  # open mode
            text = _ok(run(database_url, tmp_path, "tokens", "create", "--role", "auditor", "--all-tenants")).strip()
            assert (await http.get("/metrics")).status_code == 401
            assert (await http.get("/metrics", headers={"Authorization": f"Bearer {text}"})).status_code == 200
    finally:
        server.terminate()
        _, stderr = await asyncio.wait_for(server.communicate(), timeout=30)
    log = stderr.decode()
    assert re.search(r"open_mode", log) and "eduplan tokens create" in log, log[-2000:]
