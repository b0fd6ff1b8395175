import pytest

from aktau_tos import roles
from tests.factories.yard import BlockFactory, EquipmentFactory, IsoSizeTypeFactory
from yard import services as yard_services
from yard.models import AccessPoint, Block, ContainerVisit


@pytest.fixture
def terminal(db, un_list):
    """Block A (6 bays x 2 rows), an inspection area of two places, a gate and one machine for both."""
    IsoSizeTypeFactory()
    full = BlockFactory(code="A", bays=6, rows=2)
    inspection = BlockFactory(code="INS", kind=Block.Kind.INSPECTION, bays=2, rows=1, max_tier=1)
    AccessPoint.objects.create(kind=AccessPoint.Kind.GATE, x_m=0, y_m=0)
    EquipmentFactory(code="RS-01", blocks=[full, inspection])
    return full


@pytest.fixture
def clerk(user_with_role):
    return user_with_role(roles.YARD_CLERK)


@pytest.fixture
def officer(customs_officer):
    return customs_officer


def complete(move, clerk, position=None):
    return yard_services.move_complete(
        move_id=move.pk, container=move.visit.container.number, position=position or move.planned_to, actor=clerk
    )


def arrive_import(clerk, number="CSQU3054383") -> ContainerVisit:
    """An import box in by truck and put down in the yard: under customs control from its arrival."""
    move = yard_services.gate_in(
        container=number, iso_type="22G1", freight_kind="full", truck="T1", category="import", seal="OLD1", actor=clerk
    )
    complete(move, clerk)
    return ContainerVisit.objects.get(pk=move.visit_id)
