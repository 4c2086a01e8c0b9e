"""Scratch databases for the production path test and the benchmark smoke runs.

They run the site and the benchmarks in processes of their own, each on a
database of its own, of the suite's kind: PostgreSQL when DATABASE_URL says so
(as under .ci/run), SQLite otherwise. Migrating is the slow part, so it is done
once, into a template, and each run gets a copy (CREATE DATABASE … TEMPLATE on
PostgreSQL, a file copy on SQLite); every copy is dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.production.operator import PRODUCTION_ENV, manage


class ScratchDatabases:
    def __init__(self, work: Path):
        self.work = work
        suite = os.environ.get("DATABASE_URL", "")
        self.postgres = suite.startswith("postgres")
        self.parts = urlsplit(suite) if self.postgres else None
        base = self.parts.path.lstrip("/") if self.postgres else "sqlite"
        self.prefix = f"{base or 'postgres'}_smoke"
        self.made: list[str] = []
        self._template: str | None = None

    # Addresses -----------------------------------------------------------------------

    def url(self, name: str) -> str:
        """The address of database `name`: on the suite's server, or a SQLite file."""
        if self.postgres:
            return urlunsplit(self.parts._replace(path=f"/{name}"))
        return f"sqlite:///{self.work / name}.sqlite3"

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql)

    def drop(self, name: str) -> None:
        if self.postgres:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for path in self.work.glob(f"{name}.sqlite3*"):
                path.unlink()

    # Template and copies ------------------------------------------------------------

    @property
    def template(self) -> str:
        """The name of the migrated template database (migrated on first use)."""
        if self._template is None:
            name = self.prefix
            self.drop(name)
            if self.postgres:
                self._execute(f'CREATE DATABASE "{name}"')
            self.made.append(name)
            result = manage(
                "migrate",
                "--verbosity",
                "0",
                timeout=600,
                SECRET_KEY=secrets.token_urlsafe(50),
                DATABASE_URL=self.url(name),
                **PRODUCTION_ENV,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            self._template = name
        return self._template

    def copy(self, label: str) -> str:
        """A fresh migrated database for one run; its DATABASE_URL."""
        template = self.template
        name = f"{self.prefix}_{label}"
        self.drop(name)
        if self.postgres:
            self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            shutil.copyfile(
                self.work / f"{template}.sqlite3", self.work / f"{name}.sqlite3"
            )
        self.made.append(name)
        return self.url(name)

    def drop_all(self) -> None:
        for name in reversed(self.made):
            self.drop(name)


@pytest.fixture(scope="session")
def scratch_databases(tmp_path_factory):
    databases = ScratchDatabases(tmp_path_factory.mktemp("scratch-databases"))
    yield databases
    databases.drop_all()
