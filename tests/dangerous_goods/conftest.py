import pytest

from aktau_tos import roles
from tests.factories.yard import BlockFactory, EquipmentFactory, IsoSizeTypeFactory
from yard import services
from yard.models import AccessPoint, Block

GASOLINE = {"un_number": "1203", "class": "3", "packing_group": "II"}  # class 3
AMMONIUM_NITRATE = {"un_number": "1942", "class": "5.1", "packing_group": "III"}  # 3 vs 5.1: "2" separated from
SULFURIC_ACID = {"un_number": "1830", "class": "8", "packing_group": "II"}
HYDROCHLORIC_ACID = {"un_number": "1789", "class": "8", "packing_group": "II"}
ENV_HAZARDOUS = {"un_number": "3082", "class": "9", "packing_group": "III"}  # 9: "X" against everything
CARTRIDGES = {"un_number": "0012", "class": "1.4S"}


@pytest.fixture
def dg_yard(db, un_list):
    """A DG area of 10 bays x 4 rows x 3 tiers, a full block, a gate, and a machine for each."""
    IsoSizeTypeFactory()
    dg = BlockFactory(code="DG", kind=Block.Kind.DANGEROUS_GOODS, bays=10, rows=4, max_tier=3)
    full = BlockFactory(code="A", bays=4, rows=2)
    AccessPoint.objects.create(kind=AccessPoint.Kind.GATE, x_m=0, y_m=0)
    EquipmentFactory(code="RS-DG", blocks=[dg])
    EquipmentFactory(code="RS-A", blocks=[full])
    return dg


@pytest.fixture
def clerk(user_with_role):
    return user_with_role(roles.YARD_CLERK)


_numbers = iter(f"DGSU{n:06d}" for n in range(1, 10**6))


def next_number() -> str:
    from stdnum import iso6346

    body = next(_numbers)
    return body + iso6346.calc_check_digit(body)


@pytest.fixture
def arrive(clerk, dg_yard):
    """arrive([lines]) -> the planned receive move of a new container with those DG lines."""

    def gate_in(lines, **kwargs):
        return services.gate_in(
            container=next_number(), iso_type="22G1", freight_kind="full", truck="T1", dangerous_goods=lines,
            actor=clerk, **kwargs,
        )  # fmt: skip

    return gate_in


@pytest.fixture
def place(arrive, clerk):
    """place([lines], "DG-05-02-1") -> the visit, put exactly there through the services."""

    def put(lines, position):
        move = arrive(lines)
        services.move_complete(move_id=move.pk, container=move.visit.container.number, position=position, actor=clerk)
        return move.visit

    return put
