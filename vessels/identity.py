"""IMO ship identification numbers: seven digits, the last a check digit."""

from django.utils.translation import gettext as _

from vessels.errors import InvalidImoNumber


def imo_check_digit(first_six: str) -> int:
    """Weights 7, 6, 5, 4, 3, 2 on the first six digits; the sum's last digit is the check digit."""
    return sum(int(digit) * weight for digit, weight in zip(first_six, range(7, 1, -1), strict=True)) % 10


def imo_normalise(text: str) -> str:
    """'IMO 9074729' -> '9074729'; anything else is invalid_imo_number with the reason."""
    compact = str(text).strip().upper().removeprefix("IMO").strip()
    if len(compact) != 7 or not compact.isdigit():
        raise InvalidImoNumber(imo=text, reason=_("it must be seven digits"))
    if int(compact[6]) != imo_check_digit(compact[:6]):
        raise InvalidImoNumber(
            imo=text, reason=_("the check digit should be %(digit)s") % {"digit": imo_check_digit(compact[:6])}
        )
    return compact
