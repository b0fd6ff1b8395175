from decimal import Decimal

import factory
from stdnum import iso6346

from yard.models import Block, CarrierVisit, Container, ContainerVisit, Equipment, IsoSizeType, Slot


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


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"B{n}")
    kind = Block.Kind.FULL
    equipment_kind = Block.Equipment.REACH_STACKER
    bays = 4
    rows = 2
    max_tier = 3

    @factory.post_generation
    def slots(block, create, extracted, **kwargs):
        """Creates every ground slot of the block (powered ones if reefer_power=True is passed)."""
        if create:
            powered = kwargs.get("reefer_power", block.kind == Block.Kind.REEFER)
            Slot.objects.bulk_create(
                Slot(block=block, bay=bay, row=row, reefer_power=powered)
                for bay in range(1, block.bays + 1)
                for row in range(1, block.rows + 1)
            )


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"RS-{n:02d}")
    kind = Equipment.Kind.REACH_STACKER
    max_tier = 5

    @factory.post_generation
    def blocks(machine, create, extracted, **kwargs):
        if create and extracted:
            machine.blocks.set(extracted)


class CarrierVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarrierVisit

    mode = CarrierVisit.Mode.TRUCK
    reference = factory.Sequence(lambda n: f"{n:03d}AKT12")
    status = CarrierVisit.Status.ARRIVED


class ContainerVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContainerVisit

    container = factory.SubFactory(ContainerFactory)
    inbound_carrier = factory.SubFactory(CarrierVisitFactory)
    state = ContainerVisit.State.EXPECTED
    gross_kg = 20000
