"""How the report writes numbers and moments in the reader's language: the one active while it is built.

Numbers follow Django's locale formats (Russian and Kazakh: a decimal comma and a non-breaking space between
thousands; Chinese: no separator; English: 1,234.5), always grouped, also where the settings do not group. Days are
written with the language's DATE_FORMAT (the templates' `|date:"DATE_FORMAT"`). A moment within the report's days is
written short, day and month then the time: d.m H:i in Russian, Kazakh and English (the terminal's house style, which
the lines read too), the month first and in its characters in Chinese. Formats are Django's (dateformat), not
strftime's, so that month and weekday names come from the language's catalogue.
"""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.formats import number_format

NONE = "\N{EN DASH}"  # a figure that cannot be computed; a count of nothing is 0
MOMENT_FORMAT = "d.m H:i"
MOMENT_FORMATS = {"zh-hans": "n月j日 H:i"}
DAY_MONTH_FORMAT = "d.m"  # a chart's day ticks
DAY_MONTH_FORMATS = {"zh-hans": "n/j"}  # short, and without a glyph a chart's font may lack


def language() -> str:
    """The language being written: the active one, else the installation's."""
    return (translation.get_language() or settings.LANGUAGE_CODE).lower()


def moment_format() -> str:
    return MOMENT_FORMATS.get(language(), MOMENT_FORMAT)


def day_month_format() -> str:
    return DAY_MONTH_FORMATS.get(language(), DAY_MONTH_FORMAT)


def moment(value: datetime) -> str:
    """A moment within the report's days, in Aktau time: 20.11 14:05 (11月20日 14:05 in Chinese)."""
    return dateformat.format(timezone.localtime(value) if timezone.is_aware(value) else value, moment_format())


def day_month(value: date) -> str:
    return dateformat.format(value, day_month_format())


def number(value: float | int | Decimal, decimals: int = 0) -> str:
    """Rounded (number_format alone cuts the decimals off: 657.5 would read 657), grouped as the language does."""
    return number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)


def figure(value: float | int | Decimal | None) -> str:
    """A computed figure with the decimals it was rounded to (18.0 stays 18.0, 1.09 stays 1.09), grouped as the
    language does; an en dash for one that cannot be computed."""
    if value is None:
        return NONE
    if isinstance(value, int):
        return number(value)
    exponent = Decimal(repr(value) if isinstance(value, float) else value).as_tuple().exponent
    least = 1 if isinstance(value, float) else 0  # a float is written with a decimal, as Django writes it
    return number(value, max(least, -exponent) if isinstance(exponent, int) else least)
