"""Celery entry points of the yard: a few lines each over the services."""

from celery import shared_task

from aktau_tos.errors import LockTimeout
from yard import services


@shared_task(acks_late=True, autoretry_for=(LockTimeout,), retry_backoff=True, max_retries=5)
def dispatch_planned_moves() -> int:
    """Hands planned moves to the machines' queues; safe on many workers at once (SKIP LOCKED)."""
    return services.moves_dispatch()
