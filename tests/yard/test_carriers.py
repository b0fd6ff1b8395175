"""Carrier visits through the yard's services: expected -> arrived -> departed, or cancelled while expected;
each step audited with who did it, repeats harmless, other steps refused with a stable code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aktau_tos.errors import DomainError
from tests.factories.yard import ContainerVisitFactory
from yard import services
from yard.models import CarrierVisit

pytestmark = pytest.mark.django_db
Status = CarrierVisit.Status


@pytest.fixture
def announced(clerk) -> CarrierVisit:
    eta = timezone.now() + timedelta(hours=6)
    return services.carrier_visit_open(
        mode=CarrierVisit.Mode.VESSEL, reference=" TURKESTAN 047 ", eta=eta, etd=eta + timedelta(hours=10), actor=clerk
    )


def refused(call, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    return error.value.code


def test_a_carrier_is_announced_arrives_and_departs_each_step_in_its_history(announced, clerk, operator):
    assert (announced.status, announced.reference, announced.arrived_at) == (Status.EXPECTED, "TURKESTAN 047", None)
    arrived = services.carrier_visit_arrive(carrier_id=announced.pk, actor=operator)
    assert arrived.status == Status.ARRIVED and arrived.arrived_at is not None
    departed = services.carrier_visit_depart(carrier_id=announced.pk, actor=operator)
    assert departed.status == Status.DEPARTED and departed.departed_at >= arrived.arrived_at
    history = list(CarrierVisit.history.filter(id=announced.pk).order_by("history_id"))
    assert [(row.status, row.history_user) for row in history] == [
        (Status.EXPECTED, clerk),
        (Status.ARRIVED, operator),
        (Status.DEPARTED, operator),
    ]


def test_a_carrier_already_here_opens_arrived(clerk):
    now = timezone.now()
    truck = services.carrier_visit_open(mode=CarrierVisit.Mode.TRUCK, reference="045AKT12", arrived_at=now, actor=clerk)
    assert (truck.status, truck.arrived_at) == (Status.ARRIVED, now)


def test_repeating_a_step_changes_nothing(announced, operator):
    first = services.carrier_visit_arrive(carrier_id=announced.pk, actor=operator)
    again = services.carrier_visit_arrive(carrier_id=announced.pk, actor=operator)
    assert again.arrived_at == first.arrived_at
    assert CarrierVisit.history.filter(id=announced.pk).count() == 2


def test_steps_out_of_order_are_refused(announced, operator):
    assert refused(services.carrier_visit_depart, carrier_id=announced.pk, actor=operator) == (
        "carrier_visit_status_invalid"
    )
    services.carrier_visit_arrive(carrier_id=announced.pk, actor=operator)
    assert refused(services.carrier_visit_cancel, carrier_id=announced.pk, actor=operator, reason="late") == (
        "carrier_visit_status_invalid"
    )
    services.carrier_visit_depart(carrier_id=announced.pk, actor=operator)
    assert refused(services.carrier_visit_arrive, carrier_id=announced.pk, actor=operator) == (
        "carrier_visit_status_invalid"
    )
    assert CarrierVisit.objects.get(pk=announced.pk).status == Status.DEPARTED


def test_cancelling_needs_a_reason_and_keeps_it_in_the_history(announced, operator):
    assert refused(services.carrier_visit_cancel, carrier_id=announced.pk, actor=operator, reason="  ") == (
        "reason_required"
    )
    services.carrier_visit_cancel(carrier_id=announced.pk, actor=operator, reason="Storm warning, call omitted")
    last = CarrierVisit.history.filter(id=announced.pk).latest("history_id")
    assert (last.status, last.history_change_reason, last.history_user) == (
        Status.CANCELLED,
        "Storm warning, call omitted",
        operator,
    )
    assert refused(services.carrier_visit_arrive, carrier_id=announced.pk, actor=operator) == (
        "carrier_visit_status_invalid"
    )


def test_a_carrier_that_boxes_are_booked_on_is_not_cancelled(announced, operator):
    ContainerVisitFactory(outbound_carrier=announced)
    assert refused(services.carrier_visit_cancel, carrier_id=announced.pk, actor=operator, reason="omitted") == (
        "carrier_visit_in_use"
    )
    assert CarrierVisit.objects.get(pk=announced.pk).status == Status.EXPECTED


def test_an_unknown_carrier_is_404(operator):
    with pytest.raises(DomainError) as error:
        services.carrier_visit_arrive(carrier_id=999_999, actor=operator)
    assert (error.value.code, error.value.status) == ("carrier_visit_not_found", 404)
