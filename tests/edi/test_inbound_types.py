"""The remaining inbound types (COPARN, VERMAS, IFTDGN, COPINO) from their public samples, and the inbox's bad
input: every case answered with its code, nothing half-applied."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from aktau_tos import roles
from dangerous_goods.models import Declaration
from edi.models import Announcement, Interchange, Message, Partner, TruckNotice
from tests.edi.conftest import sample
from tests.factories.yard import ContainerFactory, ContainerVisitFactory
from vessels import services as vessel_services
from vessels.models import Booking, Vessel
from yard import services as yard_services
from yard.models import CarrierVisit, ContainerVisit

pytestmark = pytest.mark.django_db

URL = "/api/v1/edi/messages/"
RIGHT = "CBHU1234561"  # the generator samples' CBHU1234567 with its right check digit


def post(api, raw: str):
    return api.post(URL, data=raw.encode(), content_type="application/edifact")


def recounted(raw: str) -> str:
    """The interchange with each UNT counting its message's segments again (after a test edited them)."""
    lines = raw.splitlines()
    opened = 0
    for index, line in enumerate(lines):
        if line.startswith("UNH+"):
            opened = index
        elif line.startswith("UNT+"):
            lines[index] = re.sub(r"^UNT\+\d+\+", f"UNT+{index - opened + 1}+", line)
    return "\n".join(lines) + "\n"


def edited(raw: str, old: str = "", new: str = "", *, reference: str = "") -> str:
    """The sample with the segment line that starts with `old` replaced by `new` (dropped when empty), recounted,
    and under a new UNB reference if given (a new interchange, not a repeat)."""
    lines = raw.splitlines()
    if old:
        [index] = [i for i, line in enumerate(lines) if line.startswith(old)]
        lines[index : index + 1] = new.splitlines()
    text = "\n".join(lines) + "\n"
    if reference:
        text = text.replace(re.search(r"^UNB\+.*\+([^+']+)'$", text, re.M).group(1), reference)
    return recounted(text)


def messages(response) -> list[dict]:
    assert response.status_code in (200, 201), response.content
    return response.json()["messages"]


@pytest.fixture
def operator_api(client_for):
    return client_for(roles.OPERATOR)


@pytest.fixture
def cosco(port, settings):
    """The generator samples' sender ME (COSCO) writing to YOU, this terminal, which is the samples' Genoa (ITGOA)."""
    settings.EDI_TERMINAL_ID = "YOU"
    settings.TERMINAL_LOCODE = "ITGOA"
    return Partner.objects.create(code="COS", name="COSCO", unb_id="ME")


@pytest.fixture
def noe_vessel(cosco, operator):
    """The samples' ship, NOE VESSEL (XNOE), with outbound voyage 0002W."""
    vessel = Vessel.objects.create(name="NOE VESSEL", imo="9074729", call_sign="XNOE")
    eta = timezone.now() + timedelta(hours=3)
    return vessel_services.call_create(vessel=vessel, voyage_in="0001E", voyage_out="0002W", berth="CB1", eta=eta,
                                       etd=eta + timedelta(hours=20), actor=operator)  # fmt: skip


@pytest.fixture
def in_yard(small_yard, operator):
    """in_yard("CBHU1234561") -> the box standing in the yard."""

    def place(number: str) -> ContainerVisit:
        visit = ContainerVisitFactory(container=ContainerFactory(number=number))
        move = yard_services.move_plan(visit=visit, kind="receive", actor=operator)
        yard_services.move_complete(move_id=move.pk, container=number, position="A-01-01-1", actor=operator)
        return visit

    return place


# --- COPARN -----------------------------------------------------------------------------------------------------

COPARN = "COPARN_D00B_SMDG20_generator-sample.edi"


