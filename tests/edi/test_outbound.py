"""The outbox's reports, written with their events: CODECO at the gate, COARRI and the departure BAPLIE when a call
sails, CONTRL and APERAK answering a partner; each read back by our own reader; references unique per partner."""

from datetime import timedelta

import pytest
from django.db import transaction

from aktau_tos.errors import DomainError
from edi import services as edi_services
from edi.edifact import Outgoing, interchange_read
from edi.errors import EdiInvalid
from edi.models import Interchange, Message, Partner
from tests.edi.conftest import sample
from tests.edi.test_inbox import edi, oocl_beijing  # noqa: F401  (the inbox's partner and the sample's call)
from tests.test_invariants import postgres_only, race
from tests.vessels.conftest import call_at_berth, on_day, worked_call  # noqa: F401  (a call worked through)
from vessels import services as vessel_services
from vessels.models import OnBoard, VesselCall
from yard import selectors as yard_selectors
from yard import services as yard_services

pytestmark = pytest.mark.django_db

BOX = "CSQU3054383"


@pytest.fixture
def line(db):
    return Partner.objects.create(code="KMTF", name="Kazmortransflot", unb_id="KMTFEDI",
                                  receives=["CODECO", "COARRI", "BAPLIE"])  # fmt: skip


def outbox(partner: Partner) -> list[Interchange]:
    return list(Interchange.objects.filter(direction="out", partner=partner).order_by("pk"))


def segments(message, tag: str, qualifier: str | None = None) -> list:
    return [s for s in message.segments if s.tag == tag and (qualifier is None or s.get(0) == qualifier)]


def gate_in_and_ground(clerk, *, line_code: str = "KMTF", container: str = BOX):
    move = yard_services.gate_in(container=container, iso_type="22G1", freight_kind="full", truck="045AKT12",
                                 gross_kg=18_500, seal="KZ778", line=line_code, actor=clerk)  # fmt: skip
    position = yard_selectors.move_to(move)
    yard_services.move_complete(move_id=move.pk, container=container, position=position, actor=clerk)
    return move


def test_a_lines_box_through_the_gate_in_and_out_is_reported_by_codeco(line, small_yard, clerk):
    gate_in_and_ground(clerk)
    [gate_in] = outbox(line)
    assert (gate_in.status, gate_in.recipient, gate_in.control_reference) == ("pending", "KMTFEDI", "000001")
    delivery = yard_services.move_create_adhoc(container=BOX, to="GATE", actor=clerk)
    yard_services.move_complete(move_id=delivery.pk, container=BOX, position="GATE", actor=clerk)
    gate_in, gate_out = outbox(line)
    read_in, read_out = (interchange_read(i.raw) for i in (gate_in, gate_out))  # our reader reads what we wrote
    assert (read_out.sender, read_out.recipient, read_out.control_reference) == ("AKTAUTOS", "KMTFEDI", "000002")
    [message_in], [message_out] = read_in.messages, read_out.messages
    assert (message_in.type, message_in.function, message_out.function) == ("CODECO", "34", "36")
    [equipment] = segments(message_in, "EQD")
    assert (equipment.get(1), equipment.get(2), equipment.get(4), equipment.get(5)) == (BOX, "22G1", "2", "5")
    assert segments(message_in, "NAD", "CF")[0].get(1) == "KMTF"
    assert segments(message_in, "DTM", "7")[0].get(0, 1)[:8].isdigit()
    assert segments(message_in, "MEA")[0].get(2, 1) == "18500" and segments(message_in, "SEL")[0].get(0) == "KZ778"
    assert segments(message_in, "TDT")[0].get(7) == "045AKT12"
    assert Message.objects.filter(interchange=gate_out, type="CODECO", status="outbound", subject=BOX).exists()


def test_no_codeco_for_a_box_without_a_line_or_a_line_that_does_not_take_it(line, small_yard, clerk):
    gate_in_and_ground(clerk, line_code="")
    Partner.objects.create(code="ASCO", name="ASCO", unb_id="ASCOEDI", receives=["BAPLIE"])
    gate_in_and_ground(clerk, line_code="ASCO", container="MSKU2666542")
    Partner.objects.filter(pk=line.pk).update(active=False)
    gate_in_and_ground(clerk, line_code="KMTF", container="TGHU1234567")
    assert not Interchange.objects.filter(direction="out").exists()


