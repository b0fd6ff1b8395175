"""Celery entry points of EDI: a few lines each over the services."""

from celery import shared_task

from aktau_tos.audit import system_user
from edi import delivery


# Not retried by Celery: the outbox itself is the retry (every due interchange is taken again by the next run).
@shared_task(acks_late=True)
def deliver_outbox() -> dict:
    """Sends the due outbound interchanges by each partner's channel; safe on many workers (SKIP LOCKED)."""
    run = delivery.outbox_deliver(actor=system_user())
    return {"sent": len(run.sent), "failed": len(run.failed), "dead": len(run.dead), "held_back": len(run.held_back)}
