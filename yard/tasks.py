"""Celery entry points of the yard: a few lines each over the services."""

from celery import shared_task

from aktau_tos.audit import system_user
from aktau_tos.errors import LockTimeout
from yard import services


# Acknowledged when it ends, and put back in the queue if the process running it dies (killed, out of memory):
# a run that did not finish committed nothing. (Celery warns that this loops on a task that itself kills its
# process; a dispatch run handles one small batch of moves, so it is not such a task.)
@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(LockTimeout,), retry_backoff=True, max_retries=5
)
def dispatch_planned_moves() -> int:
    """Hands planned moves to the machines' queues; safe on many workers at once (SKIP LOCKED)."""
    return services.moves_dispatch()


@shared_task(
    acks_late=True, reject_on_worker_lost=True, autoretry_for=(LockTimeout,), retry_backoff=True, max_retries=5
)
def allocate_awaiting_slots() -> int:
    """Gives moves awaiting a slot the places that freed; periodic, and woken when a box leaves the yard."""
    return services.awaiting_slots_allocate()


@shared_task(acks_late=True)
def plan_housekeeping() -> dict:
    """Nightly: plans moves that remove tomorrow's rehandles, within the machines' spare capacity."""
    result = services.housekeeping_plan(actor=system_user())
    return {
        "moves_planned": result.moves_planned,
        "rehandles_expected": result.rehandles_expected,
        "rehandles_avoided": result.rehandles_avoided,
    }
