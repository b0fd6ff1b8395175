"""Relocation planning for one yard bay: the block relocation problem (BRP), restricted variant.

Containers leave a bay in a known order. A container that sits above the next one to leave (the target)
must first be relocated to another stack of the bay; the plan says where each goes, with as few
relocations as the search can find within its time budget.

Variant (the standard one of the Caserta et al. benchmark): restricted BRP, i.e. only containers above
the current target are moved, top first, and only while the target is not on top; every container has
its own place in the retrieval order; no stack may grow taller than ``max_height``. Retrievals are not
moves and are not counted.

Method:
- Lower bound (after Zhu et al. 2012): a container above a smaller one moves at least once, and once
  more if, when it first moves, no other stack can possibly take it on top of larger containers only.
- First plan: the min-max rule of Caserta et al. (2012): put the container on the stack whose smallest
  container is the smallest one larger than it; failing that, on the stack whose smallest is largest.
- Beam search over the relocations with widths 1, 2, 4, ...: each candidate move is scored by finishing
  the bay with the min-max rule. That finish is itself a complete plan, so every score can improve the
  best plan, and the search can stop at any point with a valid plan.
- Depth-first branch and bound, pruned with the lower bound.
- Both searches drop only states that cannot lead to a better plan (by the lower bound) or that repeat
  another (the same stacks in another order); the beam also drops states beyond its width. A search that
  runs to the end without the latter proves the best plan optimal, as does a plan that meets the bound.
The budget goes first to a short beam search, then to a short branch and bound, then to wider beams,
which do better than the branch and bound on the bays it cannot finish.

Effort is counted in simulated steps, not seconds, so the plan depends only on the input and
``time_limit``. The clock is only a backstop: on a machine much slower or busier than the one the step
rate was measured on (2 cores, CPython 3.11) it cuts the search short, and plans may then vary.
"""

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_EMPTY = 1 << 30  # the smallest container of an empty stack: larger than any container
_STEPS_PER_SECOND = 600_000  # measured: a search then takes about 0.4 of time_limit, at most 0.6
_FIRST_BEAM_SHARE = 0.15  # the budget goes up to this share to beam searches,
_EXHAUST_SHARE = 0.3  # then up to this share to the branch and bound, and the rest to beam searches
_DEEPEST_SEARCH = 500  # the branch and bound recurses once per relocation; deeper would hit Python's limit

Move = tuple[int, int, int]  # container, from stack, to stack


@dataclass(frozen=True)
class Relocation:
    container: int
    from_stack: int  # 0-based, in the order the stacks were given
    to_stack: int


@dataclass(frozen=True)
class RelocationPlan:
    relocations: int
    moves: tuple[Relocation, ...]  # in order; retrievals happen in between whenever the target is on top
    proven_optimal: bool  # the search showed that no plan has fewer relocations
    lower_bound: int  # no plan has fewer relocations than this


