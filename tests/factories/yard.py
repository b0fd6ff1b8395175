from decimal import Decimal

import factory
from stdnum import iso6346

from yard.models import Container, IsoSizeType


class IsoSizeTypeFactory(factory.django.DjangoModelFactory):
    """A 20' general-purpose box unless told otherwise; reuses the row if the code exists."""

    class Meta:
        model = IsoSizeType
        django_get_or_create = ("code",)

    code = "22G1"
    length_ft = 20
    length_mm = 6058
    height_mm = 2591
    group = IsoSizeType.Group.GENERAL
    type_code = "G1"
    description = "General purpose - passive vents at upper part of cargo space"
    teu = Decimal("1")


def valid_number(n: int, owner: str = "TST") -> str:
    """A container number with a correct check digit, distinct for each n."""
    body = f"{owner}U{n:06d}"
    return body + iso6346.calc_check_digit(body)


class ContainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Container

    number = factory.Sequence(valid_number)
    iso_type = factory.SubFactory(IsoSizeTypeFactory)
    tare_kg = 2200
    max_gross_kg = 30480
