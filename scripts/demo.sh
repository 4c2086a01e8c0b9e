#!/usr/bin/env bash
# One command: the site with demo data on SQLite, its task worker and its
# periodic loop, at http://127.0.0.1:8000 (PORT=... to change).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/system-packages.sh
scripts/venv.sh

export DEBUG=${DEBUG:-true}
export TASK_BACKEND=${TASK_BACKEND:-db}
port=${PORT:-8000}
export SITE_URL=${SITE_URL:-http://localhost:$port}

.venv/bin/python manage.py migrate --no-input -v0
seeded=$(.venv/bin/python manage.py seed_demo 2>/dev/null)
login=$(tail -n 1 <<<"$seeded")
leader=$(grep -m1 "Delegation leader" <<<"$seeded" || true)
door=$(grep -E "^(Check-in app|  badge code)" <<<"$seeded" | sed 's/^/  /' || true)

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

mkdir -p var/log
.venv/bin/python manage.py db_worker >var/log/worker.log 2>&1 &
pids+=($!)
.venv/bin/python manage.py run_periodic >var/log/periodic.log 2>&1 &
pids+=($!)
.venv/bin/python manage.py runserver "0.0.0.0:$port" --noreload &
pids+=($!)

sleep 2
cat <<MSG

  SCI Events is running on SQLite with demo data.
  Site:   http://localhost:$port/
  Event:  http://localhost:$port/events/annual-conference-2027/
  Partnerships: http://localhost:$port/partnerships/  Impact: http://localhost:$port/impact/
  $leader
$door
  $login
  Worker and periodic loop log to var/log/. Stop with Ctrl-C.
  Commands on this demo run with DEBUG=true, for example:
    DEBUG=true .venv/bin/python manage.py create_checkin_device --event annual-conference-2027 --name "Door 1"

MSG
wait -n "${pids[@]}"
