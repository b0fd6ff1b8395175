"""The yard plan's data: blocks drawn where the layout puts them, stacks and their boxes, filters, finding a box,
and the whole yard read in a fixed number of queries into a compact answer."""

import json
import math
import random
import tomllib
from datetime import timedelta
from itertools import combinations, pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aktau_tos import roles
from tests.factories.accounts import UserFactory
from tests.factories.yard import CarrierVisitFactory, ContainerFactory, ContainerVisitFactory, valid_number
from yard import plan, services
from yard.errors import ContainerNotFound, InvalidContainerNumber
from yard.layout import AKTAU_LAYOUT, TRACK_BED_M, band_outline, layout_apply, outlines_overlap, plan_features
from yard.models import Block, Container, ContainerVisit, IsoSizeType, Occupancy, Slot, YardMove

pytestmark = pytest.mark.django_db

CLASS_3 = [{"un_number": "1203", "class": "3", "packing_group": "II"}]


def matching(stacks: dict) -> set[str]:
    """The positions (BLOCK-BB-RR) of the stacks the answer marks as matching its filter."""
    found = set()
    for code, values in stacks["stacks"].items():
        for index in range(0, len(values), 4):
            bay, row, _height, flags = values[index : index + 4]
            if flags & plan.MATCH:
                found.add(f"{code}-{bay:02d}-{row:02d}")
    return found


def stack_of(stacks: dict, position: str) -> tuple[int, int]:
    """(height, flags) of one stack in the answer, (0, 0) when nothing stands there."""
    code, bay, row = position.split("-")
    values = stacks["stacks"].get(code, [])
    for index in range(0, len(values), 4):
        if values[index : index + 2] == [int(bay), int(row)]:
            return values[index + 2], values[index + 3]
    return 0, 0


# ---- Geometry -------------------------------------------------------------------------------------------------------


def test_the_seeded_aktau_yard_is_drawn_where_the_layout_file_says_and_no_block_overlaps_another():
    layout_apply()  # as seed_aktau does
    specs = {spec["code"]: spec for spec in tomllib.loads(AKTAU_LAYOUT.read_text())["block"]}
    drawn = {block["code"]: block for block in plan.plan_layout()["blocks"]}
    assert drawn.keys() == specs.keys()
    slot = plan_features().slot
    assert (slot.length_m, slot.width_m) == (6.1, 2.44)  # a 20' ground slot
    for code, spec in specs.items():
        corner, bays_end, _far, rows_end = drawn[code]["outline"]
        assert corner == [spec["x_m"], spec["y_m"]], code
        along = math.dist(corner, bays_end)
        across = math.dist(corner, rows_end)
        assert along == pytest.approx(spec["bays"] * 6.4 - 0.3, abs=0.01), code  # 6.1 m slots, 0.3 m apart
        assert across == pytest.approx(spec["rows"] * 2.84 - 0.4, abs=0.01), code  # 2.44 m slots, 0.4 m apart
        assert drawn[code]["angle"] == spec["angle_deg"] == 0
        assert bays_end[1] == pytest.approx(corner[1]) and bays_end[0] > corner[0]  # bays run east
        assert rows_end[0] == pytest.approx(corner[0]) and rows_end[1] > corner[1]  # rows run north
    r1 = drawn["R1"]["outline"]
    assert r1 == [[100, 380], [419.7, 380], [419.7, 396.64], [100, 396.64]]  # 50 bays x 6 rows, to the centimetre

    for first, second in combinations(drawn.values(), 2):
        assert not outlines_overlap(first["outline"], second["outline"]), (first["code"], second["code"])
    features = plan_features()
    bands = [band_outline(a, b, road.width_m) for road in features.roads for a, b in pairwise(road.points)]
    bands += [band_outline(a, b, TRACK_BED_M) for track in features.rail_lines for a, b in pairwise(track.points)]
    assert not [block["code"] for block in drawn.values() for band in bands if outlines_overlap(block["outline"], band)]


