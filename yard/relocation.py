"""Relocation planning for one yard bay: the block relocation problem (BRP), restricted variant.

Containers leave a bay in a known order; a container that sits above the next one to leave must first be
relocated to another stack of the bay. The plan says where each such container goes so that the total
number of relocations is as small as we can make it within a time budget.

Variant (the standard one of the Caserta et al. benchmark): restricted BRP, i.e. only containers above
the current target are moved, and only while the target is not on top; every container has its own
place in the retrieval order (1 leaves first); no stack may be taller than ``max_height``. A retrieval
is not a move and is not counted.

Method:
1. Lower bound (after Zhu et al. 2012): every container above a smaller one must move at least once,
   and once more if, when it first moves, no other stack can take it on top of larger containers only.
2. First plan: the min-max rule of Caserta et al. (2012): put the container on the stack whose smallest
   container is the smallest one above it; failing that, on the stack whose smallest is largest.
3. Beam search over the relocations with widths 1, 2, 4, ...: each candidate move is scored by finishing
   the bay with the min-max rule, which is also a complete plan, so every score can improve the best plan.
4. Depth-first branch and bound on what budget is left, pruned with the lower bound; if it runs to the
   end, the best plan is proven optimal (so is one that meets the lower bound).

Effort is counted in simulated steps rather than seconds, so the plan depends only on the input and
``time_limit``; the clock only cuts the search short on a machine much slower than the reference
(2 cores, CPython 3.11), and then the plan may vary from run to run.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass

_EMPTY = 1 << 30  # the smallest container of an empty stack: larger than any container
_STEPS_PER_SECOND = 1_000_000  # simulated steps per second of time_limit; measured, with room to spare
_BEAM_SHARE = 0.6  # part of the budget for the beam search; the branch and bound gets the rest


@dataclass(frozen=True)
class Relocation:
    container: int
    from_stack: int  # 0-based
    to_stack: int


@dataclass(frozen=True)
class RelocationPlan:
    relocations: int
    moves: tuple[Relocation, ...]
    proven_optimal: bool  # the search showed that no plan has fewer relocations
    lower_bound: int  # no plan has fewer relocations than this


def bay_read(text: str) -> list[list[int]]:
    """Stacks (bottom to top) of a bay in the benchmark's .dat format: `stacks blocks`, then `height b1 .. bh`."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the bay is empty: expected a first line 'stacks blocks'")
    header = _integers_read(lines[0], 1)
    if len(header) != 2 or header[0] < 1 or header[1] < 0:
        raise ValueError("line 1 must be 'stacks blocks' (two non-negative integers, at least one stack)")
    stack_count, block_count = header
    if len(lines) != stack_count + 1:
        raise ValueError(f"line 1 announces {stack_count} stacks, but {len(lines) - 1} stack lines follow")
    stacks = []
    for number, fields in enumerate(lines[1:], start=2):
        values = _integers_read(fields, number)
        if values[0] != len(values) - 1:
            raise ValueError(f"line {number} gives height {values[0]} but lists {len(values) - 1} containers")
        stacks.append(values[1:])
    found = sum(map(len, stacks))
    if found != block_count:
        raise ValueError(f"line 1 announces {block_count} containers, but the stacks hold {found}")
    return stacks


def relocations_plan(stacks: Sequence[Sequence[int]], *, max_height: int, time_limit: float = 0.5) -> RelocationPlan:
    """The relocations that empty the bay in ascending container order; stacks are listed bottom to top.

    Containers are distinct positive integers, retrieved smallest first. Raises ValueError on invalid input.
    """
    ranked, labels = _bay_check(stacks, max_height, time_limit)
    count = len(labels)
    budget = _Budget(time_limit)
    target = _retrievals_apply(ranked, 1, count)
    bound = _lower_bound(ranked, target, max_height)
    moves: list[tuple[int, int, int]] = []
    _greedy_finish([list(stack) for stack in ranked], target, count, max_height, moves)
    best = _Best(moves)

    width = 1
    beam_steps = int(budget.steps * _BEAM_SHARE)
    while best.count > bound and budget.spent < beam_steps:
        truncated = _beam_search(ranked, target, count, max_height, width, best, budget, beam_steps)
        if not truncated:
            break  # a wider beam would search the same nodes again
        width *= 2

    proven = best.count == bound
    if not proven:
        search = _BranchAndBound(ranked, count, max_height, best, budget)
        proven = search.run(target)
    return RelocationPlan(
        relocations=best.count,
        moves=tuple(Relocation(labels[block - 1], source, destination) for block, source, destination in best.moves),
        proven_optimal=proven,
        lower_bound=bound,
    )


