# Kazakh dates and numbers, which Django's own locale data lacks (it has Kazakh words, not Kazakh formats):
# day, month name, year with "ж." (жыл), 24-hour time, day.month.year in short; a decimal comma and a
# non-breaking space between thousands, as in Kazakhstan's standards and its Russian neighbour's.
DATE_FORMAT = "j E Y ж."  # E: the month as written after a day number (lower case; alt. month in locale_vendor)
TIME_FORMAT = "G:i"
DATETIME_FORMAT = "j E Y ж. G:i"
YEAR_MONTH_FORMAT = "F Y ж."
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d.m.Y"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space
NUMBER_GROUPING = 3
