"""Sends or previews the management report of any day: `send_daily_report --date 2026-11-21 --to a@b.kz`.

The nightly send writes to each subscriber in their own language; a preview or a send --to is in --language (the
installation's without it)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from aktau_tos.reports.daily import (
    daily_report_send,
    report_day_default,
    report_day_parse,
    report_language,
    report_message,
    report_render,
)


class Command(BaseCommand):
    help = "Sends the daily report to its subscribers (once per day), to given addresses, or writes a preview."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day reported on, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--to", nargs="+", help="send to these addresses now (not counted as the nightly send)")
        parser.add_argument("--preview", metavar="DIR", help="write the HTML, text, charts and workbook into DIR")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of --preview and --to (default: the installation's, LANGUAGE_CODE); the nightly send "
            "writes to each subscriber in their own",
        )

    def handle(
        self, *args, date: str | None, to: list[str] | None, preview: str | None, language: str | None, **options
    ) -> None:
        try:
            day = report_day_parse(date) if date else report_day_default()
        except ValueError as error:
            raise CommandError(f"--date: {error}") from None
        if preview:
            folder = Path(preview)
            folder.mkdir(parents=True, exist_ok=True)
            _kpis, html, text, images, workbook = report_render(day, language=report_language(language))
            for content_id, png in images.items():
                (folder / f"{content_id}.png").write_bytes(png)
                html = html.replace(f'src="cid:{content_id}"', f'src="{content_id}.png"')  # the files beside it
            (folder / "report.html").write_text(html, encoding="utf-8")
            (folder / "report.txt").write_text(text, encoding="utf-8")
            (folder / f"aktau-tos-{day}.xlsx").write_bytes(workbook)
            self.stdout.write(_("Preview of %(day)s written to %(folder)s/") % {"day": day, "folder": folder})
        elif to:
            report_message(day, to, language=report_language(language)).send()
            self.stdout.write(_("Report of %(day)s sent to %(to)s.") % {"day": day, "to": ", ".join(to)})
        elif run := daily_report_send(day=day):
            self.stdout.write(
                _("Report of %(day)s sent to %(count)d subscribers.") % {"day": day, "count": run.recipients}
            )
        else:
            self.stdout.write(_("Report of %(day)s was already sent (or is being sent).") % {"day": day})