def _integers_read(fields: list[str], line_number: int) -> list[int]:
    try:
        return [int(field) for field in fields]
    except ValueError:
        raise ValueError(f"line {line_number} holds something other than integers: {' '.join(fields)!r}") from None


def _bay_check(
    stacks: Sequence[Sequence[int]], max_height: int, time_limit: float
) -> tuple[list[list[int]], list[int]]:
    """The bay with containers renamed 1..N by retrieval order, and the original names in that order."""
    if isinstance(max_height, bool) or not isinstance(max_height, int) or max_height < 1:
        raise ValueError(f"max_height must be a positive integer, not {max_height!r}")
    if isinstance(time_limit, bool) or not isinstance(time_limit, int | float) or not time_limit > 0:
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
    # With this much room every relocation finds a free slot, whatever was done before.
    if len(seen) > (len(stacks) - 1) * max_height + 1:
        raise ValueError(
            f"{len(seen)} containers in {len(stacks)} stacks of at most {max_height} leave too little room to "
            f"relocate: at most (stacks - 1) * max_height + 1 = {(len(stacks) - 1) * max_height + 1} are planned"
        )
    labels = sorted(seen)
    rank = {container: position for position, container in enumerate(labels, start=1)}
    return [[rank[container] for container in stack] for stack in stacks], labels


class _Budget:
    """Simulated steps left, with the clock as a backstop."""

    def __init__(self, time_limit: float) -> None:
        self.steps = int(time_limit * _STEPS_PER_SECOND)
        self.spent = 0
        self.deadline = time.monotonic() + time_limit

    def spend(self, steps: int, limit: int | None = None) -> bool:
        """Record the work; False once the budget (or the given part of it) is used up."""
        self.spent += steps
        return self.spent < (self.steps if limit is None else limit) and time.monotonic() < self.deadline


class _Best:
    """The best plan found so far: moves as (container, from stack, to stack)."""

    def __init__(self, moves: list[tuple[int, int, int]]) -> None:
        self.moves = moves
        self.count = len(moves)

    def offer(self, moves: list[tuple[int, int, int]]) -> None:
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
    """Min-max rule: the tightest stack whose containers are all larger, else the stack with the largest minimum."""
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


def _greedy_finish(
    stacks: list[list[int]], target: int, count: int, max_height: int, moves: list[tuple[int, int, int]] | None = None
) -> int:
    """Empty the bay with the min-max rule (changes stacks); returns the number of relocations."""
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
        # Blocks above the target are never the minimum of their stack, so lows[source] stays.
        destination = _destination_choose(stacks, lows, source, block, max_height)
        stacks[destination].append(block)
        where[block] = destination
        lows[destination] = min(lows[destination], block)
        relocations += 1
        if moves is not None:
            moves.append((block, source, destination))
    return relocations


def _lower_bound(stacks: Sequence[Sequence[int]], target: int, max_height: int) -> int:
    """Relocations still needed: each misplaced container moves once, twice if its first move must misplace it.

    A container above a smaller one first moves when the smallest container below it becomes the target, r.
    Until then the containers of another stack that lie below everything smaller than r stay where they are,
    so that stack's minimum is at most the smallest of them (the 'records' of a stack are its containers
    smaller than all below them). If every other stack keeps such a container, one larger than all their
    minima will be put on a smaller container and must move again. Full stacks count only for the current
    target, whose relocations come before any retrieval.
    """
    records = []
    lowest_bottom = second_bottom = _EMPTY
    lowest_index = -1
    for index, stack in enumerate(stacks):
        bottom = stack[0] if stack else 0  # an empty stack can take anything
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
        # Only targets no larger than every other bottom can be sure that no other stack is empty by then.
        limit = second_bottom if index == lowest_index else lowest_bottom
        top = len(stack) - 1
        for record in reversed(stack_records):
            if record > limit:
                break
            ceiling = 0  # the largest minimum another stack can have when `record` is the target
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


def _bound_steps(remaining: int) -> int:
    """The cost of a lower bound (or a search node) with this many containers left, in simulated steps."""
    return 4 + remaining // 4


