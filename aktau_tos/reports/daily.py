"""The nightly management report: claimed once per day, built from aggregates, sent with charts and a workbook.

Each subscriber reads it in their own language (their subscription's, else the installation's): the day's run builds
one message per language, everything in it (subject, text, charts, workbook) in that language, then sends them all.
"""

import base64
from collections import defaultdict
from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta
from email.mime.image import MIMEImage

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aktau_tos.models import ReportRun, ReportSubscription
from aktau_tos.reports import charts, l10n
from aktau_tos.reports.kpis import DESIGN_TEU_PER_YEAR, DailyKpis, daily_kpis
from aktau_tos.reports.workbook import workbook_bytes
from yard.selectors import yard_map

KIND = ReportSubscription.Kind.DAILY


def report_day_default() -> date:
    """The nightly run reports on the previous local day."""
    return timezone.localdate() - timedelta(days=1)


def report_day_parse(value: str) -> date:
    """The day a reader asked for, written YYYY-MM-DD; a ValueError that says how to write it otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            _("%(value)r is not a date: write the day as YYYY-MM-DD, e.g. 2026-11-21.") % {"value": value[:40]}
        ) from None


def report_language(code: str | None) -> str:
    """The language a subscription asks for, as the installation has it; its own language for none (or one it no
    longer has)."""
    try:  # the code as settings.LANGUAGES writes it: zh-Hans is zh-hans
        return translation.get_supported_language_variant(code or settings.LANGUAGE_CODE).lower()
    except LookupError:
        return settings.LANGUAGE_CODE


def _in(language: str | None) -> AbstractContextManager:
    """That language while the report is built; the active one (the request's, the command's) for None."""
    return translation.override(report_language(language)) if language else nullcontext()


def report_render(day: date, *, language: str | None = None) -> tuple[DailyKpis, str, str, dict[str, bytes], bytes]:
    """KPIs, HTML and text bodies, inline charts (content id -> PNG) and the XLSX attachment, in the language given
    or the active one: the KPIs too, whose labels and action items are worded as they are built."""
    with _in(language):
        kpis = daily_kpis(day)
        drawn = {
            "throughput": charts.throughput_chart(kpis),
            "occupancy": charts.occupancy_chart(charts.occupancy_layout(yard_map())),
            "dwell": charts.dwell_chart(kpis),
        }
        context = {"kpis": kpis, "day": day, "design": DESIGN_TEU_PER_YEAR, "moment": l10n.moment_format()}
        html = render_to_string("reports/daily.html", context)
        text = render_to_string("reports/daily.txt", context)
        images = {content_id: chart.png for content_id, chart in drawn.items()}
        return kpis, html, text, images, workbook_bytes(kpis)


def report_html_inline(day: date, *, language: str | None = None) -> str:
    """The HTML report as it would be sent, its charts inlined as data URLs so that a browser shows it alone; in the
    language given, or the active one (the admin's preview: the reader's)."""
    _kpis, html, _text, images, _workbook = report_render(day, language=language)
    for content_id, png in images.items():
        html = html.replace(f"cid:{content_id}", "data:image/png;base64," + base64.b64encode(png).decode())
    return html


def report_subject(kpis: DailyKpis) -> str:
    """The day, and how many items need action: what a reader sees before opening it. The day as ISO 8601, which
    reads the same in every language and sorts in a mailbox."""
    day = kpis.day.isoformat()
    items = len(kpis.needs_action)
    if not items:
        return _("Aktau TOS daily report %(day)s") % {"day": day}
    return ngettext(
        "Aktau TOS daily report %(day)s: %(count)d item needs action",
        "Aktau TOS daily report %(day)s: %(count)d items need action",
        items,
    ) % {"day": day, "count": items}


def report_message(day: date, recipients: list[str], *, language: str | None = None) -> EmailMultiAlternatives:
    """The report to these recipients, in the language given or the active one."""
    with _in(language):
        kpis, html, text, images, workbook = report_render(day)
        message = EmailMultiAlternatives(
            subject=report_subject(kpis),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            headers={"Content-Language": translation.get_language() or settings.LANGUAGE_CODE},
        )
    message.mixed_subtype = "related"
    message.attach_alternative(html, "text/html")
    for content_id, png in images.items():
        image = MIMEImage(png, _subtype="png")
        image.add_header("Content-ID", f"<{content_id}>")
        image.add_header("Content-Disposition", "inline", filename=f"{content_id}.png")
        message.attach(image)
    message.attach(
        f"aktau-tos-{day.isoformat()}.xlsx",
        workbook,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return message


def subscribers_by_language() -> dict[str, list[str]]:
    """The active subscribers' addresses by the language each reads (theirs, else the installation's)."""
    groups = defaultdict(list)
    subscriptions = ReportSubscription.objects.filter(kind=KIND, active=True).order_by("email")
    for email, language in subscriptions.values_list("email", "language"):
        groups[report_language(language)].append(email)
    return dict(sorted(groups.items()))


def _claim(day: date) -> ReportRun | None:
    """The day's run for this caller, or None if another run has it (or has sent it)."""
    try:
        with transaction.atomic():
            return ReportRun.objects.create(kind=KIND, day=day)
    except IntegrityError:
        pass
    # A failed run may be taken again, by exactly one caller.
    taken = ReportRun.objects.filter(kind=KIND, day=day, status=ReportRun.Status.FAILED).update(
        status=ReportRun.Status.CLAIMED, attempts=F("attempts") + 1, error=""
    )
    return ReportRun.objects.get(kind=KIND, day=day) if taken else None


def daily_report_send(*, day: date | None = None) -> ReportRun | None:
    """Sends the day's report to its subscribers once, a message for each language they read; a second call (beat,
    retry, other host) sends nothing.

    Every message is built before the first is sent, so that a failure to build one (a query, a chart) sends none.
    A failure marks the run failed (visible in the admin) and raises, so the task retries it: the whole run, every
    language (a mail server that refuses the second message after taking the first makes its readers get it twice).
    """
    day = day or report_day_default()
    run = _claim(day)
    if run is None:
        return None
    groups = subscribers_by_language()
    try:
        messages = [report_message(day, recipients, language=language) for language, recipients in groups.items()]
        if messages:
            with mail.get_connection() as connection:  # one connection for every language's message
                for message in messages:
                    message.connection = connection
                    message.send()
    except Exception as error:
        ReportRun.objects.filter(pk=run.pk).update(status=ReportRun.Status.FAILED, error=repr(error)[:2000])
        raise
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.SENT,
        recipients=sum(len(recipients) for recipients in groups.values()),
        finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run
