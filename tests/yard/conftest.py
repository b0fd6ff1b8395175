import pytest

from aktau_tos import roles
from tests.factories.yard import BlockFactory, EquipmentFactory, IsoSizeTypeFactory
from yard.models import AccessPoint, Block, IsoSizeType


@pytest.fixture
def size_types(db) -> dict[str, IsoSizeType]:
    """20' and 40' general purpose, 40' reefer."""
    return {
        "22G1": IsoSizeTypeFactory(),
        "45G1": IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896),
        "45R1": IsoSizeTypeFactory(
            code="45R1", length_ft=40, length_mm=12192, height_mm=2896, group="R", type_code="R1"
        ),
        "22R1": IsoSizeTypeFactory(code="22R1", group="R", type_code="R1"),
    }


@pytest.fixture
def small_yard(size_types, un_list) -> dict[str, Block]:
    """A full block A (4 bays x 2 rows x 3 tiers), a powered reefer block, a DG area, and their machines."""
    blocks = {
        "A": BlockFactory(code="A", x_m=0, y_m=100),
        "RF": BlockFactory(code="RF", kind=Block.Kind.REEFER, bays=2, rows=1, x_m=200, y_m=0),
        "DG": BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=3, rows=2, max_tier=2, x_m=300, y_m=0),
    }
    AccessPoint.objects.create(kind=AccessPoint.Kind.GATE, x_m=0, y_m=0)
    EquipmentFactory(code="RS-01", blocks=[blocks["A"]])
    EquipmentFactory(code="RS-02", blocks=[blocks["RF"], blocks["DG"]], max_tier=2)
    return blocks


@pytest.fixture
def clerk(user_with_role):
    return user_with_role(roles.YARD_CLERK)


@pytest.fixture
def put(clerk, small_yard):
    """put("A-01-01-1", iso_type="22G1") -> a visit whose container stands there, placed through the services."""
    from tests.factories.yard import ContainerFactory, ContainerVisitFactory
    from yard import services
    from yard.models import IsoSizeType, YardMove

    def place(position: str, iso_type: str = "22G1", **visit_fields):
        container = ContainerFactory(iso_type=IsoSizeType.objects.get(code=iso_type))
        visit = ContainerVisitFactory(container=container, **visit_fields)
        move = services.move_plan(visit=visit, kind=YardMove.Kind.RECEIVE, actor=clerk)
        services.move_complete(move_id=move.pk, container=container.number, position=position, actor=clerk)
        visit.refresh_from_db()
        return visit

    return place