def _moves_list(path: tuple | None) -> list[tuple[int, int, int]]:
    moves = []
    while path is not None:
        move, path = path
        moves.append(move)
    moves.reverse()
    return moves


def _beam_search(
    root: list[list[int]],
    target: int,
    count: int,
    max_height: int,
    width: int,
    best: _Best,
    budget: _Budget,
    limit: int,
) -> bool:
    """Beam search keeping `width` states per number of relocations; True if some level had to be cut."""
    level: list[tuple[list[list[int]], int, tuple | None]] = [(root, target, None)]
    depth = 0
    truncated = False
    while level:
        depth += 1
        scored = []
        for stacks, current, path in level:
            source = next(index for index, stack in enumerate(stacks) if current in stack)
            block = stacks[source][-1]
            empty_tried = False
            for destination, stack in enumerate(stacks):
                if destination == source or len(stack) >= max_height:
                    continue
                if not stack:
                    if empty_tried:
                        continue  # empty stacks are interchangeable
                    empty_tried = True
                child = [list(each) for each in stacks]
                child[source].pop()
                child[destination].append(block)
                child_target = _retrievals_apply(child, current, count)
                child_path = ((block, source, destination), path)
                if child_target > count:
                    best.offer(_moves_list(child_path))
                    continue
                bound = _lower_bound(child, child_target, max_height)
                if depth + bound >= best.count:
                    continue
                rest = _greedy_finish([list(each) for each in child], child_target, count, max_height)
                if depth + rest < best.count:
                    moves = _moves_list(child_path)
                    _greedy_finish([list(each) for each in child], child_target, count, max_height, moves)
                    best.offer(moves)
                scored.append((depth + rest, bound, len(scored), child, child_target, child_path))
                remaining = count - child_target
                if not budget.spend(rest + remaining + _bound_steps(remaining), limit):
                    return False
        scored.sort()
        level = []
        seen = set()
        for _total, _bound, _order, child, child_target, child_path in scored:
            key = tuple(sorted(map(tuple, child)))  # the same stacks in another order lead to the same cost
            if key in seen:
                continue
            seen.add(key)
            if len(level) == width:
                truncated = True
                break
            level.append((child, child_target, child_path))
    return truncated


class _BranchAndBound:
    """Depth-first search over relocations, pruned with the lower bound; improves `best` in place."""

    def __init__(self, root: list[list[int]], count: int, max_height: int, best: _Best, budget: _Budget) -> None:
        self.stacks = [list(stack) for stack in root]
        self.count = count
        self.max_height = max_height
        self.best = best
        self.budget = budget
        self.path: list[tuple[int, int, int]] = []
        self.stopped = False

    def run(self, target: int) -> bool:
        """Search from the root; True if the search ran to the end, proving the best plan optimal."""
        self._visit(target)
        return not self.stopped

    def _visit(self, target: int) -> None:
        if target > self.count:
            self.best.offer(list(self.path))
            return
        if not self.budget.spend(_bound_steps(self.count - target)):
            self.stopped = True
            return
        stacks = self.stacks
        if len(self.path) + _lower_bound(stacks, target, self.max_height) >= self.best.count:
            return
        source = next(index for index, stack in enumerate(stacks) if target in stack)
        block = stacks[source].pop()
        for destination in self._destinations_order(source, block):
            stacks[destination].append(block)
            self.path.append((block, source, destination))
            sources: list[int] = []
            self._visit(_retrievals_apply(stacks, target, self.count, sources))
            for retrieved, index in reversed(list(enumerate(sources, start=target))):
                stacks[index].append(retrieved)
            self.path.pop()
            stacks[destination].pop()
            if self.stopped:
                break
        stacks[source].append(block)

    def _destinations_order(self, source: int, block: int) -> list[int]:
        """Stacks that can take the block, in min-max preference order; one empty stack stands for all."""
        ranked = []
        empty_tried = False
        for index, stack in enumerate(self.stacks):
            if index == source or len(stack) >= self.max_height:
                continue
            if not stack:
                if empty_tried:
                    continue
                empty_tried = True
            low = min(stack, default=_EMPTY)
            ranked.append((0, low, index) if low > block else (1, -low, index))
        ranked.sort()
        return [index for _good, _low, index in ranked]
