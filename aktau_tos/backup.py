"""Backup and restore of the configured database (`manage.py backup_db` and `manage.py restore_db`).

PostgreSQL: `pg_dump --format=custom`, and `pg_restore` in one transaction, so a failed restore changes nothing.
SQLite: the sqlite3 online backup API, which copies a consistent snapshot while the system keeps running.
The password goes to the tools in PGPASSWORD (with the other connection options Django passes to psql),
never on a command line where `ps` would show it.
"""

import glob
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump and pg_restore from argument lists, never through a shell
from contextlib import closing
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.postgresql.client import DatabaseClient as PostgresClient
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PG_DUMP_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
SQLITE_MAGIC = b"SQLite format 3\x00"
# Debian and Ubuntu install the server tools per major version here, not always on PATH.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
KIND_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why and what to do."""


def backup_create(*, output: Path, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Writes a backup of the database to `output`, which must not exist yet; returns the path.

    The backup is written beside `output` first and renamed when complete, so a failed or interrupted
    backup never leaves a file that looks like a good one.
    """
    connection = connections[using]
    vendor = _vendor_check(connection.vendor)
    output = Path(output)
    if output.exists():
        raise BackupError(
            _("%(path)s already exists; choose a new file name (a date in it works well).") % {"path": output}
        )
    if not output.parent.is_dir():
        raise BackupError(_("Folder %(folder)s does not exist.") % {"folder": output.parent})
    partial = output.with_name(f".{output.name}.partial")
    try:
        if vendor == "postgresql":
            _pg_dump(connection.settings_dict, partial)
        else:
            _sqlite_copy(source=_sqlite_connection(connection), target=partial)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return output