def test_coparn_as_published_lists_the_wrong_check_digit_and_applies_nothing(noe_vessel, operator_api):
    [message] = messages(post(operator_api, sample(COPARN)))
    assert message["status"] == "accepted"
    assert [(p["code"], p["segment"][:20]) for p in message["problems"]] == [
        ("invalid_container_number", "EQD+CN+CBHU1234567+2")
    ]
    assert message["effects"] == {"call": noe_vessel.pk, "booked": 0, "recorded": 0}
    assert not Announcement.objects.exists() and not Booking.objects.exists()


def test_coparn_books_a_box_in_the_yard_onto_the_outbound_voyage(noe_vessel, operator_api, in_yard):
    in_yard(RIGHT)
    [message] = messages(post(operator_api, sample(COPARN).replace("CBHU1234567", RIGHT)))
    assert (message["status"], message["problems"], message["effects"]["booked"]) == ("accepted", [], 1)
    booking = Booking.objects.get(container=RIGHT)
    assert (booking.call_id, booking.pod, booking.vgm_kg) == (noe_vessel.pk, "HKHKG", 11495)
    announcement = Announcement.objects.get()
    assert (announcement.reference, announcement.status, announcement.line, announcement.call_id) == (
        "400123456", "booked", "COS", noe_vessel.pk)  # fmt: skip
    assert ContainerVisit.objects.get(container__number=RIGHT).line == "COS"


def test_coparn_for_a_box_not_yet_here_opens_its_expected_stay_which_the_gate_in_completes(
    noe_vessel, operator_api, clerk
):
    raw = edited(sample(COPARN).replace("CBHU1234567", RIGHT), "DGS+IMD+3+1366")
    [message] = messages(post(operator_api, raw))
    assert (message["problems"], message["effects"]["booked"]) == ([], 1), message
    stay = ContainerVisit.objects.get(container__number=RIGHT)
    assert (stay.state, stay.inbound_carrier.mode, stay.inbound_carrier.status) == ("expected", "truck", "expected")
    assert stay.outbound_carrier_id == noe_vessel.carrier_id
    move = yard_services.gate_in(container=RIGHT, iso_type="22G1", freight_kind="full", truck="045AKT12",
                                 gross_kg=11_500, actor=clerk)  # fmt: skip
    assert move.visit_id == stay.pk and ContainerVisit.objects.filter(container__number=RIGHT).count() == 1
    assert CarrierVisit.objects.get(reference="COPARN 400123456").status == "cancelled"


def test_coparn_box_whose_goods_do_not_match_the_un_list_leaves_nothing_of_itself(noe_vessel, operator_api):
    # The sample declares UN 1366 (diethylzinc, class 4.2) as class 3.
    [message] = messages(post(operator_api, sample(COPARN).replace("CBHU1234567", RIGHT)))
    assert [(p["code"], p["segment"][:20]) for p in message["problems"]] == [
        ("dg_line_invalid", "EQD+CN+CBHU1234561+2")
    ]
    assert not ContainerVisit.objects.exists() and not Booking.objects.exists()
    assert not CarrierVisit.objects.filter(mode="truck").exists() and not Announcement.objects.exists()


def test_coparn_without_a_voyage_and_a_release_of_empties_are_recorded(cosco, operator_api):
    raw = edited(sample(COPARN), "TDT+20+0002W+++COS:172:20+++XNOE:146:11:NOE VESSEL")
    raw = edited(raw, "EQD+CN+CBHU1234567", "EQD+CN++45G1:102:5++2+4'\nEQN+3'")
    [message] = messages(post(operator_api, raw))
    assert (message["status"], message["problems"]) == ("accepted", [])
    assert message["effects"] == {"call": None, "booked": 0, "recorded": 1}
    release = Announcement.objects.get()
    assert (release.container, release.iso_type, release.count, release.freight_kind, release.status) == (
        "", "45G1", 3, "empty", "recorded")  # fmt: skip
    assert post(operator_api, edited(raw, reference="AGAIN1")).status_code == 201  # resent: the same record
    assert Announcement.objects.count() == 1


