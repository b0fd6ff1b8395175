"""Containers: registration of identity."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

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
    return containers_insert([container], actor)[0]


def containers_insert(containers: list[Container], actor: AbstractBaseUser) -> list[Container]:
    """Writes new containers (numbers normalised and checked) with their history, in one statement each for rows
    and history however many: a train's or ship's list registers a hundred boxes at once. A number registered
    meanwhile by someone else is ContainerExists."""
    for container in containers:
        audited(container, actor)
    try:
        with transaction.atomic():  # two registrations of one number racing: the loser gets the clear error
            return bulk_create_with_history(containers, Container, default_user=actor)
    except IntegrityError:
        numbers = [container.number for container in containers]
        taken = Container.objects.filter(number__in=numbers).order_by("number").values_list("number", flat=True)
        raise ContainerExists(number=next(iter(taken), numbers[0])) from None
