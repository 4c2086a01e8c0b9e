"""The drills, run by the suite (so by CI) as well as by hand.

- pg_restart: a real `pg_ctl restart -m fast` of a throwaway PostgreSQL
  cluster in the middle of placing an order, of a Stripe webhook, and while
  idle (about 25 s). Needs root (the cluster runs as `postgres` via runuser)
  and PostgreSQL 15's binaries; skipped, saying why, where they are missing.
- worker_kill: a `db_worker` SIGKILLed in the middle of sending an e-mail to a
  real SMTP server; the periodic loop queues the job again and exactly one
  e-mail arrives (about 40 s).
- scale_out: two gunicorn instances and two RQ workers over one PostgreSQL and
  Redis; a rush, double scans, e-mails, badge jobs and a publish (about 60 s).
  Skipped where PostgreSQL or Redis does not answer.

Each drill prints its checks and exits non-zero if one failed; the output is
shown when this test fails.
"""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def run_drill(module: str, *args: str) -> None:
    run = subprocess.run(  # noqa: S603 - our own drill, fixed arguments
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = run.stdout[-6000:] + run.stderr[-3000:]
    assert run.returncode == 0, report
    assert "checks passed" in run.stdout, report


def answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_postgresql_restarted_mid_order_mid_webhook_and_idle():
    if os.geteuid() != 0:
        pytest.skip("the drill starts PostgreSQL as the postgres user: run as root")
    if not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"no PostgreSQL binaries in {PG_BIN} (set PG_BIN)")
    run_drill("tests.drills.pg_restart")


def test_a_worker_killed_mid_job_has_its_job_run_again_once():
    run_drill("tests.drills.worker_kill")


def test_two_web_instances_and_two_workers_share_one_database_and_redis():
    if not (answers(5432) and answers(6379)):
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432 and Redis on 6379")
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        database = "postgres://postgres@127.0.0.1:5432/scaleout"
    run_drill("tests.drills.scale_out", "--database-url", database)
