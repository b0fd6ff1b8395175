"""Reads of the yard app."""

from yard.errors import ContainerNotFound, UnknownIsoType
from yard.identity import container_number_normalise
from yard.models import Container, IsoSizeType, IsoTypeAlias


def container_get_by_number(*, number: str) -> Container:
    """The container for a number as a scanner sends it: 400 if malformed, 404 if unknown."""
    number = container_number_normalise(number)
    try:
        return Container.objects.select_related("iso_type").get(number=number)
    except Container.DoesNotExist:
        raise ContainerNotFound(number=number) from None


def iso_type_resolve(code: str) -> IsoSizeType:
    """The size/type for a current or legacy (1984) code, e.g. '4510' -> 45G1."""
    code = str(code).strip().upper()
    size_type = IsoSizeType.objects.filter(code=code).first()
    if size_type is None:
        alias = IsoTypeAlias.objects.select_related("iso_type").filter(alias=code).first()
        if alias is None:
            raise UnknownIsoType(code=code)
        size_type = alias.iso_type
    return size_type
