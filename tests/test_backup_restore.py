"""Backup and restore: a seeded database is dumped, restored into a fresh one, and both hold the same yard and history.

The restore runs as an operator would run it: `manage.py restore_db` in its own process, with DATABASE_URL
naming the new database.
"""

import io
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import QuerySet
from psycopg import sql

from aktau_tos import backup
from yard.models import Hold, Occupancy, YardMove

pytestmark = pytest.mark.system  # pg_dump, pg_restore and manage.py in processes of their own
OUR_APPS = ("yard", "rail", "customs", "dangerous_goods", "aktau_tos", "auth")
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore: PostgreSQL")


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    """Runs `manage.py ARGS` in a new process against the database DATABASE_URL names."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
    )


# PostgreSQL ------------------------------------------------------------------------------------------------


def pg_connect(dbname: str) -> psycopg.Connection:
    """A psycopg connection to another database on the test server, with the test connection's credentials."""
    source = connection.settings_dict
    options = {"host": source["HOST"], "port": source["PORT"], "user": source["USER"], "password": source["PASSWORD"]}
    return psycopg.connect(dbname=dbname, autocommit=True, **{key: value for key, value in options.items() if value})


def pg_url(dbname: str) -> str:
    source = connection.settings_dict
    credentials = quote(source["USER"], safe="") + (
        f":{quote(source['PASSWORD'], safe='')}" if source["PASSWORD"] else ""
    )
    port = f":{source['PORT']}" if source["PORT"] else ""
    return f"postgres://{credentials}@{quote(source['HOST'], safe='')}{port}/{quote(dbname, safe='')}"


@pytest.fixture
def fresh_database(transactional_db) -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards whatever happens; yields its name."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with pg_connect("postgres") as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with pg_connect("postgres") as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def our_tables() -> list[str]:
    """Every table of our apps: models, many-to-many tables and the simple-history `historical*` tables."""
    tables = {
        model._meta.db_table
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    return sorted(tables)


def table_contents(db: psycopg.Connection, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a digest of every row's full text, so any difference in any column shows."""
    contents = {}
    for table in tables:
        query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {} t")
        contents[table] = db.execute(query.format(sql.Identifier(table))).fetchone()
    return contents


def sequences(db: psycopg.Connection) -> dict[str, int | None]:
    """Where every id sequence stands: a restore that lost them would hand out ids that already exist."""
    rows = db.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'").fetchall()
    return dict(rows)


def rows(db: psycopg.Connection, queryset: QuerySet) -> list[tuple]:
    """The queryset's rows read through `db`: the same ORM query runs on both databases."""
    query, params = queryset.query.sql_with_params()
    return sorted(db.execute(query, params).fetchall())


def yard_state(db: psycopg.Connection) -> dict[str, list[tuple]]:
    return {
        "occupancies": rows(
            db,
            Occupancy.objects.values_list(
                "visit__container__number", "slot__block__code", "slot__bay", "slot__row", "tier", "primary"
            ),
        ),
        "active holds": rows(
            db,
            Hold.objects.filter(released_at__isnull=True).values_list(
                "pk", "visit__container__number", "authority", "kind", "blocked_move_kinds", "placed_at"
            ),
        ),
        "open moves": rows(
            db,
            YardMove.objects.filter(status__in=YardMove.OPEN_STATUSES).values_list(
                "pk",
                "visit__container__number",
                "kind",
                "status",
                "planned_to",
                "to_slot",
                "to_tier",
                "equipment__code",
            ),
        ),
    }


@postgres_only
def test_a_restored_backup_holds_the_same_yard_and_history(settings, tmp_path, fresh_database):
    settings.DEBUG = True  # seed_aktau --demo creates demo users only when debugging
    call_command("seed_aktau", "--demo", stdout=io.StringIO())
    dump = tmp_path / "aktau.dump"
    call_command("backup_db", "--output", str(dump), stdout=io.StringIO())
    assert dump.read_bytes().startswith(b"PGDMP")

    result = manage("restore_db", str(dump), database_url=pg_url(fresh_database))
    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout

    tables = our_tables()
    assert {"yard_occupancy", "yard_historicaloccupancy", "yard_historicalyardmove", "auth_user_groups"} <= set(tables)
    with pg_connect(connection.settings_dict["NAME"]) as seeded, pg_connect(fresh_database) as restored:
        before = table_contents(seeded, tables)
        for table in ("yard_occupancy", "yard_hold", "yard_yardmove", "yard_historicalyardmove", "auth_user"):
            assert before[table][0] > 0, f"the seeded yard has no rows in {table}: the comparison would prove nothing"
        assert table_contents(restored, tables) == before
        assert sequences(restored) == sequences(seeded)

        state = yard_state(seeded)
        assert all(state.values()), {name: len(found) for name, found in state.items()}
        assert yard_state(restored) == state


@postgres_only
def test_restore_refuses_a_database_in_use_and_force_replaces_it(tmp_path, fresh_database):
    call_command("backup_db", "--output", str(tmp_path / "empty.dump"), stdout=io.StringIO())
    url = pg_url(fresh_database)
    assert manage("restore_db", str(tmp_path / "empty.dump"), database_url=url).returncode == 0
    with pg_connect(fresh_database) as restored:
        migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
        assert migrations > 0
        restored.execute("DELETE FROM django_migrations WHERE app = 'yard'")

        refused = manage("restore_db", str(tmp_path / "empty.dump"), database_url=url)
        assert refused.returncode == 1
        assert "already has" in refused.stderr and "--force" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0] < migrations  # untouched

        forced = manage("restore_db", "--force", str(tmp_path / "empty.dump"), database_url=url)
        assert forced.returncode == 0, forced.stderr
        assert restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0] == migrations


