"""Schemathesis against a running server: no 5xx, every answer as the schema says.

Run from the repository root:

    .venv/bin/python -m tests.drills.schemathesis_run [--max-examples 30] [--port 0]
        [--database-url postgres://…] [--phases examples,coverage,fuzzing]

It makes a fresh SQLite database in a temporary folder (or, with
`--database-url postgres://…/name`, a scratch PostgreSQL database `<name>_st`),
migrates it, loads the demo data (`seed_demo`), creates a staff API token for
`admin` and a check-in device token for the annual conference, starts gunicorn
with production settings (DEBUG off) and runs

    schemathesis run http://127.0.0.1:PORT/api/schema/ \\
        --checks not_a_server_error,status_code_conformance,\\
                 content_type_conformance,response_schema_conformance

with both tokens (tests/drills/schemathesis.toml) and at most --max-examples
generated cases per operation. Rate limits are off so generated requests reach
the views (DRF's pairing throttle still answers 429, which is documented).
The exit status is schemathesis's: 0 when every check passed. The server log
is kept in the temporary folder, whose path is printed.

The same checks run in the test suite with fewer examples
(tests/registration/api/test_schemathesis.py).
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.benchmarks.rush import free_port, stop_server

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHECKS = (
    "not_a_server_error,status_code_conformance,"
    "content_type_conformance,response_schema_conformance"
)


def scratch_postgres(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    scratch = f"{parts.path.lstrip('/') or 'postgres'}_st"
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    return urlunsplit(parts._replace(path=f"/{scratch}"))


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=30)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--database-url", default="", help="PostgreSQL server")
    parser.add_argument("--seed", default="", help="schemathesis seed, to replay")
    parser.add_argument(
        "--phases",
        default="examples,coverage,fuzzing",
        help="schemathesis phases; the test suite leaves out the long coverage one",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="sci-schemathesis-"))
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    env.update(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "BEHIND_PROXY": "false",
            "RATE_LIMITS_ENABLED": "false",
            "TASK_BACKEND": "immediate",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "STATIC_MANIFEST": "false",
            "MEDIA_ROOT": str(work / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.database_url:
        env["DATABASE_URL"] = scratch_postgres(args.database_url)
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(work / "db.sqlite3")
    print(f"Preparing a fresh database with demo data in {work} …", flush=True)
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "seed_demo")
    api_token = manage(env, "create_api_token", "admin", "--name", "schemathesis")
    device = manage(
        env,
        "create_checkin_device",
        "--event",
        "annual-conference-2027",
        "--name",
        "Schemathesis",
    )
    device_token = next(
        line.split(": ", 1)[1]
        for line in device.splitlines()
        if line.startswith("Token: ")
    )
    port = args.port or free_port()
    log = (work / "gunicorn.log").open("w")
    server = start_gunicorn(env, port, log)
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(ROOT / "tests" / "drills" / "schemathesis.toml"),
        "run",
        f"http://127.0.0.1:{port}/api/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.max_examples),
        "--phases",
        args.phases,
        "--no-color",
    ]
    if args.seed:
        command += ["--seed", args.seed]
    try:
        result = subprocess.run(  # noqa: S603 - fixed arguments
            command,
            cwd=work,
            env={
                **os.environ,
                "SCI_API_TOKEN": api_token.strip(),
                "SCI_DEVICE_TOKEN": device_token.strip(),
            },
            check=False,
        )
    finally:
        stop_server(server)
        log.close()
    print(f"Server log: {work / 'gunicorn.log'}")
    return result.returncode


def start_gunicorn(env: dict[str, str], port: int, log) -> subprocess.Popen:
    """gunicorn with two workers, its output in `log`; returns once it answers."""
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(BIN / "gunicorn"),
            "conference.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            # Unlimited request lines: generated query strings pass gunicorn's
            # 4,094-byte default, whose own HTML 400 is not ours to check
            # (in production the proxy in front answers those).
            "--limit-request-line",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            # Any answer will do: with SECURE_SSL_REDIRECT it is a redirect.
            requests.get(
                f"http://127.0.0.1:{port}/api/schema/", timeout=5, allow_redirects=False
            )
            return process
        except requests.RequestException:
            time.sleep(0.3)
    stop_server(process)
    raise SystemExit("gunicorn did not start within 60 s")


if __name__ == "__main__":
    sys.exit(main())
