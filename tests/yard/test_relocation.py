"""Relocation planning (yard.relocation) against benchmark optima, a brute-force oracle and a replay checker.

Bays and optima: tests/data/brp (Caserta et al. benchmark; see its README.md). No database is needed.
"""

import csv
import functools
import json
import random
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from yard import relocation
from yard.relocation import Relocation, bay_read, relocations_plan

DATA = Path(__file__).resolve().parent.parent / "data" / "brp"
with open(DATA / "values.csv", newline="", encoding="utf-8") as values:
    OPTIMA = {row["instance"]: (int(row["best_known_relocations"]), int(row["hmax"])) for row in csv.DictReader(values)}


def bay_load(name: str) -> list[list[int]]:
    return bay_read((DATA / f"{name}.dat").read_text(encoding="utf-8"))


def plan_replay(stacks: list[list[int]], max_height: int, moves: list[Relocation]) -> None:
    """Apply the moves, retrieving the smallest container left whenever it is on top; assert that each
    move is legal in the restricted variant and that the bay ends empty."""
    bay = [list(stack) for stack in stacks]
    waiting = sorted(container for stack in stacks for container in stack)

    def retrievals_apply() -> None:
        while waiting:
            tops = [stack for stack in bay if stack and stack[-1] == waiting[0]]
            if not tops:
                return
            tops[0].pop()
            waiting.pop(0)

    retrievals_apply()
    for move in moves:
        assert 0 <= move.from_stack < len(bay) and 0 <= move.to_stack < len(bay), move
        source = bay[move.from_stack]
        assert source and source[-1] == move.container, f"{move}: not on top of its stack"
        assert waiting[0] in source[:-1], f"{move}: not above the target {waiting[0]}"
        assert move.to_stack != move.from_stack, f"{move}: to its own stack"
        assert len(bay[move.to_stack]) < max_height, f"{move}: onto a full stack"
        bay[move.to_stack].append(source.pop())
        retrievals_apply()
    assert not waiting, f"containers {waiting} are never retrieved"


def optimum_brute(stacks: list[list[int]], max_height: int) -> int:
    """The fewest relocations, by trying every legal move (tiny bays only)."""

    @functools.cache
    def cost(state: tuple[tuple[int, ...], ...]) -> int:
        bay = [list(stack) for stack in state]
        while any(bay):
            target = min(min(stack) for stack in bay if stack)
            source = next(index for index, stack in enumerate(bay) if target in stack)
            if bay[source][-1] != target:
                break
            bay[source].pop()
        else:
            return 0
        options = []
        for destination in range(len(bay)):
            if destination != source and len(bay[destination]) < max_height:
                child = [list(stack) for stack in bay]
                child[destination].append(child[source].pop())
                options.append(1 + cost(tuple(map(tuple, child))))
        return min(options)

    return cost(tuple(map(tuple, stacks)))


def test_bay_read_parses_the_benchmark_format():
    assert bay_load("data3-3-1") == [[3, 7, 1], [2, 6, 5], [8, 9, 4]]
    assert bay_read("2 3\n0\n3 3 1 2\n\n") == [[], [3, 1, 2]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("3\n", "line 1 must be"),
        ("2 x\n", "line 1 holds something other than integers"),
        ("2 3\n2 1 2\n", "announces 2 stacks, but 1"),
        ("1 2\n3 1 2\n", "line 2 gives height 3 but lists 2"),
        ("2 4\n1 1\n2 2 3\n", "announces 4 containers, but the stacks hold 3"),
        ("1 2\n2 1 2.5\n", "line 2 holds something other than integers"),
    ],
)
def test_bay_read_refuses_malformed_text(text, message):
    with pytest.raises(ValueError, match=message):
        bay_read(text)


@pytest.mark.parametrize(
    ("name", "time_limit", "slack"),
    [
        ("data3-3-1", 0.1, 0),
        ("data4-4-14", 0.2, 0),  # min-max needs 16, its rollout 15
        ("data5-5-8", 0.2, 0),  # min-max needs 23
        ("data5-6-21", 0.2, 1),  # measured: optimal (23) from 0.05 s; 24 with 0.02 s
        ("data6-6-2", 0.2, 1),  # measured: optimal (31) from 0.02 s; min-max needs 48
    ],
)
def test_plan_is_legal_and_near_the_optimum(name, time_limit, slack):
    stacks = bay_load(name)
    optimum, max_height = OPTIMA[name]
    plan = relocations_plan(stacks, max_height=max_height, time_limit=time_limit)

    plan_replay(stacks, max_height, list(plan.moves))
    assert plan.relocations == len(plan.moves)
    assert optimum <= plan.relocations <= optimum + slack  # fewer than the optimum would be an illegal plan
    assert plan.lower_bound <= optimum
    if slack == 0:
        assert plan.proven_optimal


