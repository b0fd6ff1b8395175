"""Yard placement rule for dangerous goods, registered with `yard` (see apps.py): segregation in the DG area.

- Two DG containers keep the distance their IMDG segregation level needs (settings.DG_SEGREGATION_SLOTS):
  a number of ground slots between their nearest slots, or another block altogether.
- No DG container stands on or under another unless both are of the same single class, and never two
  different class 8 cargoes (MSC.1/Circ.1216 4.3).
"""

from django.conf import settings
from django.utils.translation import gettext, gettext_lazy, ngettext

from dangerous_goods.segregation import Hazard, hazards_segregation, parse_subsidiary_risks
from yard.models import Block, Slot
from yard.stacking import ALLOWED, Box, Verdict, YardSnapshot

LEVEL_NAMES = {
    # Translators: the IMDG segregation terms (table 7.2.4), worded as the IMDG Code in your language words them.
    "1": gettext_lazy("away from"),
    "2": gettext_lazy("separated from"),
    "3": gettext_lazy("separated by a complete compartment from"),
    "4": gettext_lazy("separated longitudinally from"),
    "*": gettext_lazy("class 1 against class 1 (compatibility groups)"),
}


def hazards_of(lines) -> list[Hazard]:
    """DG lines as the yard stores them ({class, subsidiary_risks, limited_quantity}) as hazards."""
    hazards = []
    for line in lines:
        subsidiary = line.get("subsidiary_risks") or ()
        if isinstance(subsidiary, str):
            subsidiary = parse_subsidiary_risks(subsidiary)
        hazards.append(Hazard(line["class"], tuple(subsidiary), bool(line.get("limited_quantity"))))
    return hazards


def required_slots(level: str) -> int | None:
    """Ground slots needed between two containers at this level; None: not in the same block; 0: no rule."""
    value = settings.DG_SEGREGATION_SLOTS.get(str(level))
    if value is None:
        return 0
    return None if str(value).strip().lower() == "block" else int(value)


def _may_stack(a: Box, b: Box) -> bool:
    classes_a = {line["class"] for line in a.dangerous_goods}
    classes_b = {line["class"] for line in b.dangerous_goods}
    if classes_a != classes_b or len(classes_a) != 1:
        return False
    if classes_a == {"8"}:  # two class 8 boxes only with the same cargo
        return {line["un_number"] for line in a.dangerous_goods} == {line["un_number"] for line in b.dangerous_goods}
    return True


def _distance(slots_a: list[Slot], slots_b: list[Slot]) -> int:
    """Ground slots from one to the other along bays or rows (1 = neighbours, 0 = the same stack)."""
    return min(max(abs(a.bay - b.bay), abs(a.row - b.row)) for a in slots_a for b in slots_b)


def _dangerous_boxes(snapshot: YardSnapshot, block_id: int) -> list[tuple[Box, list[Slot], int, list[Hazard]]]:
    """The DG boxes standing (or on their way) in the block: each with its ground slots, tier and hazards. Worked
    out once per snapshot (its memo), not once per stack allocation asks about."""
    index = snapshot.memo.get("dangerous_goods")
    if index is None:
        grouped: dict[int, tuple[Box, list[Slot], int]] = {}
        for (slot_id, other_tier), (other, _) in snapshot.boxes.items():
            slot = snapshot.slots.get(slot_id)
            if other.dangerous_goods and slot is not None:
                grouped.setdefault(other.visit_id, (other, [], other_tier))[1].append(slot)
        index = snapshot.memo["dangerous_goods"] = {}
        for other, other_slots, other_tier in grouped.values():
            entry = (other, other_slots, other_tier, hazards_of(other.dangerous_goods))
            index.setdefault(other_slots[0].block_id, []).append(entry)
    return index.get(block_id, [])


def segregation_rule(box: Box, block: Block, slots: list[Slot], tier: int, snapshot: YardSnapshot) -> Verdict:
    if not box.dangerous_goods:
        return ALLOWED
    levels = snapshot.memo.setdefault("dangerous_goods_levels", {})  # (box, other) -> level: the same at any stack
    for other, other_slots, other_tier, theirs in _dangerous_boxes(snapshot, block.pk):
        if other.visit_id == box.visit_id:
            continue
        distance = _distance(slots, other_slots)
        if distance == 0 and not _may_stack(box, other):
            reason = gettext(
                "%(container)s at %(position)s is in the same stack; dangerous goods are stacked only on the same "
                "class (and never two different class 8 cargoes)"
            ) % {"container": other.number, "position": snapshot.position(other_slots[0], other_tier)}
            return Verdict.refuse(
                reason,
                code="segregation_conflict",
                neighbour_visit_id=other.visit_id,
            )
        pair = (box.visit_id, box.number, other.visit_id, other.number)
        if pair not in levels:
            levels[pair] = str(hazards_segregation(hazards_of(box.dangerous_goods), theirs))
        level = levels[pair]
        needed = required_slots(level)
        if needed is None or distance < needed:
            values = {
                "container": other.number, "position": snapshot.position(other_slots[0], other_tier),
                "distance": distance, "level": level, "level_name": LEVEL_NAMES.get(level, level), "needed": needed,
            }  # fmt: skip
            if needed is None:
                reason = ngettext(
                    "%(container)s at %(position)s is %(distance)d slot away; IMDG level %(level)s (%(level_name)s) "
                    "needs another block",
                    "%(container)s at %(position)s is %(distance)d slots away; IMDG level %(level)s (%(level_name)s) "
                    "needs another block",
                    distance,
                )
            else:
                reason = ngettext(
                    "%(container)s at %(position)s is %(distance)d slot away; IMDG level %(level)s (%(level_name)s) "
                    "needs at least %(needed)d slots apart",
                    "%(container)s at %(position)s is %(distance)d slots away; IMDG level %(level)s (%(level_name)s) "
                    "needs at least %(needed)d slots apart",
                    distance,
                )
            return Verdict.refuse(
                reason % values,
                code="segregation_conflict",
                neighbour_visit_id=other.visit_id,
            )
    return ALLOWED


def classes_segregation_level(classes_a: tuple[str, ...], classes_b: tuple[str, ...]) -> str:
    """The strictest table 7.2.4 code between two boxes' classes (primary and subsidiary), for stowage on board."""
    hazards_a = [Hazard(code, (), False) for code in classes_a]
    hazards_b = [Hazard(code, (), False) for code in classes_b]
    if not hazards_a or not hazards_b:
        return "X"
    return str(hazards_segregation(hazards_a, hazards_b))