def test_coparn_for_an_unknown_voyage_or_another_port_is_rejected_whole(cosco, operator_api, settings):
    [message] = messages(post(operator_api, sample(COPARN).replace("CBHU1234567", RIGHT)))
    assert message["status"] == "rejected"
    assert [(p["code"], p["segment"][:12]) for p in message["problems"]] == [("vessel_call_unknown", "TDT+20+0002W")]
    settings.TERMINAL_LOCODE = "KZAAU"
    [message] = messages(post(operator_api, edited(sample(COPARN), reference="OTHER1")))
    assert [(p["code"], p["segment"]) for p in message["problems"]] == [
        ("message_for_another_port", "LOC+9+ITGOA:139:6")
    ]
    assert not Announcement.objects.exists() and not ContainerVisit.objects.exists()


def test_the_same_coparn_again_gets_the_first_answer_and_applies_nothing_twice(noe_vessel, operator_api, in_yard):
    in_yard(RIGHT)
    raw = sample(COPARN).replace("CBHU1234567", RIGHT)
    first, again = post(operator_api, raw), post(operator_api, raw)
    assert (first.status_code, again.status_code) == (201, 200) and again.json() == first.json()
    assert (Message.objects.count(), Announcement.objects.count(), Booking.objects.count()) == (1, 1, 1)


# --- VERMAS -----------------------------------------------------------------------------------------------------

VERMAS = "VERMAS_D16A_SMDG10_generator-sample.edi"


def test_vermas_puts_the_vgm_on_the_booking_and_lists_what_it_cannot(noe_vessel, operator_api, in_yard, operator):
    [message] = messages(post(operator_api, sample(VERMAS)))
    assert [p["code"] for p in message["problems"]] == ["invalid_container_number"]
    [message] = messages(post(operator_api, edited(sample(VERMAS).replace("CBHU1234567", RIGHT), reference="V2")))
    assert [(p["code"], p["segment"][:20]) for p in message["problems"]] == [
        ("booking_not_found", "EQD+CN+CBHU1234561+2")
    ]
    in_yard(RIGHT)
    vessel_services.load_list_apply(call_id=noe_vessel.pk, containers=[{"number": RIGHT, "pod": "HKHKG"}],
                                    actor=operator)  # fmt: skip
    [message] = messages(post(operator_api, edited(sample(VERMAS).replace("CBHU1234567", RIGHT), reference="V3")))
    assert (message["status"], message["problems"], message["effects"]) == ("accepted", [], {"verified": 1})
    assert Booking.objects.get(container=RIGHT).vgm_kg == 1212


# --- IFTDGN -----------------------------------------------------------------------------------------------------

IFTDGN = "IFTDGN_D16A_emcargo-docs.edi"
DG_BOX = "MSKU1234565"


@pytest.fixture
def afzender(port, settings):
    settings.EDI_TERMINAL_ID = "Transport O'Neill & Sons"  # the sample's recipient, written with a release character
    return Partner.objects.create(code="AFZ", name="Afzender BV", unb_id="Afzender BV", kind="terminal")


def test_iftdgn_replaces_the_declaration_of_the_boxs_stay(afzender, operator_api, in_yard):
    in_yard(DG_BOX)
    body = post(operator_api, sample(IFTDGN)).json()
    assert (body["sender"], body["reference"]) == ("Afzender BV", "20260906083000")
    [message] = body["messages"]
    assert (message["status"], message["problems"], message["effects"]) == ("accepted", [], {"declared": 1})
    [line] = Declaration.objects.get(visit__container__number=DG_BOX).lines.all()
    assert (line.un_number, line.class_division, line.packing_group) == ("1203", "3", "II")
    assert (line.flash_point_c, line.net_mass_kg) == (Decimal("-40.0"), Decimal("800.00"))
    assert ContainerVisit.objects.get(container__number=DG_BOX).dangerous_goods[0]["un_number"] == "1203"


