#!/bin/sh
# The whole check: lint, types (strict on domain/), then the test suite. Extra arguments go to pytest.
set -e
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
"$PY" -m ruff check .
"$PY" -m mypy domain infra services projections
exec "$PY" -m pytest -q -p no:cacheprovider "$@"
