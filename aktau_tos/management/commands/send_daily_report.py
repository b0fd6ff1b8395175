"""Sends or previews the management report of any day: `send_daily_report --date 2026-11-21 --to a@b.kz`."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aktau_tos.reports.daily import daily_report_send, report_day_default, report_message, report_render


class Command(BaseCommand):
    help = "Sends the daily report to its subscribers (once per day), to given addresses, or writes a preview."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day reported on, YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--to", nargs="+", help="send to these addresses now (not counted as the nightly send)")
        parser.add_argument("--preview", metavar="DIR", help="write the HTML, text and workbook into DIR instead")

    def handle(self, *args, date: str | None, to: list[str] | None, preview: str | None, **options) -> None:
        day = _parse(date) if date else report_day_default()
        if preview:
            folder = Path(preview)
            folder.mkdir(parents=True, exist_ok=True)
            _, html, text, images, workbook = report_render(day)
            for content_id, png in images.items():
                (folder / f"{content_id}.png").write_bytes(png)
            (folder / "report.html").write_text(html.replace('src="cid:', 'src="').replace('" alt', '.png" alt'))
            (folder / "report.txt").write_text(text)
            (folder / f"aktau-tos-{day}.xlsx").write_bytes(workbook)
            self.stdout.write(f"Preview of {day} written to {folder}/")
        elif to:
            report_message(day, to).send()
            self.stdout.write(f"Report of {day} sent to {', '.join(to)}.")
        else:
            run = daily_report_send(day=day)
            self.stdout.write(f"Report of {day} sent to {run.recipients} subscribers." if run else
                              f"Report of {day} was already sent (or is being sent).")  # fmt: skip


def _parse(value: str):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date like 2026-11-21.") from None
