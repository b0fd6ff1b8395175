"""Dangerous goods on trains: warnings rail passes on with its load plan (the railway decides, not the TOS).

- Class 1 (any division) on a wagon: the railway's rules for cover from the locomotive apply
  (SMGS Annex 2); the TOS names the wagon.
- Two DG containers on the same or neighbouring wagons whose IMDG segregation level is 2 or stricter:
  the railway checks its own separation rules for them.
The levels come from the same table and reading of subsidiary risks as in the yard.
"""

from django.utils.translation import gettext

from dangerous_goods.rules import hazards_of
from dangerous_goods.segregation import hazards_segregation, strictness
from yard.models import CarrierVisit

STRICT_FROM = strictness("2")


def train_dangerous_goods_warnings(*, mode: str, units: list[dict]) -> list[str]:
    """Registered with yard.hooks.load_plan_checks: warnings for a train's load plan (units are its wagons)."""
    if mode != CarrierVisit.Mode.RAIL:
        return []
    wagons = units
    warnings = []
    for wagon in wagons:
        for box in wagon["containers"]:
            if any(str(line["class"]).startswith("1") for line in box["dangerous_goods"]):
                warning = gettext(
                    "Wagon %(position)s (%(wagon)s): %(container)s carries class 1; the railway's cover from the "
                    "locomotive applies."
                )
                warnings.append(
                    warning % {"position": wagon["position"], "wagon": wagon["unit"], "container": box["container"]}
                )
    ordered = sorted(wagons, key=lambda wagon: wagon["position"])
    for index, wagon in enumerate(ordered):
        near = [other for other in ordered[index : index + 2] if other["position"] - wagon["position"] <= 1]
        for other in near:
            for a in wagon["containers"]:
                for b in other["containers"]:
                    if a is b or (other is wagon and a["container"] >= b["container"]):
                        continue
                    if not a["dangerous_goods"] or not b["dangerous_goods"]:
                        continue
                    level = hazards_segregation(hazards_of(a["dangerous_goods"]), hazards_of(b["dangerous_goods"]))
                    if strictness(level) >= STRICT_FROM:
                        warning = gettext(
                            "Wagons %(first)s and %(second)s: %(container)s and %(other)s need IMDG segregation "
                            "level %(level)s; check the railway's separation."
                        )
                        warnings.append(warning % {
                            "first": wagon["position"], "second": other["position"], "container": a["container"],
                            "other": b["container"], "level": level,
                        })  # fmt: skip
    return warnings
