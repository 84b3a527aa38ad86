"""The dashboard over the demo feed: every company and department renders, and a real browser shows it.

The browser test starts ``eduplan serve`` on a free 127.0.0.1 port and runs headless Chromium (the
Debian package ``chromium``) against it: a screenshot that must not be blank, no console messages
(the page has no script, so any would be a failed resource or an error), and the rendered DOM with
its gauges and strips. Set ``EDUPLAN_SAVE_SCREENSHOTS=1`` to keep the screenshot in
``tests/dashboard/screenshots/`` (only when it is under 300 KB).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from dashboard_support import AS_OF, external_references, probe, raw  # AS_OF: the demo feed's last day

from projections import catch_up, ensure_schema, kpi_document, tenants
from services.core.app import App, app_for_url
from services.core.ingest import ingest_lines
from services.doors.dashboard import render_dashboard
from services.doors.dashboard.text import percent_text
from services.doors.dashboard.views import PHASES
from services.simulator.demo_data import generate

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DEMO_TENANT = "bitzer"
SCREENSHOT_TENANT = "trae-og-busk"  # the report's first case; its page fits one 1280 × 2000 screenshot


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@dataclass
class Demo:
    url: str
    app: App


@pytest.fixture(scope="module")
async def demo(module_database_url: str) -> AsyncIterator[Demo]:
    app = await app_for_url(module_database_url, max_size=6)
    try:
        lines = (item if isinstance(item, str) else json.dumps(item, ensure_ascii=False) for item in generate())
        counts = await ingest_lines(app.intake, lines, door="test")
        assert counts.accepted > 1000
        await ensure_schema(app.pool)
        await catch_up(app.pool)
        yield Demo(module_database_url, app)
    finally:
        await app.close()


async def test_every_demo_company_and_department_renders(demo: Demo):
    names = await tenants(demo.app.pool)
    assert len(names) >= 9
    overview = probe(await render_dashboard(demo.app, as_of=AS_OF))
    assert overview.tenant_cards == names
    for tenant in names:
        doc = await kpi_document(demo.app.pool, tenant, AS_OF)
        for lang in ("da", "en"):
            page = await render_dashboard(demo.app, as_of=AS_OF, lang=lang, tenant=tenant)
            p = probe(page)
            assert p.lang == lang and p.phases == ["1", "2", "3", "4"]
            assert p.departments == list(doc["departments"]), tenant
            assert {(key, value) for phase, _, key, value in p.kpis if phase} == {
                (key, raw(doc["company"][key])) for _, keys in PHASES for key in keys}
            assert p.statuses == [doc["company"]["cycle_status"]] + [
                f["cycle_status"] for f in doc["departments"].values()]
            assert len(p.strips) == 1 + len(doc["departments"]) and all(len(s) == 12 for s in p.strips)
            assert ("Sæsontilpasning" if lang == "da" else "Season fit") in p.all_text
            assert external_references(page) == []
        for department in doc["departments"]:
            p = probe(await render_dashboard(demo.app, as_of=AS_OF, tenant=tenant, department=department))
            figures = doc["departments"][department]
            assert {(key, value) for phase, _, key, value in p.kpis if phase} == {
                (key, raw(figures[key])) for _, keys in PHASES for key in keys if key != "committee_meetings_12m"}


# --------------------------------------------------------------------------------------------------
# A real server and a real browser


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return int(probe_socket.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    logs = tmp_path_factory.mktemp("server")
    env = {**os.environ, "EDUPLAN_DATABASE_URL": demo.url, "PYTHONPATH": str(REPO), "NO_PROXY": "127.0.0.1"}
    with open(logs / "out.log", "wb") as out, open(logs / "err.log", "wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.doors.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--no-projections"],
            cwd=REPO, env=env, stdout=out, stderr=err,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        with httpx.Client(trust_env=False, timeout=5) as client:
            while True:
                if process.poll() is not None:
                    raise AssertionError(f"the server stopped: {(logs / 'err.log').read_text()[-2000:]}")
                try:
                    if client.get(base + "/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("the server did not answer /healthz within 60 s")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-proxy-server", f"--user-data-dir={profile}", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)


def _png_facts(data: bytes) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the image data (1–3 for one colour)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    idat, offset = b"", 8
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IDAT":
            idat += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    return width, height, len(set(zlib.decompress(idat)))


def _console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if ":CONSOLE" in line or "Uncaught" in line or "console error" in line.lower()]


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = _chromium()
    if binary is None:
        pytest.skip("chromium is not installed: install it with `apt-get install -y chromium` (Debian package)")
    return binary


# Every page type, as the browser shows it: (file name, URL path and query, window height).
PAGES = [
    ("overview", "/?lang=da", 1400),
    ("company-trae-og-busk", f"/?tenant={SCREENSHOT_TENANT}", 3600),
    ("company-bitzer-en", f"/?tenant={DEMO_TENANT}&lang=en", 3600),
    ("department-bitzer", f"/?tenant={DEMO_TENANT}&department=production", 3200),
    ("managers-bitzer", f"/dashboard/{DEMO_TENANT}/managers", 1600),
    ("manager-bitzer", f"/dashboard/{DEMO_TENANT}/managers?manager=E00001&lang=en", 2000),
    ("competences-bitzer", f"/dashboard/{DEMO_TENANT}/competences", 1600),
    ("greb-bitzer", f"/dashboard/{DEMO_TENANT}/greb", 2400),
    ("print-bitzer", f"/dashboard/{DEMO_TENANT}/print", 2200),
    ("funding-bitzer", f"/dashboard/{DEMO_TENANT}/funding", 1600),
    ("actions-bitzer", f"/dashboard/{DEMO_TENANT}/actions", 2400),
    ("actions-department-bitzer", f"/dashboard/{DEMO_TENANT}/actions?department=production&lang=en", 2000),
    ("plan-none-bitzer", f"/dashboard/{DEMO_TENANT}/plan", 900),
]


@pytest.mark.parametrize(("name", "path", "height"), PAGES, ids=[name for name, _, _ in PAGES])
def test_browser_screenshot_of_every_page_type(chromium: str, server: str, tmp_path: Path, name: str, path: str,
                                               height: int):
    url = f"{server}{path}{'&' if '?' in path else '?'}as_of={AS_OF.isoformat()}"
    shot = tmp_path / "dash.png"
    result = _run_chromium(chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0",
                           f"--screenshot={shot}", f"--window-size=1280,{height}", "--hide-scrollbars", url)
    assert shot.exists(), result.stderr[-3000:]
    data = shot.read_bytes()
    assert len(data) > 30_000, "the screenshot is nearly empty"
    width, shot_height, distinct = _png_facts(data)
    assert (width, shot_height) == (1280, height)
    assert distinct > 32, "the screenshot is a single colour"
    assert _console_lines(result.stderr) == []
    if os.environ.get("EDUPLAN_SAVE_SCREENSHOTS") and len(data) < 1_000_000:
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(data)


async def test_browser_renders_the_phases_and_the_kpi_documents_figures(chromium: str, server: str, demo: Demo,
                                                                        tmp_path: Path):
    doc = await kpi_document(demo.app.pool, DEMO_TENANT, AS_OF)
    url = f"{server}/?tenant={DEMO_TENANT}&as_of={AS_OF.isoformat()}&lang=en"
    result = _run_chromium(chromium, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _console_lines(result.stderr) == []
    p = probe(result.stdout)
    assert p.lang == "en" and p.phases == ["1", "2", "3", "4"]
    assert {(key, value) for phase, _, key, value in p.kpis if phase} == {
        (key, raw(doc["company"][key])) for _, keys in PHASES for key in keys}
    assert p.gauges[0]["value"] == ("–" if doc["company"]["on_track_rate"] is None
                                    else percent_text(doc["company"]["on_track_rate"], "en"))
    assert p.departments == list(doc["departments"])
    assert len(p.strips) == 1 + len(doc["departments"]) and len(p.charts) >= 5
    assert "Clarifying competence needs" in p.all_text

    overview = _run_chromium(chromium, tmp_path / "profile2", "--dump-dom", f"{server}/?as_of={AS_OF.isoformat()}")
    assert overview.returncode == 0, overview.stderr[-3000:]
    assert probe(overview.stdout).tenant_cards == await tenants(demo.app.pool)
