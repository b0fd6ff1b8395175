"""The yard's invariants as the simulator checks them at the end of every simulated day (yard/invariants.py):
silent on a legal yard, naming the box and what is wrong on a planted violation, and stopping a run."""

import pytest
from django.core.management import CommandError, call_command

from simulation.runner import reference_ensure, simulation_run
from tests.factories.accounts import UserFactory
from tests.factories.yard import BlockFactory, ContainerFactory, ContainerVisitFactory, IsoSizeTypeFactory
from yard.invariants import yard_invariants_check
from yard.models import Block, ContainerVisit, Occupancy, Slot, YardMove

pytestmark = pytest.mark.django_db
IN_YARD = ContainerVisit.State.IN_YARD


@pytest.fixture
def block():
    return BlockFactory(code="A", bays=4, rows=2, max_tier=3)


def slot(block, bay: int, row: int = 1) -> Slot:
    return Slot.objects.get(block=block, bay=bay, row=row)


def box(**kwargs) -> ContainerVisit:
    iso_type = kwargs.pop("iso_type", None) or IsoSizeTypeFactory()
    return ContainerVisitFactory(container=ContainerFactory(iso_type=iso_type), **{"state": IN_YARD, **kwargs})


def stand(visit: ContainerVisit, block: Block, bay: int, tier: int, row: int = 1) -> None:
    Occupancy.objects.create(slot=slot(block, bay, row), tier=tier, visit=visit)
    if visit.container.iso_type.length_ft >= 40:
        Occupancy.objects.create(slot=slot(block, bay + 1, row), tier=tier, visit=visit, primary=False)


def forty():
    return IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896, teu=2)


def test_a_legal_yard_has_no_problems(block):
    stand(box(), block, 1, 1)
    stand(box(), block, 2, 1)
    stand(box(iso_type=forty()), block, 1, 2)  # a 40' on two 20's
    stand(box(), block, 4, 1)
    assert yard_invariants_check() == []


def test_a_box_with_nothing_below_is_named_with_its_place(block):
    floating = box()
    stand(floating, block, 2, 2)  # planted directly: tier 2 over an empty slot
    assert yard_invariants_check() == [f"{floating.container.number} at A-02-01-2 floats: nothing stands below it"]


def too_high(block):
    for tier in range(1, 5):
        stand(box(), block, 1, tier)


def twenty_on_forty(block):
    stand(box(iso_type=forty()), block, 1, 1)
    stand(box(), block, 1, 2)


def forty_half_on_a_forty(block):
    stand(box(), block, 1, 1)
    stand(box(iso_type=forty()), block, 2, 1)
    stand(box(iso_type=forty()), block, 1, 2)  # over the 20' and the first half of the other 40'


def forty_on_one_slot(block):
    Occupancy.objects.create(slot=slot(block, 1), tier=1, visit=box(iso_type=forty()))


def departed_in_the_yard(block):
    stand(box(state=ContainerVisit.State.DEPARTED), block, 1, 1)


def dangerous_goods_outside_the_area(block):
    stand(box(dangerous_goods=[{"un_number": "1263", "class": "3"}]), block, 1, 1)


def reefer_without_power(block):
    stand(box(iso_type=IsoSizeTypeFactory(code="22R1", group="R", type_code="R1")), block, 1, 1)


def in_the_yard_nowhere(block):
    box()


def open_move_of_a_departed_stay(block):
    departed = box(state=ContainerVisit.State.DEPARTED)
    YardMove.objects.create(visit=departed, kind="delivery", to_gate=True, created_by=UserFactory())


@pytest.mark.parametrize(
    ("plant", "complaint"),
    [
        (too_high, "stands above block A's 3 tiers"),
        (twenty_on_forty, "is a 20' standing on a 40'"),
        (forty_half_on_a_forty, "is a 40' on neither a 40' in the same bays nor two 20's"),
        (forty_on_one_slot, "(40') fills A-01-01-1: a 20' fills its slot, a 40' the next bay too"),
        (departed_in_the_yard, "stands in the yard, but its stay is departed"),
        (dangerous_goods_outside_the_area, "carries dangerous goods outside the DG area (block A)"),
        (reefer_without_power, "is a full reefer on a slot without power"),
        (in_the_yard_nowhere, "is in the yard by its stay, but stands nowhere"),
        (open_move_of_a_departed_stay, "(delivery) of"),
    ],
)
def test_each_broken_rule_is_reported(block, plant, complaint):
    plant(block)
    problems = yard_invariants_check()
    assert len(problems) == 1 and complaint in problems[0], problems


def test_the_list_is_cut_at_the_limit(block):
    for bay in range(1, 5):
        stand(box(), block, bay, 2)
    problems = yard_invariants_check(limit=2)
    assert len(problems) == 3 and problems[-1] == "... and 2 more"


def test_a_simulated_day_ends_legal():
    simulation_run(days=1, seed=3, teu_per_year=3_000)  # checks at the day's end (it would raise)
    assert Occupancy.objects.exists()
    assert yard_invariants_check() == []


def test_a_violation_stops_the_run_naming_the_day(tmp_path):
    reference_ensure()  # the layout, so that a box can be planted in it before the run
    floating = box()
    Occupancy.objects.create(slot=Slot.objects.get(block__code="A", bay=5, row=2), tier=2, visit=floating)
    with pytest.raises(CommandError) as stopped:
        call_command("simulate", "--days", "2", "--teu-per-year", "3000", "--force", "--no-progress",
                     "--start", "2026-01-05",
                     "--checkpoint", str(tmp_path / "run.json"))  # fmt: skip
    message = str(stopped.value)
    assert "end of day 1 (2026-01-05)" in message
    assert f"{floating.container.number} at A-05-02-2 floats" in message
    assert not (tmp_path / "run.json").exists()  # no checkpoint for a day that broke the rules
