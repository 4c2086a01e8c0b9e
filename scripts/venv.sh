#!/usr/bin/env bash
# Creates .venv (if needed), installs the project into it and compiles the
# translation catalogues (locale/*/LC_MESSAGES/*.po -> .mo; needs gettext).
# Usage: scripts/venv.sh [extras]   e.g. scripts/venv.sh test
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
stamp=".venv/.installed-${1:-base}"
# Reinstall only when pyproject.toml changed since the last install.
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [[ -n "${1:-}" ]]; then
    .venv/bin/python -m pip install -q -e ".[$1]"
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$stamp"
fi

# Only out-of-date catalogues are recompiled; the virtualenv's own are left alone.
# Run without the project's settings (they need a SECRET_KEY outside DEBUG).
if compgen -G "locale/*/LC_MESSAGES/*.po" >/dev/null; then
  env -u DJANGO_SETTINGS_MODULE .venv/bin/python -m django compilemessages \
    --ignore ".venv" --ignore "node_modules" --verbosity 0
fi
