"""Backs up the database: `backup_db --output aktau-2026-11-22.dump` (README, "Backup and restore")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import ngettext

from aktau_tos.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Writes a backup of the database (PostgreSQL: pg_dump custom format; SQLite: a copy of the file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, metavar="FILE", help="the backup file to write (must be new)")

    def handle(self, *args, output: str, **options) -> None:
        try:
            path = backup_create(output=Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from None
        size = path.stat().st_size
        self.stdout.write(
            ngettext(
                "Backup written to %(path)s (%(size)s byte).", "Backup written to %(path)s (%(size)s bytes).", size
            )
            % {"path": path, "size": number_format(size, force_grouping=True)}
        )