def test_the_plan_draws_the_three_rail_lines_the_berth_the_gate_and_the_roads():
    layout = plan.plan_layout()
    lines = layout["rail_lines"]
    assert [line["code"] for line in lines] == ["L1", "L2", "L3"]
    assert {line["gauge"] for line in lines} == {1.52}
    for line in lines:  # along x, on the north side beyond every block
        (x1, y1), (x2, y2) = line["line"]
        assert y1 == y2 and x2 - x1 > 800 and y1 > 400
    quay = layout["quays"][0]
    assert quay["berth"] == "CB1" and math.dist(*quay["line"]) >= 180
    assert quay["line"][0][0] == 0  # the west edge, on the Caspian
    assert layout["gate"]["y"] == 0 and layout["gate"]["lanes"] == 4
    assert len(layout["roads"]) >= 8
    assert layout["extent"][0] < 0  # the sea west of the quay is drawn too


LAYOUT_HEAD = """
[plan]
slot_length_m = 6.1
slot_width_m = 2.44
bay_gap_m = 0.3
row_gap_m = 0.4
boundary = [[-100, -100], [300, -100], [300, 300], [-100, 300]]

[[plan.road]]
name = "Middle road"
width_m = 10
line = [[150, -100], [150, 300]]
"""


def block_entry(code: str, x_m: int, y_m: int, angle_deg: int, bays: int = 10, rows: int = 4) -> str:
    return f"""
[[block]]
code = "{code}"
kind = "full"
equipment_kind = "reach_stacker"
bays = {bays}
rows = {rows}
max_tier = 4
x_m = {x_m}
y_m = {y_m}
angle_deg = {angle_deg}
"""


def test_a_block_turned_north_has_its_bays_running_north_and_its_rows_to_the_west(tmp_path):
    path = tmp_path / "layout.toml"
    path.write_text(LAYOUT_HEAD + block_entry("N", 100, 0, 90) + block_entry("E", 0, 200, 0))
    layout_apply(path)
    assert Block.objects.get(code="N").angle_deg == 90
    drawn = {block["code"]: block for block in plan.plan_layout(path)["blocks"]}
    corner, bays_end, far, rows_end = drawn["N"]["outline"]
    assert corner == [100, 0]
    assert bays_end == pytest.approx([100, 10 * 6.4 - 0.3])  # 63.7 m north
    assert rows_end == pytest.approx([100 - (4 * 2.84 - 0.4), 0])  # 10.96 m west
    assert far == pytest.approx([rows_end[0], bays_end[1]])
    assert drawn["E"]["outline"][1] == pytest.approx([63.7, 200])


def test_a_layout_whose_blocks_overlap_or_cover_a_road_is_refused_and_nothing_is_written(tmp_path):
    path = tmp_path / "layout.toml"
    path.write_text(LAYOUT_HEAD + block_entry("P", 0, 0, 0) + block_entry("Q", 60, 5, 90))
    with pytest.raises(ValueError, match="block P overlaps block Q"):
        layout_apply(path)
    path.write_text(LAYOUT_HEAD + block_entry("P", 120, 0, 0))
    with pytest.raises(ValueError, match="block P overlaps the road Middle road"):
        layout_apply(path)
    path.write_text(LAYOUT_HEAD + block_entry("P", 0, 0, 400))
    with pytest.raises(ValueError, match="angle_deg"):
        layout_apply(path)
    path.write_text(LAYOUT_HEAD.replace("slot_width_m = 2.44", 'slot_width_m = "wide"') + block_entry("P", 0, 0, 0))
    with pytest.raises(ValueError, match="slot_width_m"):
        layout_apply(path)
    assert not Block.objects.exists()


