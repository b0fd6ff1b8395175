"""The partners' event feed: each milestone recorded through the real services, read with a cursor, per partner."""

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from aktau_tos import roles
from customs import services as customs_services
from edi import events as edi_events
from edi.models import ContainerEvent, Partner
from rail.models import LoadingLine
from rail.services import train_depart, train_list_register, wagon_check_digit
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, ContainerFactory, ContainerVisitFactory, EquipmentFactory
from tests.vessels.conftest import call_at_berth  # noqa: F401  (a fixture)
from vessels import services as vessel_services
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import AccessPoint, Block, YardMove

pytestmark = pytest.mark.django_db

URL = "/api/v1/edi/events/"
BY_RAIL_KMTF, BY_RAIL_OTHER, BY_TRUCK = "CSQU3054383", "MSKU2666542", "TCNU7200794"


@pytest.fixture
def corridor(port, settings):
    """The vessels' port (yard, quay, berth CB1) with a rail line L1 under its gantry and a customs inspection area.
    Arriving boxes are not held for customs here: that flow is customs' tests'."""
    settings.CUSTOMS_CONTROL_CATEGORIES = []
    r1 = BlockFactory(code="R1", bays=10, rows=3, max_tier=3, x_m=0, y_m=400)
    inspection = BlockFactory(code="INS", kind=Block.Kind.INSPECTION, bays=2, rows=1, max_tier=1, x_m=50, y_m=100)
    AccessPoint.objects.create(kind=AccessPoint.Kind.RAIL, x_m=0, y_m=420)
    EquipmentFactory(code="RMG-1", blocks=[r1])
    EquipmentFactory(code="RS-09", blocks=[inspection, Block.objects.get(code="A")])
    line = LoadingLine.objects.create(code="L1", length_wagons=60)
    line.blocks.set([r1])
    return line


def done(move: YardMove, clerk, position: str | None = None) -> YardMove:
    return yard_services.move_complete(move_id=move.pk, container=move.visit.container.number,
                                       position=position or move.planned_to, actor=clerk)  # fmt: skip


def partner_client(code: str, kind: str) -> APIClient:
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.EDI_PARTNER))
    Partner.objects.create(code=code, name=code, unb_id=f"{code}-UNB", kind=kind).users.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def feed(client: APIClient, **params) -> list[dict]:
    """Every event the client may see, page after page, following `next`."""
    found, after = [], ""
    while True:
        body = client.get(URL, {**params, "after": after}).json()
        found += body["events"]
        if not body["events"]:
            assert body["next"] == (after or None)  # nothing new: ask again with the same cursor
            return found
        after = body["next"]


@pytest.fixture
def worked(corridor, call_at_berth, operator, clerk, customs_officer):  # noqa: F811 (a fixture, imported above)
    """A train discharged into the yard (a KMTF box and another line's), the KMTF box scanned by customs and loaded
    on the Turkestan, which departs; the other delivered to a truck; a third box in and out by truck."""
    wagons = [{"number": "4254321" + wagon_check_digit("4254321"), "position": 1, "containers": [
        {"number": BY_RAIL_KMTF, "iso_type": "22G1", "gross_kg": 20000, "line": "KMTF"},
        {"number": BY_RAIL_OTHER, "iso_type": "22G1", "gross_kg": 18000, "line": "OTHR"},
    ]}]  # fmt: skip
    train, discharges = train_list_register(train_number="KZ-2401", line="L1", wagons=wagons, actor=operator)
    for move in discharges:
        done(move, clerk)
    train_depart(train_id=train.pk, actor=operator)  # an empty inbound train: no box leaves with it

    scan = customs_services.inspection_order(container=BY_RAIL_KMTF, kind="scan", actor=customs_officer)
    done(scan.move_in, clerk)
    scan = customs_services.inspection_result(order_id=scan.pk, result="no_suspicion", actor=customs_officer)
    done(scan.move_out, clerk)  # back to the yard: not a second arrival

    now = timezone.now()
    call = call_at_berth("0412E", now - timedelta(hours=2), now + timedelta(hours=20), arrived=now - timedelta(hours=1))
    vessel_services.load_list_apply(call_id=call.pk, containers=[{"number": BY_RAIL_KMTF, "pod": "AZBAK",
                                                                   "vgm_kg": 20000}], actor=operator)  # fmt: skip
    [entry] = vessel_services.stowage_plan_build(call_id=call.pk, actor=operator)["assigned"]
    load = YardMove.objects.get(visit__container__number=BY_RAIL_KMTF, kind="load", status="planned")
    done(load, clerk, yard_selectors.carrier_label(call.carrier, entry["stowage"]))
    vessel_services.call_depart(call_id=call.pk, actor=operator)

    done(yard_services.move_create_adhoc(container=BY_RAIL_OTHER, to="GATE", actor=clerk), clerk, "GATE")
    gate_in = yard_services.gate_in(container=BY_TRUCK, iso_type="22G1", freight_kind="full", truck="851AB12",
                                    line="KMTF", actor=clerk)  # fmt: skip
    done(gate_in, clerk)
    return call