def bay_read(text: str) -> list[list[int]]:
    """Stacks (bottom to top) of a bay in the benchmark's .dat format: `stacks containers`, then `height c1 .. ch`."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the bay is empty: expected a first line 'stacks containers'")
    header = _integers_read(lines[0], 1)
    if len(header) != 2 or header[0] < 1 or header[1] < 0:
        raise ValueError("line 1 must be 'stacks containers': two integers, at least one stack")
    stack_count, container_count = header
    if len(lines) != stack_count + 1:
        raise ValueError(f"line 1 announces {stack_count} stacks, but {len(lines) - 1} stack lines follow")
    stacks = []
    for number, fields in enumerate(lines[1:], start=2):
        values = _integers_read(fields, number)
        if values[0] != len(values) - 1:
            raise ValueError(f"line {number} gives height {values[0]} but lists {len(values) - 1} containers")
        stacks.append(values[1:])
    found = sum(map(len, stacks))
    if found != container_count:
        raise ValueError(f"line 1 announces {container_count} containers, but the stacks hold {found}")
    return stacks


def relocations_plan(stacks: Sequence[Sequence[int]], *, max_height: int, time_limit: float = 0.5) -> RelocationPlan:
    """The relocations that empty the bay, smallest container first; stacks are listed bottom to top.

    Containers are distinct positive integers. Raises ValueError on invalid input, and on a bay too full to
    be sure that every relocation finds room: more than (stacks - 1) * max_height + 1 containers.
    """
    ranked, labels = _bay_check(stacks, max_height, time_limit)
    count = len(labels)
    budget = _Budget(time_limit)
    planner = _Planner(ranked, _retrievals_apply(ranked, 1, count), count, max_height, budget)

    width = planner.beams_run(1, int(budget.steps * _FIRST_BEAM_SHARE))
    if not planner.proven and planner.best.count <= _DEEPEST_SEARCH:
        planner.exhaust(int(budget.steps * _EXHAUST_SHARE))
    planner.beams_run(width, budget.steps)

    return RelocationPlan(
        relocations=planner.best.count,
        moves=tuple(
            Relocation(labels[block - 1], source, destination) for block, source, destination in planner.best.moves
        ),
        proven_optimal=planner.proven,
        lower_bound=planner.bound,
    )


def _integers_read(fields: list[str], line_number: int) -> list[int]:
    try:
        return [int(field) for field in fields]
    except ValueError:
        raise ValueError(f"line {line_number} holds something other than integers: {' '.join(fields)!r}") from None


def _bay_check(
    stacks: Sequence[Sequence[int]], max_height: int, time_limit: float
) -> tuple[list[list[int]], list[int]]:
    """The bay with its containers renamed 1..N in retrieval order, and their original names in that order."""
    if isinstance(max_height, bool) or not isinstance(max_height, int) or max_height < 1:
        raise ValueError(f"max_height must be a positive integer, not {max_height!r}")
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float) or not 0 < time_limit < math.inf:
        raise ValueError(f"time_limit must be a positive number of seconds, not {time_limit!r}")
    if isinstance(stacks, str) or not isinstance(stacks, Sequence) or not stacks:
        raise ValueError("stacks must be a non-empty list of stacks, each a list of containers bottom to top")
    seen: set[int] = set()
    for number, stack in enumerate(stacks, start=1):
        if isinstance(stack, str) or not isinstance(stack, Sequence):
            raise ValueError(f"stack {number} is not a list of containers: {stack!r}")
        if len(stack) > max_height:
            raise ValueError(f"stack {number} holds {len(stack)} containers, more than max_height {max_height}")
        for container in stack:
            if isinstance(container, bool) or not isinstance(container, int) or container < 1:
                raise ValueError(f"stack {number}: containers must be positive integers, not {container!r}")
            if container in seen:
                raise ValueError(f"container {container} appears more than once")
            seen.add(container)
    # The containers other than the target and those below it must fit in the other stacks, whatever
    # was moved before; this is sure only with at most this many containers.
    room = (len(stacks) - 1) * max_height + 1
    if len(seen) > room:
        raise ValueError(
            f"{len(seen)} containers are too many for {len(stacks)} stacks of at most {max_height}: "
            f"relocations are sure to find room only with at most (stacks - 1) * max_height + 1 = {room}"
        )
    labels = sorted(seen)
    rank = {container: position for position, container in enumerate(labels, start=1)}
    return [[rank[container] for container in stack] for stack in stacks], labels


class _Budget:
    """Simulated steps spent, out of those granted by the time limit, with the clock as a backstop."""

    def __init__(self, time_limit: float) -> None:
        self.steps = int(time_limit * _STEPS_PER_SECOND)
        self.spent = 0
        self.deadline = time.monotonic() + time_limit

    def spend(self, steps: int, until: int) -> bool:
        """Record the work; False once `until` steps are spent (or the time is up)."""
        self.spent += steps
        return self.spent < until and time.monotonic() < self.deadline


def _bound_steps(remaining: int) -> int:
    """The cost of a lower bound or a branch-and-bound node with this many containers left, in steps."""
    return 4 + remaining // 4


class _Best:
    """The best plan found so far."""

    def __init__(self, moves: list[Move]) -> None:
        self.moves = moves
        self.count = len(moves)

    def offer(self, moves: list[Move]) -> None:
        if len(moves) < self.count:
            self.moves = moves
            self.count = len(moves)


def _retrievals_apply(stacks: list[list[int]], target: int, count: int, sources: list[int] | None = None) -> int:
    """Retrieve the target while it is on top of a stack; returns the next target (count + 1 when done).

    The stacks retrieved from are appended to `sources`, so that a search can put the containers back.
    """
    while target <= count:
        for index, stack in enumerate(stacks):
            if stack and stack[-1] == target:
                stack.pop()
                target += 1
                if sources is not None:
                    sources.append(index)
                break
        else:
            break
    return target


def _destination_choose(stacks: list[list[int]], lows: list[int], source: int, block: int, max_height: int) -> int:
    """Min-max rule, given each stack's smallest container: the fast form of _destinations_order()[0]."""
    good = bad = -1
    good_low = _EMPTY + 1
    bad_low = 0
    for index, stack in enumerate(stacks):
        if index == source or len(stack) >= max_height:
            continue
        low = lows[index]
        if low > block:
            if low < good_low:
                good, good_low = index, low
        elif low > bad_low:
            bad, bad_low = index, low
    return good if good >= 0 else bad


