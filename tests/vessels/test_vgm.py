"""A box's verified gross mass onto its live booking (VERMAS and the operator come through this one service)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from vessels import services
from vessels.errors import BookingNotFound, VgmInvalid
from vessels.models import Booking, Vessel
from yard.errors import InvalidContainerNumber

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(port, put, operator):
    """A box in the yard, booked without VGM onto a call's outbound voyage."""
    vessel = Vessel.objects.create(name="Turkestan", imo="9074729", call_sign="UNAT")
    eta = timezone.now() + timedelta(hours=3)
    call = services.call_create(vessel=vessel, voyage_in="0412E", voyage_out="0412W", berth="CB1", eta=eta,
                                etd=eta + timedelta(hours=20), actor=operator)  # fmt: skip
    visit = put("A-01-01-1")
    services.load_list_apply(call_id=call.pk, containers=[{"number": visit.container.number, "pod": "AZBAK"}],
                             actor=operator)  # fmt: skip
    return Booking.objects.get(container=visit.container.number)


def test_the_vgm_goes_onto_the_booking_once(booked, operator):
    booking = services.booking_vgm_set(container=booked.container.lower(), vgm_kg=21_500, actor=operator)
    assert (booking.pk, booking.vgm_kg) == (booked.pk, 21_500)
    services.booking_vgm_set(container=booked.container, vgm_kg=21_500, actor=operator)
    assert booking.history.count() == 2  # created, then the VGM; the same mass again writes nothing


def test_a_box_without_a_live_booking_and_an_impossible_mass_are_refused(booked, operator):
    with pytest.raises(VgmInvalid):
        services.booking_vgm_set(container=booked.container, vgm_kg=900, actor=operator)
    Booking.objects.filter(pk=booked.pk).update(status=Booking.Status.LOADED)
    with pytest.raises(BookingNotFound):
        services.booking_vgm_set(container=booked.container, vgm_kg=21_500, actor=operator)
    with pytest.raises(InvalidContainerNumber):
        services.booking_vgm_set(container="CBHU1234567", vgm_kg=21_500, actor=operator)