def backup_restore(*, source: Path, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> None:
    """Restores a backup made by `backup_create` into the database, all or nothing.

    Meant for a fresh, empty database: if the database already has our tables, it refuses unless `force`,
    which replaces what the backup contains.
    """
    connection = connections[using]
    vendor = _vendor_check(connection.vendor)
    source = Path(source)
    kind = backup_kind(source)
    if kind != vendor:
        raise BackupError(
            # Translators: %(kind)s and %(vendor)s are the database programs' names, PostgreSQL or SQLite.
            _("%(path)s is a %(kind)s backup, but the database is %(vendor)s: restore it into a %(kind)s database.")
            % {"path": source, "kind": KIND_NAMES[kind], "vendor": KIND_NAMES[vendor]}
        )
    existing = _our_tables_existing(connection)
    if existing and not force:
        raise BackupError(
            # Translators: %(tables)s lists the names of up to three of the tables.
            ngettext(
                "Database %(name)s already has %(count)d of our tables (%(tables)s). "
                "Restore into a fresh, empty database, or pass --force to replace its contents with the backup.",
                "Database %(name)s already has %(count)d of our tables (%(tables)s). "
                "Restore into a fresh, empty database, or pass --force to replace its contents with the backup.",
                len(existing),
            )
            % {
                "name": connection.settings_dict["NAME"],
                "count": len(existing),
                "tables": ", ".join(existing[:3]) + (", ..." if len(existing) > 3 else ""),  # table names
            }
        )
    if vendor == "postgresql":
        connection.close()  # no session of ours stays open beside pg_restore's
        _pg_restore(connection.settings_dict, source, clean=bool(existing))
    else:
        with closing(_sqlite_open_read_only(source)) as backup:
            _sqlite_copy(source=backup, target=_sqlite_connection(connection))
        connection.close()


def backup_kind(path: Path) -> str:
    """What kind of backup the file is, "postgresql" or "sqlite": its first bytes, and for SQLite our tables."""
    try:
        with Path(path).open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(_("%(path)s does not exist.") % {"path": path}) from None
    except OSError as error:
        raise BackupError(_("Cannot read %(path)s: %(error)s.") % {"path": path, "error": error.strerror}) from None
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    if head == SQLITE_MAGIC:
        _sqlite_backup_check(Path(path))
        return "sqlite"
    raise BackupError(
        _("%(path)s is not a backup made by backup_db (neither a PostgreSQL custom-format dump nor a SQLite database).")
        % {"path": path}
    )


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program: from PATH, else from the newest installed server version."""
    if found := shutil.which(name):
        return found

    def version(folder: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))

    for folder in sorted((Path(p) for p in glob.glob(PG_BIN_GLOB)), key=version, reverse=True):
        if os.access(folder / name, os.X_OK):
            return str(folder / name)
    raise BackupError(
        _("%(program)s is not installed: install the PostgreSQL client programs (Debian: postgresql-client).")
        % {"program": name}
    )


def _vendor_check(vendor: str) -> str:
    if vendor not in KIND_NAMES:
        raise BackupError(
            _("Backup and restore support PostgreSQL and SQLite; this database is %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _our_tables_existing(connection) -> list[str]:
    """The tables of our models (and Django's migration record) that the database already has."""
    try:
        with connection.cursor() as cursor:
            present = set(connection.introspection.table_names(cursor))
    except DatabaseError as error:
        raise BackupError(
            _("Cannot open database %(name)s: %(error)s") % {"name": connection.settings_dict["NAME"], "error": error}
        ) from None
    ours = set(connection.introspection.django_table_names()) | {"django_migrations"}
    return sorted(present & ours)


def pg_connection_options(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and their environment (PGPASSWORD, SSL files)."""
    args = ["--no-password"]  # never wait for a password prompt, as from cron
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER"), ("--dbname", "NAME")):
        if settings_dict.get(key):
            args.append(f"{option}={settings_dict[key]}")
    extra = PostgresClient.settings_to_cmd_args_env(settings_dict, [])[1]
    return args, {**os.environ, **(extra or {})}


def _pg_run(args: list[str], env: dict[str, str], *, restore: bool = False) -> None:
    """Runs pg_dump (or, with `restore`, pg_restore); a failure is a BackupError that says which of the two failed."""
    try:
        result = subprocess.run(args, env=env, capture_output=True, text=True)  # nosec B603 # argument list, no shell
    except OSError as error:
        if restore:
            message = _("Restore failed, the database is unchanged: cannot run %(program)s: %(error)s.")
        else:
            message = _("Backup failed: cannot run %(program)s: %(error)s.")
        raise BackupError(message % {"program": args[0], "error": error.strerror}) from None
    if result.returncode != 0:
        if output := result.stderr.strip():  # the tool's own words, as it wrote them
            if restore:
                message = _("Restore failed, the database is unchanged: %(output)s")
            else:
                message = _("Backup failed: %(output)s")
        elif restore:
            message = _("Restore failed, the database is unchanged: %(program)s exited with %(code)d")
        else:
            message = _("Backup failed: %(program)s exited with %(code)d")
        raise BackupError(message % {"program": args[0], "output": output, "code": result.returncode})


def _pg_dump(settings_dict: dict, target: Path) -> None:
    args, env = pg_connection_options(settings_dict)
    _pg_run([pg_tool("pg_dump"), "--format=custom", f"--file={target}", *args], env)


def _pg_restore(settings_dict: dict, source: Path, *, clean: bool) -> None:
    args, env = pg_connection_options(settings_dict)
    options = ["--no-owner", "--exit-on-error", "--single-transaction"]
    if clean:  # --force over an existing database: drop what the backup recreates, in the same transaction
        options += ["--clean", "--if-exists"]
    _pg_run([pg_tool("pg_restore"), *options, *args, str(source)], env, restore=True)


def _sqlite_connection(connection) -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def _sqlite_open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _sqlite_backup_check(path: Path) -> None:
    try:
        with closing(_sqlite_open_read_only(path)) as backup:
            found = backup.execute("SELECT 1 FROM sqlite_master WHERE name = 'django_migrations'").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(
            _("%(path)s is not a readable SQLite database: %(error)s.") % {"path": path, "error": error}
        ) from None
    if not found:
        raise BackupError(
            _("%(path)s is a SQLite database but not an Aktau TOS backup (it has no django_migrations).")
            % {"path": path}
        )


def _sqlite_copy(*, source: sqlite3.Connection, target: sqlite3.Connection | Path) -> None:
    """Copies a whole SQLite database in one step: the target gets all of it or, on failure, none."""
    destination = sqlite3.connect(target) if isinstance(target, Path) else target
    try:
        source.backup(destination)
    except sqlite3.Error as error:
        raise BackupError(_("SQLite backup failed: %(error)s.") % {"error": error}) from None
    finally:
        if destination is not target:
            destination.close()
