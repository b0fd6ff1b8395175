"""Hooks that other apps fill in from AppConfig.ready(), so that `yard` calls them without importing them.

- Placement rules: see `yard.stacking.placement_rule_register`.
- Declared goods: `declared_goods_check_register(check)`. A check receives the dangerous-goods lines
  as declared on arrival ([{un_number, class, packing_group, ...}]) and returns them completed
  (e.g. subsidiary risks from the UN list), or raises a DomainError (unknown UN number, not admitted
  for storage). Checks run in registration order before a visit opens.
"""

from collections.abc import Callable

DeclaredGoodsCheck = Callable[[list[dict]], list[dict]]
_declared_goods_checks: list[DeclaredGoodsCheck] = []


def declared_goods_check_register(check: DeclaredGoodsCheck) -> DeclaredGoodsCheck:
    if check not in _declared_goods_checks:
        _declared_goods_checks.append(check)
    return check


def declared_goods_checked(lines: list[dict]) -> list[dict]:
    for check in _declared_goods_checks:
        lines = check(lines)
    return lines
