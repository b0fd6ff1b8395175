"""ISO 6346 container numbers: normalise what a scanner sends, then validate format and check digit."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from stdnum import iso6346

from yard.errors import InvalidContainerNumber

# Owner code (3 letters), category (U freight container, J detachable equipment, Z trailer or chassis),
# 6-digit serial, check digit. python-stdnum is looser on the owner code, so the format is checked here.
_NUMBER_RE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")
_SEPARATORS_RE = re.compile(r"[\s\-]+")


def container_number_normalise(raw: str) -> str:
    """'csqu 305438-3' -> 'CSQU3054383', or InvalidContainerNumber naming what is wrong."""
    number = _SEPARATORS_RE.sub("", str(raw)).upper()
    if len(number) != 11:
        count = len(number)
        reason = ngettext("it has %(count)d character, not 11", "it has %(count)d characters, not 11", count)
        raise InvalidContainerNumber(number=raw, reason=reason % {"count": count})
    if not _NUMBER_RE.match(number):
        raise InvalidContainerNumber(
            number=raw, reason=_("the form is 3 letters, U, J or Z, then 7 digits (e.g. CSQU3054383)")
        )
    expected = iso6346.calc_check_digit(number[:10])
    if number[10] != expected:
        raise InvalidContainerNumber(number=raw, reason=_("the check digit should be %(digit)s") % {"digit": expected})
    return number


def seal_matches(scanned: str, declared: list[str]) -> bool:
    """A seal as read off the door against the seals the list declares (any case, spaces around ignored): one of
    them, or none read where none is declared. Rail check-in and the quay tally judge it alike."""
    listed = {seal.strip().upper() for seal in declared if seal.strip()}
    read = scanned.strip().upper()
    return read in listed if listed else not read
