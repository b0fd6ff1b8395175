"""Hooks other apps fill in from AppConfig.ready(), so that `rail` consults them without importing them.

- Load plan checks: `load_plan_check_register(check)`. A check gets the plan as wagons in train order,
  each `{"position", "wagon", "containers": [{"container", "dangerous_goods": [...]}]}`, and returns
  warnings for the railway (text): rules the terminal does not decide but must pass on, such as the
  dangerous-goods app's cover and separation rules.
"""

from collections.abc import Callable

LoadPlanCheck = Callable[[list[dict]], list[str]]
_load_plan_checks: list[LoadPlanCheck] = []


def load_plan_check_register(check: LoadPlanCheck) -> LoadPlanCheck:
    if check not in _load_plan_checks:
        _load_plan_checks.append(check)
    return check


def load_plan_warnings(wagons: list[dict]) -> list[str]:
    return [warning for check in _load_plan_checks for warning in check(wagons)]