def _destinations_order(stacks: list[list[int]], source: int, block: int, max_height: int) -> list[int]:
    """Stacks that can take the block, in min-max order: first those where it would sit on larger containers
    only, tightest first, then the others, largest minimum first. One empty stack stands for all."""
    ranked = []
    empty_tried = False
    for index, stack in enumerate(stacks):
        if index == source or len(stack) >= max_height:
            continue
        if not stack:
            if empty_tried:
                continue
            empty_tried = True
        low = min(stack, default=_EMPTY)
        ranked.append((0, low, index) if low > block else (1, -low, index))
    ranked.sort()
    return [index for _good, _low, index in ranked]


def _greedy_finish(
    stacks: list[list[int]], target: int, count: int, max_height: int, moves: list[Move] | None = None
) -> int:
    """Empty the bay with the min-max rule (changing stacks); returns the number of relocations.

    The moves are appended to `moves` if given.
    """
    where = [0] * (count + 1)
    for index, stack in enumerate(stacks):
        for block in stack:
            where[block] = index
    lows = [min(stack, default=_EMPTY) for stack in stacks]
    relocations = 0
    while target <= count:
        source = where[target]
        stack = stacks[source]
        block = stack.pop()
        if block == target:
            lows[source] = min(stack, default=_EMPTY)
            target += 1
            continue
        # A container above the target is never the smallest of its stack, so lows[source] stays.
        destination = _destination_choose(stacks, lows, source, block, max_height)
        stacks[destination].append(block)
        where[block] = destination
        lows[destination] = min(lows[destination], block)
        relocations += 1
        if moves is not None:
            moves.append((block, source, destination))
    return relocations


def _lower_bound(stacks: list[list[int]], target: int, max_height: int) -> int:
    """Relocations still needed: each misplaced container moves once, twice if its first move must misplace it.

    Call 'records' the containers smaller than all below them; the others are misplaced. A misplaced
    container first moves when the record just below it becomes the target, r. Until then the records of
    another stack that are larger than r stay put, so that stack's smallest container is at most the
    smallest of them. If every other stack has such a record, a container larger than all those ceilings
    lands on a smaller container and must move again. (A stack without one may be empty by then; a full
    stack counts only for the current target, as no retrieval comes before its relocations.)
    """
    records = []
    lowest_bottom = second_bottom = _EMPTY
    lowest_index = -1
    for index, stack in enumerate(stacks):
        bottom = stack[0] if stack else 0  # an empty stack has no record at all
        if bottom < lowest_bottom:
            second_bottom, lowest_bottom, lowest_index = lowest_bottom, bottom, index
        elif bottom < second_bottom:
            second_bottom = bottom
        stack_records = []
        for block in stack:
            if not stack_records or block < stack_records[-1]:
                stack_records.append(block)
        records.append(stack_records)

    total = 0
    for index, stack in enumerate(stacks):
        stack_records = records[index]
        total += len(stack) - len(stack_records)
        # Past the smallest bottom of the other stacks, one of them has no record larger than the target.
        limit = second_bottom if index == lowest_index else lowest_bottom
        top = len(stack) - 1
        for record in reversed(stack_records):  # from the top of the stack down
            if record > limit:
                break
            if stack[top] == record:  # nothing misplaced right above this record
                top -= 1
                continue
            ceiling = 0  # the largest smallest container another stack can have when `record` is the target
            for other, other_records in enumerate(records):
                if other == index or (record == target and len(stacks[other]) >= max_height):
                    continue
                position = len(other_records) - 1
                while other_records[position] < record:
                    position -= 1
                ceiling = max(ceiling, other_records[position])
            while stack[top] != record:
                if stack[top] > ceiling:
                    total += 1
                top -= 1
            top -= 1
    return total


def _moves_list(path: tuple | None) -> list[Move]:
    """The moves of a path kept as nested pairs (last move, path before it)."""
    moves = []
    while path is not None:
        move, path = path
        moves.append(move)
    moves.reverse()
    return moves


