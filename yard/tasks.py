"""Celery entry points of the yard: a few lines each over the services."""

from celery import shared_task

from aktau_tos.audit import system_user
from aktau_tos.errors import LockTimeout
from yard import services


@shared_task(acks_late=True, autoretry_for=(LockTimeout,), retry_backoff=True, max_retries=5)
def dispatch_planned_moves() -> int:
    """Hands planned moves to the machines' queues; safe on many workers at once (SKIP LOCKED)."""
    return services.moves_dispatch()


@shared_task(acks_late=True)
def plan_housekeeping() -> dict:
    """Nightly: plans moves that remove tomorrow's rehandles, within the machines' spare capacity."""
    result = services.housekeeping_plan(actor=system_user())
    return {
        "moves_planned": result.moves_planned,
        "rehandles_expected": result.rehandles_expected,
        "rehandles_avoided": result.rehandles_avoided,
    }
