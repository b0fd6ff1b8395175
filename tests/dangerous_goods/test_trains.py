"""DG warnings that travel with rail's load plan (the railway decides; the TOS names what to check)."""

from dangerous_goods.trains import train_dangerous_goods_warnings
from yard import hooks


def rail_warnings(units):
    return train_dangerous_goods_warnings(mode="rail", units=units)


GASOLINE = [{"un_number": "1203", "class": "3", "subsidiary_risks": []}]
NITRATE = [{"un_number": "1942", "class": "5.1", "subsidiary_risks": []}]
ENV = [{"un_number": "3082", "class": "9", "subsidiary_risks": []}]
CARTRIDGES = [{"un_number": "0012", "class": "1.4S", "subsidiary_risks": []}]


def wagons(*loads):
    return [{"position": i + 1, "unit": f"4200000{i}", "containers": [{"container": f"C{i}{j}", "dangerous_goods": dg}
             for j, dg in enumerate(load)]} for i, load in enumerate(loads)]  # fmt: skip


def test_class_1_names_its_wagon():
    [warning] = rail_warnings(wagons([ENV], [CARTRIDGES]))
    assert warning.startswith("Wagon 2") and "class 1" in warning


def test_neighbouring_wagons_with_separated_goods_are_flagged():
    [warning] = rail_warnings(wagons([GASOLINE], [NITRATE]))
    assert "Wagons 1 and 2" in warning and "level 2" in warning
    assert rail_warnings(wagons([GASOLINE], [[]], [NITRATE])) == []  # a wagon between
    assert rail_warnings(wagons([GASOLINE, ENV])) == []  # "X": nothing to say


def test_same_wagon_pairs_are_checked_once():
    assert len(rail_warnings(wagons([GASOLINE, NITRATE]))) == 1


def test_the_check_is_registered_with_the_yard_for_trains_only():
    plan = wagons([GASOLINE], [NITRATE])
    assert hooks.load_plan_warnings(mode="rail", units=plan) == rail_warnings(plan) != []
    assert train_dangerous_goods_warnings(mode="vessel", units=plan) == []
