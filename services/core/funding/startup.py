"""The funding rules of this process: loaded and checked once at start-up (every door opens the application core
through here), then installed so messages can name their schemes and reads can compute amounts."""

from __future__ import annotations

from pathlib import Path

from domain.funding.catalog import install_schemes
from domain.funding.rules import RuleBook
from infra.settings import Settings
from services.core.funding.loader import SHIPPED, load_rules

_installed: RuleBook | None = None


def rules_directories(settings: Settings) -> list[Path]:
    """The shipped rules, then the company's own directory (``EDUPLAN_FUNDING_RULES_DIR``) when set."""
    return [SHIPPED, *([settings.funding_rules_dir] if settings.funding_rules_dir else [])]


def install_rules(settings: Settings | None = None) -> RuleBook:
    """Load, check and install the rules; a bad file raises ``RulesError`` naming file, line and field."""
    global _installed
    book = load_rules(rules_directories(settings or Settings.from_env()))
    install_schemes(book.scheme_ids())
    _installed = book
    return book


def installed_rules() -> RuleBook:
    """The rules installed at start-up (loaded now when this process has not yet)."""
    return _installed if _installed is not None else install_rules()
