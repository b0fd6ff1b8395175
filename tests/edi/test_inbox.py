"""The inbox through the API: the raw interchange stored first, read, checked, routed to the vessels services,
answered; repeats replayed; unreadable interchanges applied nowhere."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aktau_tos import roles
from edi import services as edi_services
from edi.errors import MessageNotRejected
from edi.models import Interchange, Message, Partner
from tests.edi.conftest import sample
from tests.factories.yard import ContainerFactory, ContainerVisitFactory
from vessels import services as vessel_services
from vessels.models import Booking, OnBoard, StowageProfile, Vessel
from yard import reference
from yard import services as yard_services
from yard.models import ContainerVisit

pytestmark = pytest.mark.django_db

URL = "/api/v1/edi/messages/"


def post(api, raw: str):
    return api.post(URL, data=raw.encode(), content_type="application/edifact")


@pytest.fixture
def operator_api(client_for):
    return client_for(roles.OPERATOR)


@pytest.fixture
def edi(port, settings):
    settings.EDI_TERMINAL_ID = "OOCLIES"  # the sample BAPLIE's recipient stands for this terminal
    return Partner.objects.create(code="OOL", name="OOCL", unb_id="LBCTI", sends=["BAPLIE", "COPRAR"])


@pytest.fixture
def oocl_beijing(edi, operator, settings):
    """The sample BAPLIE's ship and voyage, with a profile as large as its cells, this port being Yantian."""
    settings.TERMINAL_LOCODE = "CNYTN"
    reference.iso_size_types_load()  # the ISO list with its 1984 aliases, as seed_aktau loads it
    profile = StowageProfile.objects.create(name="ocean", bays_20=40, rows=17, hold_tiers=8, deck_tiers=5,
                                            stack_max_kg=200_000)  # fmt: skip
    vessel = Vessel.objects.create(name="OOCL BEIJING", imo="9355769", call_sign="VRIB3", profile=profile)
    eta = timezone.now() + timedelta(hours=3)
    return vessel_services.call_create(vessel=vessel, voyage_in="042", berth="CB1", eta=eta,
                                       etd=eta + timedelta(hours=20), actor=operator)  # fmt: skip


def test_a_bay_plan_becomes_the_calls_discharge_list_and_through_cargo(oocl_beijing, operator_api):
    response = post(operator_api, sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["sender"], body["reference"]) == ("LBCTI", "1865")
    [message] = body["messages"]
    assert (message["type"], message["status"]) == ("BAPLIE", "accepted"), message
    assert (message["effects"]["discharge_moves"], message["effects"]["through"]) == (1, 2), message
    assert OnBoard.objects.get(container="OOLU4293959").kind == "discharge"  # for CNYTN, this port here
    visit = ContainerVisit.objects.get(container__number="OOLU4293959")
    assert visit.container.iso_type_id == "42G0"  # the 1984 code 4200 read through its alias
    assert set(OnBoard.objects.filter(kind="through").values_list("container", flat=True)) == {
        "MOEU0710945", "OOLU8757889"}  # fmt: skip
    stored = Interchange.objects.get(direction="in", sender="LBCTI", control_reference="1865")
    assert stored.status == "processed" and "OOCL BEIJING" in stored.raw


def test_the_same_interchange_again_gets_the_first_answer_and_applies_nothing(oocl_beijing, operator_api):
    raw = sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi")
    first = post(operator_api, raw)
    again = post(operator_api, raw)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert OnBoard.objects.count() == 3 and Message.objects.count() == 1


def test_an_unknown_voyage_rejects_the_message_and_it_can_be_processed_again(edi, operator_api, operator, settings):
    settings.TERMINAL_LOCODE = "CNYTN"
    body = post(operator_api, sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi")).json()
    [message] = body["messages"]
    assert message["status"] == "rejected" and message["problems"][0]["code"] == "vessel_call_unknown"
    assert message["problems"][0]["segment"].startswith("TDT+20+042")
    assert not OnBoard.objects.exists()
    reference.iso_size_types_load()
    profile = StowageProfile.objects.create(name="ocean", bays_20=40, rows=17, hold_tiers=8, deck_tiers=5,
                                            stack_max_kg=200_000)  # fmt: skip
    vessel = Vessel.objects.create(name="OOCL BEIJING", imo="9355769", call_sign="VRIB3", profile=profile)
    eta = timezone.now() + timedelta(hours=3)
    vessel_services.call_create(vessel=vessel, voyage_in="042", berth="CB1", eta=eta, etd=eta + timedelta(hours=20),
                                actor=operator)  # fmt: skip
    again = edi_services.message_reprocess(message_id=message["id"], actor=operator)
    assert (again.status, again.effects["through"]) == ("accepted", 2)
    assert OnBoard.objects.count() == 3
    with pytest.raises(MessageNotRejected):
        edi_services.message_reprocess(message_id=message["id"], actor=operator)


@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda raw: raw.replace("UNT+25+", "UNT+24+"), "unt_count"),
        (lambda raw: raw.replace("UNZ+1+", "UNZ+2+"), "unz_count"),
        (lambda raw: raw[: raw.index("UNZ")], "unz_missing"),
        (lambda raw: raw[:120], "syntax"),
        (lambda raw: "hello", "syntax"),
        (lambda raw: raw[raw.index("UNH") :], "unb_missing"),
    ],
)
def test_an_interchange_that_cannot_be_read_is_refused_whole_but_kept(port, operator_api, settings, put, mangle, code):
    settings.EDI_TERMINAL_ID = "YOU"
    Partner.objects.create(code="COS", name="COSCO", unb_id="ME")
    raw = mangle(sample("COPRAR_D95B_SMDG16_generator-sample.edi"))
    response = post(operator_api, raw)
    assert (response.status_code, response.json()["code"]) == (400, "edi_invalid")
    assert code in {problem["code"] for problem in response.json()["problems"]}
    stored = Interchange.objects.get(direction="in")
    assert (stored.status, stored.raw) == ("invalid", raw)
    assert not Message.objects.exists() and not Booking.objects.exists()
    assert post(operator_api, raw).status_code == 400  # again: the same answer