# ---- Stacks, boxes, filters -----------------------------------------------------------------------------------------


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def test_a_stack_lists_its_boxes_tier_by_tier_with_their_dg_and_holds_by_name(put, operator, operator_client):
    lower = put("DG-01-01-1", dangerous_goods=CLASS_3, line="KMTF", destination="Baku")
    upper = put("DG-01-01-2", dangerous_goods=CLASS_3)
    services.hold_place(
        container=lower.container.number, authority="terminal", kind="documents", reason="papers", actor=operator
    )

    stack = plan.stack_boxes(block="DG", bay=1, row=1)
    assert stack["position"] == "DG-01-01" and stack["max_tier"] == 2
    assert [(box["tier"], box["number"]) for box in stack["boxes"]] == [
        (1, lower.container.number),
        (2, upper.container.number),
    ]
    first = stack["boxes"][0]
    assert first["dg"] == [{"class": "3", "un_number": "1203"}]
    assert [hold["name"] for hold in first["holds"]] == ["Terminal: documents"]
    assert first["holds"][0]["reference"].startswith("H-")
    assert (first["line"], first["destination"], first["iso_type"], first["length_ft"]) == ("KMTF", "Baku", "22G1", 20)
    assert first["visit"] == lower.pk and first["dwell_days"] == 0
    assert stack["boxes"][1]["holds"] == []

    answer = operator_client.get(reverse("admin:yard_plan_stack", args=["dg", 1, 1]))
    assert answer.status_code == 200 and answer.json()["boxes"] == json.loads(json.dumps(stack["boxes"]))
    assert operator_client.get(reverse("admin:yard_plan_stack", args=["A", 1, 1])).json()["boxes"] == []
    assert operator_client.get(reverse("admin:yard_plan_stack", args=["A", 9, 1])).status_code == 404


def test_a_40_foot_box_shows_on_both_its_slots_and_counts_once(put):
    visit = put("A-01-01-1", iso_type="45G1")
    stacks = plan.plan_stacks()
    assert stack_of(stacks, "A-01-01")[0] == stack_of(stacks, "A-02-01")[0] == 1
    assert stacks["boxes"] == 1 and stacks["used"] == {"A": 2}
    second = plan.stack_boxes(block="A", bay=2, row=1)["boxes"]
    assert [(box["number"], box["from_bay"]) for box in second] == [(visit.container.number, 1)]


@pytest.fixture
def varied_yard(put, operator):
    """Five stacks, each standing out by one thing (and A-01-01 by its line, destination and dwell)."""
    old = put("A-01-01-1", line="KMTF", destination="Baku")
    ContainerVisit.objects.filter(pk=old.pk).update(arrived_at=timezone.now() - timedelta(days=10))
    held = put("A-02-01-1", line="MSC", destination="Turkmenbashi")
    services.hold_place(container=held.container.number, authority="terminal", kind="documents", actor=operator)
    put("A-03-02-1", line="MSC", destination="Baku")
    put("RF-01-01-1", iso_type="22R1", line="KMTF", destination="Alat")
    put("DG-02-02-1", dangerous_goods=CLASS_3, line="MSC")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, set()),
        ({"line": "kmtf"}, {"A-01-01", "RF-01-01"}),
        ({"destination": "Baku"}, {"A-01-01", "A-03-02"}),
        ({"dwell": "7"}, {"A-01-01"}),
        ({"dwell": "11"}, set()),
        ({"dg": "3"}, {"DG-02-02"}),
        ({"dg": "any"}, {"DG-02-02"}),
        ({"dg": "8"}, set()),
        ({"hold": "any"}, {"A-02-01"}),
        ({"hold": "terminal"}, {"A-02-01"}),
        ({"hold": "customs"}, set()),
        ({"reefer": "1"}, {"RF-01-01"}),
        ({"line": "KMTF", "reefer": "on"}, {"RF-01-01"}),
        ({"line": "MSC", "destination": "Baku"}, {"A-03-02"}),
    ],
)
def test_filters_pick_the_stacks_with_a_box_that_meets_every_criterion(varied_yard, query, expected):
    filters = plan.StackFilter.from_query(query)
    stacks = plan.plan_stacks(filters)
    assert matching(stacks) == expected
    assert stacks["matching"] == len(expected) and stacks["filtering"] == bool(query)


def test_stacks_carry_their_height_and_flags_and_the_values_filters_may_take(varied_yard, put):
    put("A-01-01-2", line="FESCO")
    stacks = plan.plan_stacks()
    assert stack_of(stacks, "A-01-01") == (2, plan.LONG_DWELL)
    assert stack_of(stacks, "A-02-01") == (1, plan.HOLD)
    assert stack_of(stacks, "RF-01-01") == (1, plan.REEFER)
    assert stack_of(stacks, "DG-02-02") == (1, plan.DANGEROUS_GOODS)
    assert stack_of(stacks, "A-04-01") == (0, 0)
    assert stacks["boxes"] == 6 and stacks["used"] == {"A": 4, "RF": 1, "DG": 1}
    assert stacks["options"]["lines"] == ["FESCO", "KMTF", "MSC"]
    assert stacks["options"]["destinations"] == ["Alat", "Baku", "Turkmenbashi"]
    assert stacks["options"]["dg_classes"] == ["3"]