def test_a_refused_gate_move_writes_no_report(line, small_yard, clerk):
    move = yard_services.gate_in(container=BOX, iso_type="22G1", freight_kind="full", truck="045AKT12", line="KMTF",
                                 actor=clerk)  # fmt: skip
    with pytest.raises(DomainError), transaction.atomic():
        yard_services.move_complete(move_id=move.pk, container=BOX, position="Z-99-99-9", actor=clerk)
    assert not outbox(line)


def depart(call: VesselCall, *, voyage_out: str = "0412W") -> VesselCall:
    VesselCall.objects.filter(pk=call.pk).update(line="KMTF", voyage_out=voyage_out)
    return vessel_services.call_depart(call_id=call.pk, actor=call.created_by, at=on_day(20))


def test_a_call_departing_reports_its_discharges_and_loads_and_its_departure_bay_plan(line, worked_call):  # noqa: F811
    call = depart(worked_call)
    coarri, baplie = outbox(line)
    discharge, loading = interchange_read(coarri.raw).messages
    assert [m.function for m in (discharge, loading)] == ["44", "46"]
    assert segments(discharge, "TDT")[0].get(1) == "0412E" and segments(loading, "TDT")[0].get(1) == "0412W"
    # each box with its cell and the time its move was done (the tally's times, local)
    assert [s.get(1, 0) for s in segments(discharge, "LOC", "147")] == ["010102", "030102"]
    assert [s.get(0, 1) for s in segments(discharge, "DTM", "203")] == ["202611200330", "202611200430"]
    loaded = {box.container: box.cell for box in call.on_board.filter(kind=OnBoard.Kind.LOADED)}
    numbers = [s.get(1) for s in segments(loading, "EQD")]
    assert dict(zip(numbers, [s.get(1, 0) for s in segments(loading, "LOC", "147")], strict=True)) == loaded
    # in the order they were done: 06:30, 07:00, 08:10
    assert [s.get(0, 1) for s in segments(loading, "DTM", "203")] == ["202611200630", "202611200700", "202611200810"]
    assert segments(loading, "CNT")[0].get(0, 1) == "3"
    [plan] = interchange_read(baplie.raw).messages
    assert (plan.type, plan.version) == ("BAPLIE", "BAPLIE:D:95B:UN:SMDG20")
    cells = {s.get(1, 0)[1:] for s in segments(plan, "LOC", "147")}
    assert cells == {box["cell"] for box in call.departure_bay_plan} and len(cells) == 4  # 3 loaded, 1 through
    assert {s.get(1) for s in segments(plan, "EQD")} == {box["container"] for box in call.departure_bay_plan}
    assert baplie.control_reference == "000002" and coarri.control_reference == "000001"


def test_only_what_the_line_receives_and_nothing_for_a_repeated_departure(line, worked_call):  # noqa: F811
    line.receives = ["BAPLIE"]
    line.save()
    call = depart(worked_call)
    vessel_services.call_depart(call_id=call.pk, actor=call.created_by)
    [baplie] = outbox(line)
    assert interchange_read(baplie.raw).messages[0].type == "BAPLIE"


def test_departure_bay_plan_reads_back_as_an_arrival(line, worked_call, call_at_berth, operator, settings):  # noqa: F811
    call = depart(worked_call)
    baplie = outbox(line)[-1]
    # The next port reads it: there this terminal is a partner, and the boxes for AZBAK are its to discharge.
    settings.EDI_TERMINAL_ID, settings.TERMINAL_LOCODE = "KMTFEDI", "AZBAK"
    Partner.objects.create(code="AKTAU", name="Aktau", unb_id="AKTAUTOS", sends=["BAPLIE"])
    next_call = call_at_berth("0412W", on_day(22), on_day(23) + timedelta(hours=20))
    _, answer, first = edi_services.interchange_receive(raw=baplie.raw, actor=operator)
    [message] = answer["messages"]
    assert (first, message["status"], message["problems"]) == (True, "accepted", []), message
    arrived = dict(OnBoard.objects.filter(call=next_call).values_list("container", "cell"))
    assert arrived == {box["container"]: box["cell"] for box in call.departure_bay_plan}


