"""Restores a backup into the configured database: `restore_db aktau-2026-11-22.dump` (README, "Backup and restore")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aktau_tos.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restores a backup made by backup_db into the database DATABASE_URL names, all or nothing. "
        "Meant for a fresh, empty database; --force replaces the contents of one that has our tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="a backup made by backup_db")
        parser.add_argument(
            "--force", action="store_true", help="restore even though the database already has our tables"
        )

    def handle(self, *args, file: str, force: bool, **options) -> None:
        try:
            backup_restore(source=Path(file), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Restored %(file)s. If the code is newer than the backup, run `manage.py migrate` next.") % {"file": file}
        )
