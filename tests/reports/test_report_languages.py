"""The nightly report in each reader's language: one message per language its subscribers read, each built in that
language (subject, text, HTML, charts, workbook), dates and numbers as the language writes them.

The assertions on words are Django's own (its month names, its formats), never the project's sentences, so they
hold whether or not the project's catalogues are compiled.
"""

import io
import re
import warnings
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import formats, timezone, translation
from openpyxl import load_workbook

from aktau_tos.models import ReportRun, ReportSubscription
from aktau_tos.reports import charts, l10n
from aktau_tos.reports.daily import (
    daily_report_send,
    report_html_inline,
    report_language,
    report_render,
    subscribers_by_language,
)
from aktau_tos.reports.workbook import sheet_title
from tests.reports.test_daily_report import DAY, known_day  # noqa: F401
from tests.reports.test_vessel_section import vessel_month  # noqa: F401
from tests.vessels.conftest import REPORT_DAY

pytestmark = pytest.mark.django_db
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
NBSP = "\xa0"


@pytest.fixture
def readers(known_day, settings):  # noqa: F811
    """The known day's subscribers: the director reads English, operations Russian, dispatch the installation's
    language (Russian here, as installed); a former Russian reader gets nothing."""
    settings.EMAIL_BACKEND = LOCMEM
    settings.LANGUAGE_CODE = "ru"
    ReportSubscription.objects.filter(email="director@aktau-hub.kz").update(language="en")
    ReportSubscription.objects.filter(email="ops@aktau-hub.kz").update(language="ru")
    ReportSubscription.objects.filter(email="former@aktau-hub.kz").update(language="ru")
    ReportSubscription.objects.create(email="dispatch@aktau-hub.kz")  # no language: the installation's


def by_language() -> dict[str, mail.EmailMultiAlternatives]:
    messages = {message.extra_headers["Content-Language"]: message for message in mail.outbox}
    assert len(messages) == len(mail.outbox), "two messages in one language"
    return messages


def html_of(message) -> str:
    [(html, _mimetype)] = message.alternatives
    return html


def charts_of(message) -> dict[str, bytes]:
    """The inline charts by their content id."""
    parts = [part for part in message.attachments if not isinstance(part, tuple)]
    return {part["Content-ID"].strip("<>"): part.get_payload(decode=True) for part in parts}


def workbook_of(message) -> bytes:
    [(_name, content, _mimetype)] = [part for part in message.attachments if isinstance(part, tuple)]
    return content


def test_each_language_gets_one_message_to_its_readers(readers):
    assert subscribers_by_language() == {
        "en": ["director@aktau-hub.kz"],
        "ru": ["dispatch@aktau-hub.kz", "ops@aktau-hub.kz"],
    }
    run = daily_report_send(day=DAY)
    assert (run.status, run.recipients) == ("sent", 3)  # every reader, whatever their language
    messages = by_language()
    assert sorted(messages) == ["en", "ru"]
    assert messages["en"].to == ["director@aktau-hub.kz"]
    assert messages["ru"].to == ["dispatch@aktau-hub.kz", "ops@aktau-hub.kz"]
    assert '<html lang="en">' in html_of(messages["en"]) and '<html lang="ru">' in html_of(messages["ru"])
    for message in messages.values():  # each with its own charts and workbook
        assert sorted(charts_of(message)) == ["dwell", "occupancy", "throughput"]
        summary = load_workbook(io.BytesIO(workbook_of(message))).active
        assert summary["B1"].value.date() == DAY  # a date cell, which the spreadsheet shows as its user reads dates
    assert daily_report_send(day=DAY) is None and len(mail.outbox) == 2  # still once per day


def test_the_russian_message_writes_dates_and_numbers_as_russian_does(readers):
    daily_report_send(day=DAY)
    messages = by_language()
    russian, english = messages["ru"], messages["en"]
    for text in (russian.body, html_of(russian)):
        assert "20 ноября 2026 г." in text  # DATE_FORMAT, the month's name from Django's Russian catalogue
        assert f"240{NBSP}000" in text  # the design a year: a non-breaking space between thousands
        assert "240,000" not in text and "Nov. 20" not in text
    # This month's design to date (20 days of 240,000 TEU a year): grouped; a day's TEU and its dwell: decimal commas.
    assert f"13{NBSP}151" in russian.body
    assert re.search(r"(?<![\d,.])5,0(?![\d,])", russian.body) and re.search(r"(?<![\d,.])2,5(?![\d,])", russian.body)
    assert "Nov. 20, 2026" in english.body and "240,000" in english.body and "13,151" in english.body
    assert re.search(r"(?<![\d,.])5\.0(?![\d.])", english.body) and "ноября" not in english.body
    assert "2026-11-20" in russian.subject and "2026-11-20" in english.subject  # ISO: the same in every language
    # The charts are drawn in the message's language: the dwell chart's mean reads 2,5 in Russian, 2.5 in English.
    assert charts_of(russian)["dwell"] != charts_of(english)["dwell"]