def test_outbound_references_are_counted_per_partner(line, operator):
    other = Partner.objects.create(code="ASCO", name="ASCO", unb_id="ASCOEDI")
    report = [Outgoing("CODECO", ("D", "95B", "UN"), reference="", body=[("BGM", "34", "1", "9")])]
    for partner in (line, other, line):
        edi_services.outbound_enqueue(partner=partner, messages=list(report), actor=operator)
    assert [i.control_reference for i in outbox(line)] == ["000001", "000002"]
    assert [i.control_reference for i in outbox(other)] == ["000001"]


@pytest.mark.django_db(transaction=True)
@postgres_only
def test_references_stay_unique_when_events_report_at_the_same_moment(line, operator):
    def report(index: int) -> str:
        message = Outgoing("CODECO", ("D", "95B", "UN"), reference="", body=[("BGM", "34", str(index), "9")])
        with transaction.atomic():
            return edi_services.outbound_enqueue(partner=line, messages=[message], actor=operator).control_reference

    references = race(8, report)
    assert sorted(references) == [f"{n:06d}" for n in range(1, 9)]
    unh = list(Message.objects.filter(interchange__partner=line).values_list("reference", flat=True))
    assert len(set(unh)) == 8


# --- Acknowledgments ---------------------------------------------------------------------------------------------


@pytest.fixture
def answered(edi):  # noqa: F811 (the inbox's partner, imported above)
    edi.receives = ["CONTRL", "APERAK"]
    edi.save()
    return edi


def test_an_accepted_interchange_is_acknowledged_by_contrl_and_aperak(answered, oocl_beijing, operator):  # noqa: F811
    edi_services.interchange_receive(raw=sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi"), actor=operator)
    contrl, aperak = outbox(answered)
    [uci] = segments(interchange_read(contrl.raw).messages[0], "UCI")
    assert [uci.get(i) for i in range(4)] == ["1865", "LBCTI", "OOCLIES", "7"]
    [message] = interchange_read(aperak.raw).messages
    [bgm], [answered_message] = segments(message, "BGM"), segments(message, "RFF", None)
    assert (message.type, bgm.get(0), bgm.get(2), answered_message.get(0, 1)) == ("APERAK", "305", "29", "1907")
    assert not segments(message, "ERC")
    # the same interchange again is answered by the API as before, and not acknowledged twice
    edi_services.interchange_receive(raw=sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi"), actor=operator)
    assert len(outbox(answered)) == 2


def test_a_rejected_message_gets_an_aperak_with_its_problems_codes(answered, operator, port, settings):
    settings.EDI_TERMINAL_ID = "OOCLIES"
    edi_services.interchange_receive(raw=sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi"), actor=operator)
    contrl, aperak = outbox(answered)
    assert segments(interchange_read(contrl.raw).messages[0], "UCI")[0].get(3) == "7"  # the syntax was fine
    [message] = interchange_read(aperak.raw).messages
    assert segments(message, "BGM")[0].get(2) == "27"  # not accepted
    assert [s.get(0, 0) for s in segments(message, "ERC")] == ["vessel_call_unknown"]
    assert "VRIB3" in str(segments(message, "FTX")[0])


def test_an_unreadable_interchange_from_a_known_sender_gets_a_contrl_rejection(answered, operator, settings):
    settings.EDI_TERMINAL_ID = "OOCLIES"
    truncated = sample("BAPLIE_D95B_SMDG20_php-edifact-test.edi").replace("UNZ+1+1865'", "")
    with pytest.raises(EdiInvalid):
        edi_services.interchange_receive(raw=truncated, actor=operator)
    [contrl] = outbox(answered)
    [uci] = segments(interchange_read(contrl.raw).messages[0], "UCI")
    assert [uci.get(i) for i in range(6)] == ["1865", "LBCTI", "OOCLIES", "4", "13", "UNZ"]
    unknown = truncated.replace("LBCTI", "NOBODY")
    with pytest.raises(EdiInvalid):
        edi_services.interchange_receive(raw=unknown, actor=operator)
    assert Interchange.objects.filter(direction="out").count() == 1
