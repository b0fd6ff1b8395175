"""How long the operators' busiest screens take to read their data, for the growth benchmarks: the reads whose
cost could grow with the terminal's history rather than with what is on screen."""

import time

from yard.models import ContainerVisit, Hold, YardMove
from yard.selectors import move_board


def screens_measure(runs: int) -> dict:
    """What the operators' busiest screens read, in ms (median of `runs`): the move board (every open move, each
    machine's last finished one) and the first page of the moves, stays and holds lists in their order, which
    runs over the whole history."""
    screens = {
        "move_board": move_board,
        "moves_first_page": lambda: list(YardMove.objects.select_related("visit__container", "equipment")[:100]),
        "stays_first_page": lambda: list(ContainerVisit.objects.select_related("container")[:100]),
        "holds_first_page": lambda: list(Hold.objects.select_related("visit__container")[:100]),
    }
    figures = {}
    for name, read in screens.items():
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            read()
            timings.append(time.perf_counter() - started)
        figures[f"{name}_ms"] = round(1000 * sorted(timings)[len(timings) // 2], 1)
    return figures
