#!/usr/bin/env bash
# One command: installs what the tests need, then lint, format check and the
# whole suite. DATABASE_URL=postgres://... runs it against PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh --browser
scripts/venv.sh test

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/python -m pytest "$@"
