"""The yard's one hook registry: what the other apps plug in, in which order, and that a refusing hook leaves
nothing half done."""

import pytest
from django.utils import timezone

from aktau_tos.errors import DomainError
from customs import services as customs_services
from dangerous_goods import rules as dg_rules
from dangerous_goods import services as dg_services
from dangerous_goods import trains as dg_trains
from edi import advices as edi_advices
from edi import events as edi_events
from edi import outbound as edi_outbound
from rail import services as rail_services
from vessels.services import quay
from yard import hooks, services
from yard.models import CarrierVisit, ContainerVisit, Hold


def test_each_app_plugs_in_what_it_owns_in_the_order_of_installed_apps():
    assert list(hooks.placement_rules) == [dg_rules.segregation_rule]
    assert list(hooks.arrival_goods_checks) == [dg_services.declared_goods_check]
    assert list(hooks.visits_opened) == [customs_services.control_on_arrival, dg_services.declarations_record]
    assert list(hooks.move_completed) == [
        rail_services.discharge_note,
        customs_services.arrival_at_inspection_note,
        quay.move_noted,
        edi_events.move_noted,
        edi_outbound.gate_report,
    ]
    assert list(hooks.carrier_departed) == [edi_events.departure_noted, edi_outbound.call_departed_report]
    assert list(hooks.inspection_recorded) == [edi_events.inspection_noted]
    assert list(hooks.load_plan_checks) == [dg_trains.train_dangerous_goods_warnings]
    assert list(hooks.goods_segregation) == [dg_rules.classes_segregation_level]
    assert list(hooks.carrier_place_checks) == [quay.cell_check]
    assert list(hooks.dispatch_waits) == [quay.moves_waiting]
    assert list(hooks.dispatch_machines) == [quay.quay_machines]
    assert list(hooks.capacity_arrivals) == [edi_advices.advices_announced]


def test_registering_twice_keeps_one():
    hook = hooks.Hook("test")

    def reaction(**kwargs):
        return None

    assert hook.register(reaction) is reaction
    hook.register(reaction)
    assert list(hook) == [reaction]


class Refusal(DomainError):
    code = "test_refusal"


@pytest.mark.django_db
def test_a_reaction_that_refuses_undoes_the_whole_opening(small_yard, clerk, monkeypatch):
    def refuse(*, visits, actor):
        raise Refusal()

    monkeypatch.setattr(hooks.visits_opened, "_functions", [*hooks.visits_opened, refuse])
    with pytest.raises(Refusal):
        services.gate_in(
            container="CSQU3054383", iso_type="22G1", freight_kind="full", truck="045AKT12", actor=clerk,
            category=ContainerVisit.Category.IMPORT,
        )  # fmt: skip
    assert not ContainerVisit.objects.exists()
    assert not Hold.objects.exists()  # customs' reaction ran first; its hold went with the rest
    assert not CarrierVisit.objects.exists()


@pytest.mark.django_db
def test_customs_places_its_hold_on_arrival_as_a_registered_reaction(small_yard, clerk, monkeypatch):
    def open_import(number: str) -> ContainerVisit:
        move = services.gate_in(container=number, iso_type="22G1", freight_kind="full", truck="045AKT12",
                                actor=clerk, category=ContainerVisit.Category.IMPORT)  # fmt: skip
        return move.visit

    held = open_import("CSQU3054383")
    assert list(held.holds.values_list("authority", "kind", "placed_by__username")) == [
        ("customs", customs_services.CONTROL_KIND, "system")
    ]
    without_customs = [reaction for reaction in hooks.visits_opened if reaction != customs_services.control_on_arrival]
    monkeypatch.setattr(hooks.visits_opened, "_functions", without_customs)
    assert not open_import("TGHU1234567").holds.exists()


@pytest.mark.django_db
def test_a_carrier_departing_is_announced_once(clerk, monkeypatch):
    heard = []
    monkeypatch.setattr(hooks.carrier_departed, "_functions", [lambda *, carrier, actor: heard.append(carrier.pk)])
    train = services.carrier_visit_open(mode=CarrierVisit.Mode.RAIL, reference="2041", actor=clerk,
                                        arrived_at=timezone.now())  # fmt: skip
    services.carrier_visit_depart(carrier_id=train.pk, actor=clerk)
    services.carrier_visit_depart(carrier_id=train.pk, actor=clerk)  # a repeat: already departed
    assert heard == [train.pk]
