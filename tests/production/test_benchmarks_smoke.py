"""Each benchmark of tests/benchmarks/ runs in the suite at a tiny size.

The benchmarks are run by hand for their figures and are not collected by
pytest, so one could break unnoticed (the rush did, on a missing source map).
Here each one's own command runs in a fresh interpreter, as the README gives
it, with small arguments and a migrated copy of a database of the suite's
kind (tests/production/conftest.py). The assertions are the benchmark's own
checks (nothing oversold, one `ok` per double scan, every screen answered),
never its timings.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.production.operator import ROOT, operator_environment

NEEDS_POSTGRES = (
    "measures PostgreSQL row locks under gunicorn (psycopg, CREATE DATABASE); "
    "the suite runs it with DATABASE_URL=postgres://… (as .ci/run does)"
)


def run_benchmark(module: str, *args: str, **env: str) -> str:
    run = subprocess.run(  # noqa: S603 - our own benchmark, fixed arguments
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=operator_environment(LOG_LEVEL="WARNING", **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = run.stdout[-6000:] + run.stderr[-4000:]
    assert run.returncode == 0, report
    assert "Traceback" not in run.stderr, report
    return run.stdout


def test_pages_benchmark(scratch_databases):
    out = run_benchmark(
        "tests.benchmarks.pages",
        "--requests",
        "3",
        "--warmup",
        "1",
        DATABASE_URL=scratch_databases.copy("pages"),
        # Static addresses without the manifest: collectstatic's compression
        # is the production path test's to prove, and the slowest step here.
        STATIC_MANIFEST="false",
    )

    # It exits with the status of any GET that was not a 200.
    assert "event page   GET /events/annual-conference-2027/" in out
    assert "requests     3 (after 1 warm-up)" in out
    held = int(re.search(r"database     \w+, (\d+) seats held", out)[1])
    assert held >= 300  # its 300 paid attendees, and the demo's


def test_admin_benchmark(scratch_databases):
    out = run_benchmark(
        "tests.benchmarks.admin",
        "--orders",
        "40",
        "--requests",
        "2",
        "--warmup",
        "1",
        DATABASE_URL=scratch_databases.copy("admin"),
    )

    assert re.search(r"database     \w+; 40 orders, 80 attendees", out), out
    for screen in (
        "order list ",
        "order list, flagged",
        "order list, search",
        "attendee list ",
        "attendee list, checked in",
    ):
        assert re.search(rf"^{screen}\s+\d", out, re.M), (screen, out)


def test_exports_benchmark(scratch_databases):
    out = run_benchmark(
        "tests.benchmarks.exports",
        "--attendees",
        "25",
        "--database-url",
        scratch_databases.copy("exports"),
    )

    assert "data: 25 attendees written" in out
    assert re.search(r"xlsx job: done, 25 rows, \d+ columns", out), out
    assert re.search(r"csv stream: \d+ KiB", out), out


def test_badges_benchmark():
    out = run_benchmark("tests.benchmarks.badges", "--count", "6", "--runs", "2")

    assert "single A6 badge, warm, 2 runs" in out
    # Six badges on one US Letter sheet of six.
    assert re.search(r"6 badges, letter-6up, \d+ workers: .* 1 pages", out), out


def postgres_only(scratch_databases) -> None:
    if not scratch_databases.postgres:
        pytest.skip(NEEDS_POSTGRES)


def test_rush_benchmark(scratch_databases):
    postgres_only(scratch_databases)
    template = scratch_databases.template
    rush = f"{template}_rush"
    try:
        out = run_benchmark(
            "tests.benchmarks.rush",
            "--workers",
            "2",
            "--orders",
            "30",
            "--clients",
            "6",
            "--seats",
            "10",
            "--rate",
            "5",
            "--duration",
            "1",
            "--rates",
            "",
            "--template",
            template,
            DATABASE_URL=scratch_databases.url(template),
            # The API needs no static files: skip the manifest's compression.
            STATIC_MANIFEST="false",
        )
    finally:
        scratch_databases.drop(rush)

    rush_part, sustained_part = out.split("== (b)")
    assert "sold              : 10 of 10" in rush_part
    assert "oversold          : 0" in rush_part
    assert "answers           : 201: 10, 409 sold_out: 20" in rush_part
    assert "server errors     : 0" in rush_part
    assert "requests answered : 5 in" in sustained_part
    assert "answers           : 201: 5" in sustained_part
    assert "server errors     : 0" in sustained_part


def test_checkin_benchmark(scratch_databases):
    postgres_only(scratch_databases)
    if shutil.which("psql") is None:
        pytest.skip("the check-in benchmark creates its database with psql")
    server = urlsplit(scratch_databases.url("postgres"))
    out = run_benchmark(
        "tests.benchmarks.checkin",
        "--workers",
        "2",
        "--steady",
        "1",
        "--hammer",
        "1",
        "--double-scans",
        "20",
        "--host",
        server.hostname,
        "--pg-port",
        str(server.port or 5432),
        "--user",
        server.username or "postgres",
        "--database",
        f"{scratch_databases.prefix}_checkin",
        "--template",
        scratch_databases.template,
    )

    steady = re.search(r"^\(a\) steady.*answers (\{.*\})$", out, re.M)
    hammer = re.search(r"^\(b\) hammer.*answers (\{.*\})$", out, re.M)
    # Every scan of a fresh badge is admitted.
    assert set(ast.literal_eval(steady[1])) == {"200 ok"}, out
    assert set(ast.literal_eval(hammer[1])) == {"200 ok"}, out
    assert "exactly one ok: 20/20" in out, out


def test_programme_benchmark(scratch_databases):
    postgres_only(scratch_databases)
    template = scratch_databases.template
    try:
        out = run_benchmark(
            "tests.benchmarks.programme",
            "--workers",
            "2",
            "--attendees",
            "30",
            "--sessions",
            "3",
            "--capacity",
            "5",
            "--clients",
            "6",
            "--template",
            template,
            DATABASE_URL=scratch_databases.url(template),
            STATIC_MANIFEST="false",
        )
    finally:
        scratch_databases.drop(f"{template}_rush")

    assert "places given       : 15 of 15" in out, out
    assert "sessions overbooked: 0 []" in out, out
    assert "201 = sign-ups     : True" in out, out
    assert "server errors      : 0" in out, out