def test_an_unknown_sender_is_refused(port, operator_api):
    response = post(operator_api, sample("COPRAR_D95B_SMDG16_generator-sample.edi"))
    assert response.json()["problems"][0]["code"] == "partner_unknown"


def test_a_partner_posts_and_reads_only_its_own(port, client_for, user_with_role, settings, operator_api):
    settings.EDI_TERMINAL_ID = "YOU"
    Partner.objects.create(code="COS", name="COSCO", unb_id="ME", sends=["COPRAR"])
    other = Partner.objects.create(code="OOL", name="OOCL", unb_id="LBCTI")
    user = user_with_role(roles.EDI_PARTNER)
    other.users.add(user)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    response = post(api, sample("COPRAR_D95B_SMDG16_generator-sample.edi"))
    assert response.json()["problems"][0]["code"] == "sender_not_yours"
    post(operator_api, sample("COPRAR_D95B_SMDG16_generator-sample.edi").replace("I5C5204015D145", "X2"))
    assert api.get(URL).json()["results"] == []  # the operator's message is COSCO's, not this user's partner's
    assert len(operator_api.get(URL).json()["results"]) == 1


def test_a_loading_order_books_its_boxes_and_lists_the_wrong_check_digit(port, operator_api, operator, settings, put):
    settings.EDI_TERMINAL_ID = "YOU"
    settings.TERMINAL_LOCODE = "ITGOA"  # the sample's port of loading stands for this port
    Partner.objects.create(code="COS", name="COSCO", unb_id="ME", sends=["COPRAR"])
    vessel = Vessel.objects.create(name="NOE VESSEL", imo="9074729", call_sign="XNOE")
    eta = timezone.now() + timedelta(hours=3)
    call = vessel_services.call_create(vessel=vessel, voyage_in="0001E", voyage_out="0002W", berth="CB1", eta=eta,
                                       etd=eta + timedelta(hours=20), actor=operator)  # fmt: skip
    raw = sample("COPRAR_D95B_SMDG16_generator-sample.edi")
    body = post(operator_api, raw).json()
    [message] = body["messages"]
    assert message["status"] == "accepted"
    assert [(p["code"], p["segment"][:20]) for p in message["problems"]] == [
        ("invalid_container_number", "EQD+CN+CBHU1234567+2")
    ]
    assert message["effects"] == {"call": call.pk, "booked": 0}
    box = ContainerVisitFactory(container=ContainerFactory(number="CBHU1234561"))  # the number with its right digit
    move = yard_services.move_plan(visit=box, kind="receive", actor=operator)
    yard_services.move_complete(move_id=move.pk, container="CBHU1234561", position="A-01-01-1", actor=operator)
    fixed = raw.replace("CBHU1234567", "CBHU1234561").replace("I5C5204015D145", "I5C5204015D146")
    [message] = post(operator_api, fixed).json()["messages"]
    assert (message["problems"], message["effects"]) == ([], {"call": call.pk, "booked": 1})
    booking = Booking.objects.get(container="CBHU1234561")
    assert (booking.pod, booking.vgm_kg, booking.call_id) == ("HKHKG", 11495, call.pk)


def test_a_bay_plan_whose_next_port_of_call_is_another_is_rejected_whole(oocl_beijing, operator_api):
    raw = sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi")
    raw = raw.replace("LOC+5+USLGB:139:6'", "LOC+5+USLGB:139:6'\nLOC+61+CNSHK:139:6'").replace("UNT+30+", "UNT+31+")
    [message] = post(operator_api, raw).json()["messages"]
    assert message["status"] == "rejected"
    assert [(p["code"], p["segment"]) for p in message["problems"]] == [
        ("message_for_another_port", "LOC+61+CNSHK:139:6")
    ]
    assert not OnBoard.objects.exists() and not ContainerVisit.objects.exists()
