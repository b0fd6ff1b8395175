"""Containers: registration of identity."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from aktau_tos.audit import audited
from yard.errors import ContainerExists, InvalidContainerMass
from yard.identity import container_number_normalise
from yard.models import Container, IsoSizeType
from yard.selectors import iso_type_resolve


@transaction.atomic
def container_register(
    *,
    number: str,
    iso_type: str | IsoSizeType,
    actor: AbstractBaseUser,
    tare_kg: int | None = None,
    max_gross_kg: int | None = None,
) -> Container:
    """Registers a container's identity: number (normalised, check digit verified) and size/type (a code, or the
    size/type a caller has already resolved)."""
    number = container_number_normalise(number)
    size_type = iso_type if isinstance(iso_type, IsoSizeType) else iso_type_resolve(iso_type)
    if tare_kg is not None and max_gross_kg is not None and tare_kg >= max_gross_kg:
        raise InvalidContainerMass(tare_kg=tare_kg, max_gross_kg=max_gross_kg)
    if Container.objects.filter(number=number).exists():
        raise ContainerExists(number=number)
    container = Container(number=number, iso_type=size_type, tare_kg=tare_kg, max_gross_kg=max_gross_kg)
    audited(container, actor)
    try:
        with transaction.atomic():  # two registrations of one number racing: the loser gets the clear error
            container.save()
    except IntegrityError:
        raise ContainerExists(number=number) from None
    return container