def _children(
    stacks: list[list[int]], target: int, count: int, max_height: int
) -> Iterator[tuple[list[list[int]], int, Move]]:
    """The states after relocating the container on top of the target's stack: (stacks, next target, move)."""
    source = next(index for index, stack in enumerate(stacks) if target in stack)
    block = stacks[source][-1]
    for destination in _destinations_order(stacks, source, block, max_height):
        child = [list(stack) for stack in stacks]
        child[source].pop()
        child[destination].append(block)
        yield child, _retrievals_apply(child, target, count), (block, source, destination)


class _Planner:
    """The searches over one bay; `best` holds the best plan found so far."""

    def __init__(self, root: list[list[int]], target: int, count: int, max_height: int, budget: _Budget) -> None:
        self.root = root
        self.target = target
        self.count = count
        self.max_height = max_height
        self.budget = budget
        moves: list[Move] = []
        _greedy_finish([list(stack) for stack in root], target, count, max_height, moves)
        self.best = _Best(moves)
        self.bound = _lower_bound(root, target, max_height)
        self.finished = False  # set once a search has looked at every plan that could beat the best
        self.stacks: list[list[int]] = []  # the branch and bound's current state, and the moves to it
        self.path: list[Move] = []

    @property
    def proven(self) -> bool:
        """No plan has fewer relocations than the best one."""
        return self.finished or self.best.count == self.bound

    def beams_run(self, width: int, until: int) -> int:
        """Beam searches of doubling width while the budget lasts up to `until`; returns the next width."""
        while not self.proven and self.budget.spent < until:
            # A beam that never had to drop a state has searched them all.
            self.finished = not self._beam_search(width, until)
            width *= 2
        return width

    def _beam_search(self, width: int, until: int) -> bool:
        """Keep the `width` most promising states after each relocation; True if some had to be dropped."""
        count, max_height, best = self.count, self.max_height, self.best
        level: list[tuple[list[list[int]], int, tuple | None]] = [(self.root, self.target, None)]
        depth = 0
        truncated = False
        while level:
            depth += 1
            scored = []
            for stacks, target, path in level:
                for child, child_target, move in _children(stacks, target, count, max_height):
                    child_path = (move, path)
                    if child_target > count:
                        if depth < best.count:
                            best.offer(_moves_list(child_path))
                        continue
                    bound = _lower_bound(child, child_target, max_height)
                    if depth + bound >= best.count:
                        continue
                    rest = _greedy_finish([list(stack) for stack in child], child_target, count, max_height)
                    if depth + rest < best.count:
                        moves = _moves_list(child_path)
                        _greedy_finish([list(stack) for stack in child], child_target, count, max_height, moves)
                        best.offer(moves)
                    scored.append((depth + rest, bound, len(scored), child, child_target, child_path))
                    remaining = count - child_target
                    if not self.budget.spend(rest + remaining + _bound_steps(remaining), until):
                        return True
            scored.sort()  # by the plan each state leads to, then by lower bound, then first found
            level = []
            seen = set()
            for _total, _bound, _order, child, child_target, child_path in scored:
                key = tuple(sorted(map(tuple, child)))  # the same stacks in another order cost the same
                if key in seen:
                    continue
                seen.add(key)
                if len(level) == width:
                    truncated = True
                    break
                level.append((child, child_target, child_path))
        return truncated

    def exhaust(self, until: int) -> None:
        """Branch and bound from the root, while the budget lasts up to `until`."""
        self.stacks = [list(stack) for stack in self.root]
        self.path = []
        self.finished = self._visit(self.target, until)

    def _visit(self, target: int, until: int) -> bool:
        """Search below the current state, depth first; False if the budget ran out."""
        if target > self.count:
            self.best.offer(list(self.path))
            return True
        if not self.budget.spend(_bound_steps(self.count - target), until):
            return False
        stacks = self.stacks
        if len(self.path) + _lower_bound(stacks, target, self.max_height) >= self.best.count:
            return True
        source = next(index for index, stack in enumerate(stacks) if target in stack)
        block = stacks[source].pop()
        finished = True
        for destination in _destinations_order(stacks, source, block, self.max_height):
            stacks[destination].append(block)
            self.path.append((block, source, destination))
            sources: list[int] = []
            finished = self._visit(_retrievals_apply(stacks, target, self.count, sources), until)
            for retrieved, index in reversed(list(enumerate(sources, start=target))):
                stacks[index].append(retrieved)
            self.path.pop()
            stacks[destination].pop()
            if not finished:
                break
        stacks[source].append(block)
        return finished