@pytest.mark.parametrize("seed", range(40))
def test_tiny_bays_are_solved_optimally(seed):
    rng = random.Random(seed)
    stack_count, max_height = rng.choice([(3, 3), (3, 4), (4, 3)])
    stacks: list[list[int]] = [[] for _ in range(stack_count)]
    for container in rng.sample(range(1, 50), rng.randint(4, 7)):
        rng.choice([stack for stack in stacks if len(stack) < max_height]).append(container)
    plan = relocations_plan(stacks, max_height=max_height, time_limit=0.2)

    plan_replay(stacks, max_height, list(plan.moves))
    optimum = optimum_brute(stacks, max_height)
    assert plan.relocations == optimum
    assert plan.proven_optimal
    assert plan.lower_bound <= optimum


def test_containers_may_be_any_distinct_positive_integers():
    stacks = bay_load("data4-4-14")
    renamed = [[5000 - 7 * container for container in stack] for stack in stacks]  # reverses the order
    plan = relocations_plan(renamed, max_height=6, time_limit=0.2)
    plan_replay(renamed, 6, list(plan.moves))
    assert plan.relocations == len(plan.moves)
    assert {move.container for move in plan.moves} <= {container for stack in renamed for container in stack}


def test_a_bay_in_retrieval_order_needs_no_move():
    plan = relocations_plan([[9, 8, 1], [7, 2], [], [6, 5, 4, 3]], max_height=4)
    assert (plan.relocations, plan.moves, plan.proven_optimal) == (0, (), True)


def test_same_bay_same_plan(monkeypatch):
    # The search stops on counted work, not on the clock: a small step rate and a generous time limit
    # leave the clock out of it even on a busy machine.
    monkeypatch.setattr(relocation, "_STEPS_PER_SECOND", 100_000)
    stacks = bay_load("data6-6-2")
    first = relocations_plan(stacks, max_height=8, time_limit=2.0)
    second = relocations_plan([list(stack) for stack in stacks], max_height=8, time_limit=2.0)
    assert not first.proven_optimal  # the budget, not the end of the search, decided when to stop
    assert first == second


@pytest.mark.parametrize(
    ("stacks", "max_height", "message"),
    [
        ([[1, 2], [2]], 4, "container 2 appears more than once"),
        ([[1, 2, 3], []], 2, "stack 1 holds 3 containers, more than max_height 2"),
        ([[1, "2"], []], 4, "positive integers, not '2'"),
        ([[1, 2.0], []], 4, "positive integers, not 2.0"),
        ([[True], []], 4, "positive integers, not True"),
        ([[0, 1], []], 4, "positive integers, not 0"),
        ([], 4, "non-empty list"),
        ("12", 4, "non-empty list"),
        ([[1], 2], 4, "stack 2 is not a list"),
        ([[1], []], 0, "max_height must be a positive integer"),
        ([[1], []], 2.5, "max_height must be a positive integer"),
        ([[1, 2], [3, 4]], 2, "too many for 2 stacks"),
    ],
)
def test_invalid_bays_are_refused(stacks, max_height, message):
    with pytest.raises(ValueError, match=message):
        relocations_plan(stacks, max_height=max_height)


@pytest.mark.parametrize("time_limit", [0, -1, float("nan"), float("inf"), "1"])
def test_invalid_time_limits_are_refused(time_limit):
    with pytest.raises(ValueError, match="time_limit must be a positive number"):
        relocations_plan([[2, 1], []], max_height=3, time_limit=time_limit)


def command_run(*args: str) -> str:
    out = StringIO()
    call_command("plan_relocations", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_plan_as_json():
    output = json.loads(command_run(str(DATA / "data4-4-14.dat"), "--json", "--time-limit", "2"))
    assert set(output) == {"relocations", "moves"}
    assert output["relocations"] == 13 == len(output["moves"])
    assert all(set(move) == {"container", "from", "to"} for move in output["moves"])
    # Stacks are numbered from 1, as in the file; the default max height is the tallest stack (4) + 2.
    moves = [Relocation(move["container"], move["from"] - 1, move["to"] - 1) for move in output["moves"]]
    plan_replay(bay_load("data4-4-14"), 6, moves)


def test_command_prints_one_line_per_move():
    lines = command_run(str(DATA / "data3-3-1.dat")).splitlines()
    assert lines[0] == "6 relocations (proven optimal)"
    assert len(lines) == 7
    moves = []
    for line in lines[1:]:
        match = re.fullmatch(r"move (\d+): stack (\d+) -> stack (\d+)", line)
        assert match, line
        container, source, destination = map(int, match.groups())
        moves.append(Relocation(container, source - 1, destination - 1))
    plan_replay(bay_load("data3-3-1"), 5, moves)


def test_command_honours_max_height():
    with pytest.raises(CommandError, match="more than max_height 2"):
        command_run(str(DATA / "data3-3-1.dat"), "--max-height", "2")


def test_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match=r"cannot read .*missing\.dat"):
        command_run(str(tmp_path / "missing.dat"))


def test_command_refuses_a_malformed_file(tmp_path):
    bay = tmp_path / "bay.dat"
    bay.write_text("2 3\n2 1 2\n2 3 x\n")
    with pytest.raises(CommandError, match=r"bay\.dat: line 3 holds something other than integers"):
        command_run(str(bay))