@postgres_only
def test_a_failed_restore_leaves_the_database_empty(tmp_path, fresh_database):
    dump = tmp_path / "aktau.dump"
    call_command("backup_db", "--output", str(dump), stdout=io.StringIO())
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[:-64])  # the tables are created, then the last data block ends early

    result = manage("restore_db", str(truncated), database_url=pg_url(fresh_database))
    assert result.returncode == 1
    assert "Restore failed, the database is unchanged" in result.stderr
    with pg_connect(fresh_database) as restored:
        assert restored.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


@postgres_only
@pytest.mark.django_db
def test_restore_refuses_the_database_that_has_our_tables(tmp_path):
    dump = tmp_path / "aktau.dump"
    call_command("backup_db", "--output", str(dump), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"already has \d+ of our tables.*--force"):
        call_command("restore_db", str(dump))


def test_the_password_goes_in_the_environment_never_on_the_command_line():
    args, env = backup.pg_connection_options(
        {"HOST": "db", "PORT": "5432", "USER": "aktau", "PASSWORD": "s3cret pw", "NAME": "aktau_tos", "OPTIONS": {}}
    )
    assert env["PGPASSWORD"] == "s3cret pw"
    assert not any("s3cret" in arg for arg in args)
    assert {"--host=db", "--port=5432", "--username=aktau", "--dbname=aktau_tos", "--no-password"} <= set(args)


def test_a_missing_pg_tool_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    with pytest.raises(backup.BackupError, match="pg_dump is not installed"):
        backup.pg_tool("pg_dump")


