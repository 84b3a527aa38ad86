"""Settings read from the environment (the Kafka doors' own EDUPLAN_KAFKA_* tuning lives in infra/kafka/config.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from domain.rules import DEFAULT_REJECTION_RETENTION_DAYS, MAX_MESSAGE_BYTES

__all__ = ["DEFAULT_XAPI_HOMEPAGE", "MAX_MESSAGE_BYTES", "Settings", "default_data_dir"]

DEFAULT_XAPI_HOMEPAGE = "https://eduplan.invalid"
"""The account home page of exported xAPI statements when ``EDUPLAN_XAPI_HOMEPAGE`` is unset: a name
reserved never to resolve (RFC 2606), so statements from an unconfigured installation cannot pass for
accounts of a real system. Set it to the address of the system whose employee ids these are."""


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "eduplan"


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    data_dir: Path
    kafka_bootstrap: str | None
    log_level: str  # empty: the command's default
    http_host: str
    http_port: int
    funding_rules_dir: Path | None = None  # a company's own funding rules, beside the shipped ones
    dashboard_session_minutes: int = 480  # how long a dashboard sign-in lasts
    xapi_homepage: str = DEFAULT_XAPI_HOMEPAGE
    rejection_retention_days: int = DEFAULT_REJECTION_RETENTION_DAYS

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("EDUPLAN_DATABASE_URL") or None,
            data_dir=Path(os.environ.get("EDUPLAN_DATA_DIR") or default_data_dir()),
            kafka_bootstrap=os.environ.get("EDUPLAN_KAFKA_BOOTSTRAP") or None,
            log_level=os.environ.get("EDUPLAN_LOG_LEVEL", "").upper(),
            http_host=os.environ.get("EDUPLAN_HTTP_HOST", "127.0.0.1"),
            http_port=int(os.environ.get("EDUPLAN_HTTP_PORT", "8000")),
            funding_rules_dir=Path(os.environ["EDUPLAN_FUNDING_RULES_DIR"])
            if os.environ.get("EDUPLAN_FUNDING_RULES_DIR") else None,
            xapi_homepage=os.environ.get("EDUPLAN_XAPI_HOMEPAGE") or DEFAULT_XAPI_HOMEPAGE,
            rejection_retention_days=_days("EDUPLAN_REJECTION_RETENTION_DAYS", DEFAULT_REJECTION_RETENTION_DAYS),
            dashboard_session_minutes=_positive_int("EDUPLAN_DASHBOARD_SESSION_MINUTES", 480),
        )


def _days(variable: str, default: int) -> int:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if not text.isdigit():
        raise ValueError(f"{variable} must be a whole number of days (0 or more), not {text!r}")
    return int(text)


def _positive_int(variable: str, default: int) -> int:
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{variable}={text!r} is not a whole number of at least 1")
    return value