def milestones(events: list[dict], container: str) -> list[str]:
    return [event["milestone"] for event in events if event["container"] == container]


def test_each_milestone_is_recorded_by_the_real_services(worked, client_for):
    events = feed(client_for(roles.OPERATOR))
    assert milestones(events, BY_RAIL_KMTF) == ["discharged", "in_yard", "inspected", "loaded", "departed"]
    assert milestones(events, BY_RAIL_OTHER) == ["discharged", "in_yard", "departed"]
    assert milestones(events, BY_TRUCK) == ["in_yard"]
    kmtf = {event["milestone"]: event for event in events if event["container"] == BY_RAIL_KMTF}
    assert (kmtf["discharged"]["carrier_mode"], kmtf["discharged"]["carrier_reference"]) == ("rail", "KZ-2401")
    assert kmtf["discharged"]["place"] == "RAIL:KZ-2401" and kmtf["in_yard"]["place"].startswith("R1-")
    assert kmtf["inspected"]["detail"] == {"result": "no_suspicion"} and kmtf["inspected"]["place"].startswith("INS-")
    assert kmtf["loaded"]["carrier_mode"] == "vessel" and kmtf["loaded"]["place"].startswith("VESSEL:")
    assert kmtf["departed"]["carrier_reference"] == worked.carrier.reference
    assert kmtf["departed"]["at"] and all(event["line"] == "KMTF" for event in kmtf.values())
    other_gone = [event for event in events if event["container"] == BY_RAIL_OTHER][-1]
    assert (other_gone["carrier_mode"], other_gone["place"]) == ("truck", "GATE")


def test_the_cursor_pages_without_gaps_or_repeats(worked, client_for, settings):
    operator_api = client_for(roles.OPERATOR)
    everything = list(ContainerEvent.objects.order_by("transaction", "id").values_list("id", flat=True))
    assert len(everything) == 9
    settings.EDI_FEED_PAGE_SIZE = 2
    pages, after = [], ""
    while (body := operator_api.get(URL, {"after": after}).json())["events"]:
        assert len(body["events"]) <= 2
        pages.append([event["id"] for event in body["events"]])
        after = body["next"]
    assert len(pages) == 5 and [event_id for page in pages for event_id in page] == everything
    assert operator_api.get(URL, {"after": after, "limit": 1}).json() == {"events": [], "next": after}
    assert [e["id"] for e in operator_api.get(URL, {"limit": 1}).json()["events"]] == everything[:1]
    bad = operator_api.get(URL, {"after": "yesterday"})
    assert (bad.status_code, bad.json()["code"]) == (400, "feed_cursor_invalid")


def test_a_partner_follows_only_its_boxes(worked):
    line = feed(partner_client("KMTF", Partner.Kind.LINE))
    assert {event["container"] for event in line} == {BY_RAIL_KMTF, BY_TRUCK}  # its line's, by rail or by road
    railway = feed(partner_client("KTZ", Partner.Kind.RAILWAY))
    assert {event["container"] for event in railway} == {BY_RAIL_KMTF, BY_RAIL_OTHER}  # what came by rail
    assert milestones(railway, BY_RAIL_KMTF)[-1] == "departed"  # on along the corridor, by sea
    assert feed(partner_client("OOL", Partner.Kind.LINE)) == []


def test_a_partner_follows_one_box(worked):
    railway = partner_client("KTZ", Partner.Kind.RAILWAY)
    one = feed(railway, container="csqu 305438 3")
    assert milestones(one, BY_RAIL_KMTF) == ["discharged", "in_yard", "inspected", "loaded", "departed"]
    assert {event["container"] for event in one} == {BY_RAIL_KMTF}
    assert feed(railway, container=BY_TRUCK) == []  # not the railway's box
    assert railway.get(URL, {"container": "CSQU3054384"}).status_code == 400  # a wrong check digit


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="transaction ids: PostgreSQL")
def test_an_event_that_commits_after_a_later_one_is_not_stepped_over(un_list):
    """A move confirmed while another is still committing: the first event's id is the smaller, yet it commits
    last. A feed by id would hand out the second, move its cursor past both, and never give the first."""
    visit = ContainerVisitFactory(container=ContainerFactory(number=BY_RAIL_KMTF))
    inserted, read, errors = threading.Event(), threading.Event(), []

    def slow_commit():
        try:
            with transaction.atomic():
                edi_events._record(visit, ContainerEvent.Milestone.DISCHARGED, at=timezone.now())
                inserted.set()
                read.wait(10)  # still open while the feed is read
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_commit)
    thread.start()
    assert inserted.wait(10)
    edi_events._record(visit, ContainerEvent.Milestone.IN_YARD, at=timezone.now())  # a later id, committed at once
    assert [event.milestone for event in ContainerEvent.objects.order_by("id")] == ["in_yard"]  # what a feed by id saw
    page = edi_events.events_page(partner=None)
    read.set()
    thread.join()
    assert not errors
    assert page.events == [] and page.next is None  # nothing final yet: the older transaction was still open
    both = edi_events.events_page(partner=None)
    assert [event.milestone for event in both.events] == ["discharged", "in_yard"]