def test_pg_tools_are_found_in_the_newest_server_version(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    for version in ("9.6", "15", "16"):
        program = tmp_path / "postgresql" / version / "bin" / "pg_restore"
        program.parent.mkdir(parents=True)
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    assert backup.pg_tool("pg_restore") == str(tmp_path / "postgresql" / "16" / "bin" / "pg_restore")


# SQLite ----------------------------------------------------------------------------------------------------


def sqlite_database(path: Path, *, containers: list[str]) -> Path:
    """A small SQLite database shaped like ours: the migration record, a table and its history."""
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT, applied TEXT)")
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('yard', '0001_initial', '2026-11-22')")
        db.execute("CREATE TABLE yard_occupancy (id INTEGER PRIMARY KEY, container TEXT UNIQUE, position TEXT)")
        db.execute("CREATE TABLE yard_historicaloccupancy (history_id INTEGER PRIMARY KEY, container TEXT, type TEXT)")
        for index, number in enumerate(containers):
            db.execute(
                "INSERT INTO yard_occupancy (container, position) VALUES (?, ?)", (number, f"A-{index:02d}-01-1")
            )
            db.execute("INSERT INTO yard_historicaloccupancy (container, type) VALUES (?, '+')", (number,))
    return path


def sqlite_dump(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return "\n".join(db.iterdump())


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_sqlite_backup_and_restore_round_trip(tmp_path):
    source = sqlite_database(tmp_path / "source.sqlite3", containers=["CSQU3054383", "TCNU7200794"])
    expected = sqlite_dump(source)
    made = manage("backup_db", "--output", str(tmp_path / "backup.sqlite3"), database_url=sqlite_url(source))
    assert made.returncode == 0, made.stderr
    with closing(sqlite3.connect(source)) as db, db:
        db.execute("DELETE FROM yard_occupancy")  # later changes do not reach the backup

    restored = manage("restore_db", str(tmp_path / "backup.sqlite3"), database_url=sqlite_url(tmp_path / "new.sqlite3"))
    assert restored.returncode == 0, restored.stderr
    assert sqlite_dump(tmp_path / "new.sqlite3") == expected
    assert "CSQU3054383" in expected


def test_sqlite_restore_refuses_a_database_in_use_unless_forced(tmp_path):
    backup_file = sqlite_database(tmp_path / "backup.sqlite3", containers=["CSQU3054383"])
    target = sqlite_database(tmp_path / "target.sqlite3", containers=["MSKU2666542", "GYOU4047990"])
    before = sqlite_dump(target)

    refused = manage("restore_db", str(backup_file), database_url=sqlite_url(target))
    assert refused.returncode == 1
    assert "already has" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sqlite_dump(target) == before

    forced = manage("restore_db", "--force", str(backup_file), database_url=sqlite_url(target))
    assert forced.returncode == 0, forced.stderr
    assert sqlite_dump(target) == sqlite_dump(backup_file)


# Bad input, whatever the database --------------------------------------------------------------------------


def test_restore_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore_db", str(tmp_path / "no-such.dump"))


def test_restore_of_a_file_that_is_no_backup_is_a_clear_error(tmp_path):
    (tmp_path / "notes.dump").write_text("-- a plain SQL file, not a backup made by backup_db\n")
    with pytest.raises(CommandError, match="is not a backup made by backup_db"):
        call_command("restore_db", str(tmp_path / "notes.dump"))


def test_restore_of_a_sqlite_file_that_is_not_ours_is_refused(tmp_path):
    with closing(sqlite3.connect(tmp_path / "other.sqlite3")) as db, db:
        db.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(CommandError, match="not an Aktau TOS backup"):
        call_command("restore_db", str(tmp_path / "other.sqlite3"))


def test_a_backup_for_the_other_engine_is_refused(tmp_path):
    other = tmp_path / "other-engine.backup"
    if connection.vendor == "postgresql":
        sqlite_database(other, containers=[])
        expected = "is a SQLite backup, but the database is PostgreSQL"
    else:
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(64))
        expected = "is a PostgreSQL backup, but the database is SQLite"
    with pytest.raises(CommandError, match=expected):
        call_command("restore_db", str(other))


def test_backup_never_overwrites_a_file(tmp_path):
    (tmp_path / "aktau.dump").write_text("yesterday's backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup_db", "--output", str(tmp_path / "aktau.dump"))
    assert (tmp_path / "aktau.dump").read_text() == "yesterday's backup"


def test_backup_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup_db", "--output", str(tmp_path / "no-such-folder" / "aktau.dump"))