def test_the_stacks_endpoint_filters_and_refuses_a_filter_it_cannot_read(varied_yard, operator_client):
    url = reverse("admin:yard_plan_stacks")
    assert matching(operator_client.get(url, {"line": "MSC", "hold": "any"}).json()) == {"A-02-01"}
    refused = operator_client.get(url, {"dwell": "a week"})
    assert refused.status_code == 400 and "Dwell" in refused.json()["error"]
    assert operator_client.get(url, {"hold": "nobody"}).status_code == 400


def test_moves_awaiting_a_slot_are_listed_with_the_blocks_of_their_area(small_yard, operator, operator_client):
    visit = ContainerVisitFactory(container=ContainerFactory())
    move = services.move_plan(
        visit=visit, kind=YardMove.Kind.DISCHARGE, actor=operator, awaiting_slot=True,
        allocation={"waiting_for": {"inspection": False, "arriving_from": "rail"}, "refusal": "full"},
    )  # fmt: skip
    awaiting = operator_client.get(reverse("admin:yard_plan_stacks")).json()["awaiting"]
    assert awaiting == [
        {
            "move": move.pk,
            "visit": visit.pk,
            "container": visit.container.number,
            "kind": "Discharge from train or vessel",
            "minutes": 0,
            "blocks": ["A"],
        }
    ]


# ---- Finding a container ----------------------------------------------------------------------------------------


def test_a_container_is_found_by_its_number_as_typed_or_by_a_part_only_it_has(put, operator_client):
    visit = put("A-02-01-1")
    put("A-02-01-2")
    number = visit.container.number
    typed = f"{number[:4].lower()} {number[4:10]}-{number[10]}"
    assert plan.container_locate(number=typed).position == "A-02-01-1"
    assert plan.container_locate(number=number[4:10]).number == number  # unique among the boxes in the yard
    assert len(plan.container_locate(number=number[:4]).candidates) == 2  # both boxes' owner code
    with pytest.raises(InvalidContainerNumber):
        plan.container_locate(number="CSQU3054384")  # wrong check digit
    with pytest.raises(ContainerNotFound):
        plan.container_locate(number=valid_number(999_999))

    url = reverse("admin:yard_plan_find")
    found = operator_client.get(url, {"number": typed}).json()
    assert found == {"number": number, "position": "A-02-01-1", "block": "A", "bay": 2, "row": 1, "tier": 1}
    assert "Several containers fit" in operator_client.get(url, {"number": number[:4]}).json()["error"]
    assert operator_client.get(url, {"number": "XXXXX"}).json()["error"] == "No container in the yard fits."
    expected = ContainerVisitFactory(container=ContainerFactory())
    away = operator_client.get(url, {"number": expected.container.number})
    assert away.status_code == 404 and "is not standing in the yard" in away.json()["error"]
    assert operator_client.get(url, {"number": "CSQU3054384"}).status_code == 400


# ---- The page, and who may see it --------------------------------------------------------------------------------


