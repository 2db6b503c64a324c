"""The backup and restore of docs/deploy.md, done for real on the local PostgreSQL: a scratch
database set up by `hoanhap init --demo` and used, dumped with pg_dump, restored with pg_restore
into another scratch database, the rows compared, and `hoanhap` run on the copy; both dropped after."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine.url import make_url

from tests.conftest import POSTGRES_URL
from tests.ops.processes import environment, hoanhap

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL or shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="PostgreSQL unavailable: no server, or no pg_dump / pg_restore",
)


def _psql_args(database: str) -> list[str]:
    url = make_url(POSTGRES_URL)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return [*args, "-d", database]


def _psql(database: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", *_psql_args(database), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PGPASSWORD": make_url(POSTGRES_URL).password or "", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _run(*command: str) -> None:
    env = {"PGPASSWORD": make_url(POSTGRES_URL).password or "", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(list(command), capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, f"{command[0]}: {result.stderr}"


@pytest.fixture
def scratch() -> Iterator[tuple[str, str]]:
    """Two scratch databases (the original, the restored copy), dropped whatever happens."""
    names = (f"hoanhap_backup_{uuid.uuid4().hex[:10]}", f"hoanhap_restore_{uuid.uuid4().hex[:10]}")
    admin = make_url(POSTGRES_URL).database or "postgres"
    for name in names:
        _psql(admin, f'CREATE DATABASE "{name}"')
    try:
        yield names
    finally:
        for name in names:
            _psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(database: str) -> dict[str, int]:
    tables = _psql(database, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").split()
    # the names come from the catalogue of our own scratch database
    return {table: int(_psql(database, f'SELECT count(*) FROM "{table}"')) for table in tables}  # noqa: S608


def test_a_dump_restores_into_a_working_database(scratch: tuple[str, str], tmp_path: Path) -> None:
    original, copy = scratch
    url = make_url(POSTGRES_URL)
    env = environment(tmp_path / "var", database_url=url.set(database=original).render_as_string(False))
    hoanhap(env, "init", "--demo")
    hoanhap(env, "chat", stdin="xin phieu ly lich tu phap o dau\ngia xang hom nay\n/quit\n")

    dump = tmp_path / "hoanhap.dump"
    # as docs/deploy.md: the custom format, no owners or privileges (restorable under another role)
    _run("pg_dump", *_psql_args(original), "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump))
    _run("pg_restore", *_psql_args(copy), "--no-owner", "--no-privileges", "--exit-on-error", str(dump))

    before, after = _counts(original), _counts(copy)
    assert after == before
    assert before["faq_entries"] > 0 and before["agencies"] > 0 and before["outbox"] > 0
    assert before["match_log"] == 2
    version = "SELECT version_num FROM alembic_version"
    assert _psql(copy, version) == _psql(original, version) != ""
    # the copy is a database the assistant runs on: it remembers the conversation's question log
    env_copy = environment(tmp_path / "var2", database_url=url.set(database=copy).render_as_string(False))
    assert "knowledge base:" in hoanhap(env_copy, "init")
    assert _counts(copy)["match_log"] == 2
