"""Yard positions as written on scanners and screens: BLOCK-BB-RR-T (e.g. A-07-03-2), or GATE."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from yard.errors import PositionInvalid

GATE = "GATE"
_POSITION_RE = re.compile(r"^([A-Z0-9]{1,8})-(\d{1,3})-(\d{1,3})-(\d{1,2})$")


@dataclass(frozen=True)
class Position:
    block: str
    bay: int
    row: int
    tier: int

    def __str__(self) -> str:
        return position_format(self.block, self.bay, self.row, self.tier)


def position_format(block: str, bay: int, row: int, tier: int) -> str:
    return f"{block}-{bay:02d}-{row:02d}-{tier}"


def position_parse(text: str) -> Position:
    """'a-7-3-2' -> Position('A', 7, 3, 2); anything else is position_invalid."""
    match = _POSITION_RE.match(str(text).strip().upper())
    if not match:
        raise PositionInvalid(position=text, reason=_("write positions as BLOCK-BB-RR-T, e.g. A-07-03-2, or GATE"))
    block, bay, row, tier = match.groups()
    return Position(block, int(bay), int(row), int(tier))
