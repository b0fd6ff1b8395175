from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Max, Min

from aktau_tos import roles
from customs.models import InspectionOrder
from edi.models import Message, Partner
from rail.models import TrainVisit, WagonContainer
from tests.factories.yard import ContainerFactory, IsoSizeTypeFactory, valid_number
from vessels.models import Booking, OnBoard, VesselCall
from vessels.selectors import call_progress
from yard import reference, selectors, services
from yard.errors import ContainerExists, ContainerNotFound, InvalidContainerMass, UnknownIsoType
from yard.models import Container, ContainerVisit, IsoSizeType, Slot, YardMove

pytestmark = pytest.mark.django_db


def test_reference_load_reads_every_size_type_and_maps_legacy_codes():
    assert reference.iso_size_types_load() == 38
    assert IsoSizeType.objects.count() == 38
    assert selectors.iso_type_resolve("4510").code == "45G1"  # 1984 code, 40' high cube
    assert selectors.iso_type_resolve("2232").code == "22R1"
    reefer = IsoSizeType.objects.get(code="45R1")
    assert (reefer.length_ft, reefer.height_mm, reefer.is_reefer) == (40, 2896, True)


def test_reference_load_twice_changes_nothing():
    reference.iso_size_types_load()
    history = IsoSizeType.history.count()
    reference.iso_size_types_load()
    assert IsoSizeType.history.count() == history


def test_unknown_iso_type_is_refused():
    with pytest.raises(UnknownIsoType):
        selectors.iso_type_resolve("99Q9")


def test_register_normalises_the_number_and_records_the_actor(user_with_role):
    IsoSizeTypeFactory()
    clerk = user_with_role(roles.YARD_CLERK)
    container = services.container_register(number="csqu 305438 3", iso_type="22g1", actor=clerk, tare_kg=2200)
    assert container.number == "CSQU3054383"
    assert container.iso_type_id == "22G1"
    record = container.history.get()
    assert (record.history_type, record.history_user) == ("+", clerk)


def test_register_twice_is_refused_and_changes_nothing(user_with_role):
    container = ContainerFactory()
    with pytest.raises(ContainerExists):
        services.container_register(number=container.number.lower(), iso_type="22G1", actor=user_with_role())
    assert Container.objects.count() == 1


def test_tare_must_be_below_max_gross(user_with_role):
    IsoSizeTypeFactory()
    with pytest.raises(InvalidContainerMass):
        services.container_register(
            number=valid_number(1), iso_type="22G1", tare_kg=31000, max_gross_kg=30480, actor=user_with_role()
        )
    assert not Container.objects.exists()


def test_database_refuses_a_non_compact_number():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        ContainerFactory(number="CSQU305438")  # check digit missing


def test_get_by_number_as_scanned():
    container = ContainerFactory(number="MSKU2666542")
    assert selectors.container_get_by_number(number=" msku 266654 2") == container
    with pytest.raises(ContainerNotFound):
        selectors.container_get_by_number(number="CSQU3054383")


@pytest.mark.system  # the whole seeded demo, twice
def test_seed_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_aktau", "--demo")

    def counted():
        return (Container.objects.count(), Container.history.count(), IsoSizeType.history.count(),
                VesselCall.objects.count(), Booking.objects.count(), OnBoard.objects.count())  # fmt: skip

    counts = counted()
    call_command("seed_aktau", "--demo")
    assert counted() == counts
    # Demo containers, the demo traffic's arrivals by truck, the vessel's boxes for Aktau and its restowed box, and
    # the train's on line L1.
    assert counts[0] == 8 + 120 + 10 + 1 + 30
    assert Slot.objects.count() == 1952 + 80  # and the overflow area
    # A reefer ordered for inspection must stay on power: the inspection area has powered bays.
    assert Slot.objects.filter(block__kind="inspection", reefer_power=True).count() == 8
    # the trucks' boxes put down, five discharged from the vessel and ten from the train
    assert ContainerVisit.objects.filter(state="in_yard").count() == 108 + 5 + 10
    assert YardMove.objects.filter(status="dispatched").exists()

    # Lived in: the stays came in over the past week, a train stands on line L1 part checked in and part
    # discharged (one seal read differs), and two inspections are ordered.
    arrivals = ContainerVisit.objects.filter(state="in_yard", inbound_carrier__mode="truck").aggregate(
        first=Min("arrived_at"), last=Max("arrived_at")
    )
    assert arrivals["last"] - arrivals["first"] > timedelta(days=5)
    train = TrainVisit.objects.get(line__code="L1", carrier__status="arrived")
    boxes = WagonContainer.objects.filter(train_wagon__train=train)
    assert (boxes.count(), boxes.filter(checked_in_at__isnull=False).count()) == (30, 20)
    assert (boxes.filter(discharged_at__isnull=False).count(), boxes.filter(seal_ok=False).count()) == (10, 1)
    assert InspectionOrder.objects.count() == 2

    # The quay: one vessel alongside at CB1 part discharged, with through cargo, a restow and a planned load list;
    # another call expected later in the week.
    alongside, later = VesselCall.objects.select_related("carrier", "berth").order_by("eta")
    assert (alongside.status, alongside.berth.code, later.status, later.berth.code) == (
        "arrived", "CB1", "expected", "CB1"
    )  # fmt: skip
    assert later.eta > alongside.etd
    progress = call_progress(alongside)
    assert (progress["discharge"], progress["through"], progress["restows"]) == ({"planned": 10, "done": 5}, 4, 1)
    planned = alongside.bookings.filter(status="planned")
    assert planned.exists() and progress["load"] == {"planned": planned.count(), "done": 0}
    assert all(booking.cell and booking.move_id and booking.vgm_kg for booking in planned)
    assert later.bookings.filter(status="booked").exists()
    # The corridor's partners; the line's boxes' gate-ins were reported to it through the outbox.
    assert set(Partner.objects.values_list("code", flat=True)) == {"KMTF", "ASCO", "KTZ"}
    assert list(Partner.objects.get(code="KMTF").users.values_list("username", flat=True)) == ["kmtf"]
    codecos = Message.objects.filter(partner__code="KMTF", type="CODECO", interchange__direction="out")
    assert codecos.exists() and codecos.count() == codecos.filter(function="34").count()


def test_demo_seed_refuses_to_run_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_aktau", "--demo")


def test_seed_without_demo_creates_no_account_that_can_log_in():
    from django.contrib.auth import get_user_model

    from aktau_tos.audit import system_user

    call_command("seed_aktau")
    system_user()  # the account tasks act as
    assert get_user_model().objects.exists()
    usable = [user.username for user in get_user_model().objects.all() if user.has_usable_password()]
    assert usable == []
