"""Running the `eduplan` command as a separate process against a test database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def eduplan_command() -> list[str]:
    script = Path(sys.executable).with_name("eduplan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "services.doors.cli"]


def run(database_url: str, tmp_path: Path, *args: str, stdin: bytes | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "EDUPLAN_DATABASE_URL": database_url, "EDUPLAN_DATA_DIR": str(tmp_path / "data"),
           "COLUMNS": "200"}
    env.pop("EDUPLAN_KAFKA_BOOTSTRAP", None)
    return subprocess.run([*eduplan_command(), *args], input=stdin, capture_output=True, env=env, timeout=timeout,
                          check=False)