@pytest.mark.parametrize(
    ("old", "new", "code", "segment"),
    [
        ("DGS+ADR+3+1203+", "DGS+ADR+3+9999+", "dg_line_invalid", "DGS+ADR+3+9999"),
        ("DGS+ADR+3+1203+-40:CEL+2+", "DGS+ADR+6.2+2814+++", "dg_not_admitted", "EQD+CN+MSKU1234565"),
        ("", "", "container_not_found", "EQD+CN+MSKU1234565"),
    ],
)
def test_iftdgn_lines_the_terminal_cannot_take_are_problems(afzender, operator_api, in_yard, old, new, code, segment):
    if code != "container_not_found":
        in_yard(DG_BOX)
    [message] = messages(post(operator_api, sample(IFTDGN).replace(old, new) if old else sample(IFTDGN)))
    assert message["status"] == "accepted" and message["effects"] == {"declared": 0}
    assert [(p["code"], p["segment"][: len(segment)]) for p in message["problems"]] == [(code, segment)]
    assert not Declaration.objects.exists()


def test_an_iftdgn_with_release_characters_that_does_not_add_up_is_refused_whole(afzender, operator_api):
    for raw, code in [
        (sample(IFTDGN).replace("UNT+18+1", "UNT+17+1"), "unt_count"),
        (sample(IFTDGN)[: sample(IFTDGN).index("UNZ")], "unz_missing"),
    ]:
        Interchange.objects.all().delete()
        response = post(operator_api, raw)
        assert (response.status_code, response.json()["code"]) == (400, "edi_invalid")
        assert code in {problem["code"] for problem in response.json()["problems"]}
    assert not Message.objects.exists()


# --- COPINO -----------------------------------------------------------------------------------------------------

COPINO = "COPINO_D95B_ITG13_generator-sample.edi"


def test_copino_is_kept_for_the_truck_gate_and_a_replacement_updates_it(cosco, operator_api, admin_client):
    [message] = messages(post(operator_api, sample(COPINO)))
    assert [p["code"] for p in message["problems"]] == ["invalid_container_number"]
    notice = TruckNotice.objects.get()
    assert (notice.truck, notice.driver, notice.haulier, notice.reference, notice.containers) == (
        "XA212345", "JOHN DOE", "TRUCKER CORP.", "M5C51FF1C8CF9A", [])  # fmt: skip
    assert notice.expected_at == datetime(2012, 4, 26, tzinfo=timezone.get_current_timezone())
    fixed = edited(sample(COPINO).replace("CBHU1234567", RIGHT), reference="C2")
    [message] = messages(post(operator_api, fixed))
    assert (message["problems"], message["effects"]["containers"]) == ([], 1)
    notice = TruckNotice.objects.get()
    assert notice.containers == [{"number": RIGHT, "iso_type": "22G1", "freight_kind": "full",
                                  "booking": "4001234567", "gross_kg": 11000}]  # fmt: skip
    assert admin_client.get("/admin/edi/trucknotice/").status_code == 200
    page = admin_client.get(f"/admin/edi/trucknotice/{notice.pk}/change/")
    assert page.status_code == 200 and b"XA212345" in page.content


# --- The inbox's other bad input ----------------------------------------------------------------------------------


def test_a_message_type_the_terminal_does_not_read_is_rejected(cosco, operator_api):
    [message] = messages(post(operator_api, sample("CODECO_D95B_generator-sample.edi")))
    assert (message["status"], message["problems"][0]["code"]) == ("rejected", "edi_type_unsupported")


def test_a_loading_order_for_another_port_of_loading_is_rejected(noe_vessel, operator_api, settings):
    settings.TERMINAL_LOCODE = "KZAAU"
    [message] = messages(post(operator_api, sample("COPRAR_D95B_SMDG16_generator-sample.edi")))
    assert message["status"] == "rejected"
    assert [(p["code"], p["segment"]) for p in message["problems"]] == [
        ("message_for_another_port", "LOC+9+ITGOA:139:6")
    ]
    assert not Booking.objects.exists()