@pytest.mark.parametrize("language", ["ru", "kk", "zh-hans", "en"])
def test_every_language_writes_the_report_with_its_own_formats(known_day, language):  # noqa: F811
    _kpis, html, text, images, workbook = report_render(DAY, language=language)
    with translation.override(language):
        day = formats.date_format(DAY, "DATE_FORMAT")
        design = formats.number_format(240_000, 0, use_l10n=True, force_grouping=True)
    assert day in html and day in text
    assert design in text
    assert f'<html lang="{language}">' in html
    assert all(png.startswith(b"\x89PNG") for png in images.values()) and workbook[:2] == b"PK"
    assert translation.get_language() == "en"  # the caller's language is left as it was


def test_a_message_that_cannot_be_built_stops_the_run_before_any_is_sent(readers):
    from aktau_tos.reports import daily

    build = daily.workbook_bytes

    def fails_in_russian(kpis):
        if translation.get_language() == "ru":
            raise ValueError("a chart failed")
        return build(kpis)

    with mock.patch.object(daily, "workbook_bytes", side_effect=fails_in_russian), pytest.raises(ValueError):
        daily_report_send(day=DAY)
    assert mail.outbox == []  # not the English one either: nobody gets the day's report twice on the retry
    assert ReportRun.objects.get().status == "failed"
    retried = daily_report_send(day=DAY)
    assert (retried.status, retried.attempts, retried.recipients, len(mail.outbox)) == ("sent", 2, 3, 2)


def test_a_language_the_installation_no_longer_has_reads_its_own(settings):
    settings.LANGUAGE_CODE = "ru"
    assert [report_language(code) for code in ("", None, "de", "kk", "zh-Hans")] == ["ru", "ru", "ru", "kk", "zh-hans"]


def test_the_preview_speaks_the_readers_language(known_day, client, operator):  # noqa: F811
    client.force_login(operator)
    url = "/admin/aktau_tos/reportsubscription/preview/?date=2026-11-20"
    russian = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="ru">' in russian and "20 ноября 2026 г." in russian and "data:image/png;base64," in russian
    assert "Nov. 20, 2026" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = report_html_inline(DAY, language="zh-hans")
    assert '<html lang="zh-hans">' in chinese and "2026年11月20日" in chinese


def test_the_command_previews_and_sends_in_the_language_asked(known_day, settings, tmp_path):  # noqa: F811
    settings.EMAIL_BACKEND = LOCMEM
    call_command("send_daily_report", "--date", DAY.isoformat(), "--preview", str(tmp_path), "--language", "ru")
    assert "20 ноября 2026 г." in (tmp_path / "report.txt").read_text()
    call_command("send_daily_report", "--date", DAY.isoformat(), "--to", "me@example.kz", "--language", "zh-hans")
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "zh-hans" and "2026年11月20日" in message.body


def test_vessel_figures_and_moments_in_russian_and_chinese(vessel_month):  # noqa: F811
    _kpis, html, text, _images, _workbook = report_render(REPORT_DAY, language="ru")
    assert ": 20.11 02:00 \N{EN DASH} 20.11 20:00</th>" in html  # the call's arrival and departure
    assert re.search(r">1,09 [^<]+</td>", html) and re.search(r">18,0 [^<]+</td>", html)  # decimal commas
    assert re.search(r" 1,09 \S+; ", text)
    _kpis, html, text, _images, _workbook = report_render(REPORT_DAY, language="zh-hans")
    assert ": 11月20日 02:00 \N{EN DASH} 11月20日 20:00</th>" in html
    assert re.search(r">1\.09 [^<]+</td>", html) and "11月20日 20:00" in text


def test_numbers_and_moments_as_each_language_writes_them():
    moment = datetime(2026, 11, 20, 14, 5, tzinfo=timezone.get_current_timezone())
    expected = {
        "en": ("20.11 14:05", "20.11", "12,345", "1,234.5", "18.0"),
        "ru": ("20.11 14:05", "20.11", f"12{NBSP}345", f"1{NBSP}234,5", "18,0"),
        "kk": ("20.11 14:05", "20.11", f"12{NBSP}345", f"1{NBSP}234,5", "18,0"),
        "zh-hans": ("11月20日 14:05", "11/20", "12345", "1234.5", "18.0"),
    }
    for language, written in expected.items():
        with translation.override(language):
            shown = (l10n.moment(moment), l10n.day_month(date(2026, 11, 20)), l10n.figure(12_345),
                     l10n.figure(1234.5), l10n.figure(18.0))  # fmt: skip
        assert shown == written, language
    assert (l10n.figure(None), l10n.figure(0), l10n.number(657.53)) == ("\N{EN DASH}", "0", "658")


def test_a_translated_sheet_name_is_one_excel_takes():
    assert sheet_title("Итоги/сводка: [день]?") == "Итоги-сводка- -день--"
    long = sheet_title("Ежедневная пропускная способность терминала")
    assert len(long) <= 31 and long == "Ежедневная пропускная способнос"
    assert sheet_title("'Сводка'") == "Сводка" and sheet_title("//") == "--" and sheet_title("''") == "-"


@pytest.mark.skipif(not any(Path(path).is_file() for path in charts.CJK_FONTS.values()), reason="no CJK font")
def test_a_chinese_chart_has_every_glyph():
    dwell = {"day": {"label": "当日", "total": 3, "counts": {"1天以内": 2, "1-3天": 1}, "mean_days": 0.5}}
    with translation.override("zh-hans"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = charts.dwell_chart(SimpleNamespace(dwell=dwell), period="day")
    assert chart.has_data and chart.png.startswith(b"\x89PNG")
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