def test_the_page_carries_the_layout_the_script_and_its_words_and_no_inline_style(small_yard, operator_client):
    page = operator_client.get(reverse("admin:yard_map"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<script id="plan-layout" type="application/json">' in html
    assert 'type="module" src="/static/yard/plan.js"' in html and "/static/yard/plan.css" in html
    assert '<script id="plan-texts" type="application/json">' in html and "data-stacks-url=" in html
    assert page.context["plan_texts"]["tier"] == "Tier"  # the script's words, in the reader's language
    assert " style=" not in html and "<script>" not in html
    layout = page.context["layout"]
    assert [block["code"] for block in layout["blocks"]] == ["A", "DG", "RF"]


def test_someone_who_may_not_see_blocks_gets_neither_the_page_nor_its_data(small_yard, client):
    client.force_login(UserFactory(is_staff=True))  # staff, but no role
    for name, args in [("admin:yard_map", []), ("admin:yard_plan_stacks", []), ("admin:yard_plan_find", [])]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert client.get(reverse("admin:yard_plan_stack", args=["A", 1, 1])).status_code == 403


def test_a_manager_reads_the_plan(small_yard, client, user_with_role):
    client.force_login(user_with_role(roles.MANAGER, is_staff=True))
    assert client.get(reverse("admin:yard_plan_stacks")).status_code == 200


# ---- Speed and size -----------------------------------------------------------------------------------------------


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_the_plan_reads_the_yard_in_the_same_number_of_queries_for_3_boxes_as_for_12(put, operator):
    filters = plan.StackFilter(line="KMTF", hold=plan.ANY)
    positions = [f"A-{bay:02d}-{row:02d}-{tier}" for bay in range(1, 5) for row in (1, 2) for tier in (1, 2, 3)]

    def place(new_positions):
        for position in new_positions:
            visit = put(position, line="KMTF")
            services.hold_place(container=visit.container.number, authority="terminal", kind="doc", actor=operator)

    place(positions[:3])
    few = [queries_of(plan.plan_layout), queries_of(lambda: plan.plan_stacks(filters))]
    few.append(queries_of(lambda: plan.stack_boxes(block="A", bay=1, row=1)))
    place(positions[3:12])
    many = [queries_of(plan.plan_layout), queries_of(lambda: plan.plan_stacks(filters))]
    many.append(queries_of(lambda: plan.stack_boxes(block="A", bay=1, row=1)))
    assert few == many == [2, 3, 3]  # stacks: occupancies, holds, awaiting moves


def test_a_full_aktau_yard_answers_in_a_few_queries_and_a_compact_payload(size_types):
    """About 3,000 boxes on the seeded layout's 1,952 slots (rows written directly: this measures the reads)."""
    layout_apply()
    rng = random.Random(7)
    slots = list(Slot.objects.select_related("block").order_by("block__code", "bay", "row"))
    iso_20 = IsoSizeType.objects.get(code="22G1")
    containers = Container.objects.bulk_create(
        Container(number=valid_number(n, owner=rng.choice(["CSQ", "MSK", "KTZ", "FES"])), iso_type=iso_20)
        for n in range(3000)
    )
    truck = CarrierVisitFactory()
    arrived = timezone.now() - timedelta(days=3)
    visits = ContainerVisit.objects.bulk_create(
        ContainerVisit(
            container=container,
            inbound_carrier=truck,
            state=ContainerVisit.State.IN_YARD,
            arrived_at=arrived - timedelta(hours=n % 200),
            line=rng.choice(["KMTF", "MSC", "FESCO", "CMA"]),
            destination=rng.choice(["Baku", "Alat", "Turkmenbashi"]),
            dangerous_goods=CLASS_3 if n % 40 == 0 else [],
        )
        for n, container in enumerate(containers)
    )
    occupancies, placed = [], 0
    for slot in slots:
        for tier in range(1, min(slot.block.max_tier, 2) + 1):
            if placed == len(visits):
                break
            occupancies.append(Occupancy(slot=slot, tier=tier, visit=visits[placed]))
            placed += 1
    Occupancy.objects.bulk_create(occupancies)
    assert Occupancy.objects.count() > 2500
    # A terminal's tables have their planner statistics (autovacuum keeps them); 3,000 rows written in the test's
    # one transaction have none, and PostgreSQL, taking the tables for empty, nested its joins into a query that
    # ran for minutes on CI. The statistics make this the yard the plan reads in production.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE yard_occupancy, yard_slot, yard_block, yard_containervisit, yard_container")

    assert queries_of(plan.plan_layout) == 2
    assert queries_of(plan.plan_stacks) == 3
    layout_bytes = len(json.dumps(plan.plan_layout(), separators=(",", ":")))
    stacks_bytes = len(json.dumps(plan.plan_stacks(), separators=(",", ":")))
    assert stacks_bytes < 60_000, stacks_bytes  # four numbers a stack
    assert layout_bytes + stacks_bytes < 300_000, (layout_bytes, stacks_bytes)
