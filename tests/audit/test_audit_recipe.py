"""The shell recipes of docs/audit.md, run exactly as printed there: an auditor re-computes every hash of
an export with jq and sha256sum only. Needs jq (CI installs it); skipped, saying so, where it is absent."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from audit_support import rows, signed_log
from message_samples import TENANT

from services.core.audit import export_tenant

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"

pytestmark = pytest.mark.skipif(shutil.which("jq") is None, reason="jq is not installed (apt-get install -y jq)")


def recipe(name: str) -> str:
    match = re.search(rf"<!-- recipe: {name} -->\n```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match is not None, f"docs/audit.md has no recipe {name}"
    return match.group(1)


def sh(script: str, **env: str) -> str:
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _export(database_url: str, path: Path) -> None:
    app = await signed_log(database_url)
    try:
        with path.open("w", encoding="utf-8") as out:
            await export_tenant(app.pool, TENANT, out)
    finally:
        await app.close()


async def test_one_hash_recomputed_with_jq_and_sha256sum(database_url: str, tmp_path: Path) -> None:
    export = tmp_path / "acme.jsonl"
    await _export(database_url, export)
    for row in await rows(database_url):
        computed, stored = sh(recipe("one-event"), EXPORT=str(export), POSITION=str(row["position"])).split()
        assert computed == stored == row["hash"]


async def test_the_whole_export_checked_with_jq_shows_a_tampered_line(database_url: str, tmp_path: Path) -> None:
    export = tmp_path / "acme.jsonl"
    await _export(database_url, export)
    assert sh(recipe("whole-export"), EXPORT=str(export)) == ""
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace('"type":"', '"type":"Not', 1)
    events = [json.loads(line) for line in lines[1:]]
    followed = {(e["stream"], e["version"] - 1) for e in events if e["kind"] == "event"}
    middle = next(i for i, e in enumerate(events, start=1)
                  if i > 5 and e["kind"] == "event" and (e["stream"], e["version"]) in followed)
    del lines[middle]  # a version with a successor: its stream has a gap now
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    complaints = sh(recipe("whole-export"), EXPORT=str(export)).splitlines()
    assert any("the hash does not match" in c for c in complaints), complaints
    assert any("not chained" in c for c in complaints), complaints
