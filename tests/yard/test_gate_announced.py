"""A box booked before it arrives (EDI COPARN) has an expected stay on a placeholder truck: its gate-in completes
that stay rather than opening a second one."""

import pytest

from tests.factories.yard import valid_number
from yard import services
from yard.errors import ContainerAlreadyInTerminal
from yard.models import CarrierVisit, ContainerVisit

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(small_yard, clerk):
    """valid number -> its expected export stay, booked onto an expected vessel, arriving on `placeholder`."""
    vessel = services.carrier_visit_open(mode=CarrierVisit.Mode.VESSEL, reference="Turkestan 0412W", actor=clerk)

    def make(n: int, mode: str = CarrierVisit.Mode.TRUCK) -> ContainerVisit:
        placeholder = services.carrier_visit_open(mode=mode, reference=f"COPARN {n}", actor=clerk)
        visit = services.visit_open(container=valid_number(n), iso_type="22G1", freight_kind="full",
                                    category="export", inbound_carrier=placeholder, gross_kg=18_000,
                                    actor=clerk)  # fmt: skip
        return services.visit_book_outbound(visit=visit, carrier=vessel, destination="AZBAK", actor=clerk)

    return make


def test_the_gate_in_of_an_announced_box_completes_its_expected_stay(announced, clerk):
    visit = announced(1)
    placeholder = visit.inbound_carrier
    move = services.gate_in(container=visit.container.number, iso_type="22G1", freight_kind="full", truck="045akt12",
                            gross_kg=19_250, seal="sl 77", actor=clerk)  # fmt: skip
    assert move.visit_id == visit.pk and ContainerVisit.objects.count() == 1
    visit.refresh_from_db()
    assert (visit.inbound_carrier.mode, visit.inbound_carrier.reference) == ("truck", "045AKT12")
    assert (visit.gross_kg, visit.seals, visit.destination) == (19_250, ["SL 77"], "AZBAK")
    placeholder.refresh_from_db()
    assert placeholder.status == CarrierVisit.Status.CANCELLED


def test_a_box_expected_by_train_is_still_refused_at_the_gate(announced, clerk):
    visit = announced(2, mode=CarrierVisit.Mode.RAIL)
    with pytest.raises(ContainerAlreadyInTerminal):
        services.gate_in(container=visit.container.number, iso_type="22G1", freight_kind="full", truck="T1",
                         actor=clerk)  # fmt: skip
