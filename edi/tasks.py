"""Celery entry points of EDI: a few lines each over the services."""

from celery import shared_task
from django.conf import settings

from aktau_tos.audit import system_user
from edi import advices, delivery, folders


# Not retried by Celery: the outbox itself is the retry (every due interchange is taken again by the next run).
@shared_task(acks_late=True)
def deliver_outbox() -> dict:
    """Sends the due outbound interchanges by each partner's channel; safe on many workers (SKIP LOCKED)."""
    run = delivery.outbox_deliver(actor=system_user())
    return {"sent": len(run.sent), "failed": len(run.failed), "dead": len(run.dead), "held_back": len(run.held_back)}


@shared_task(acks_late=True)
def read_partner_folders() -> dict:
    """Reads the interchanges folder partners dropped in their `in/` folders through the inbox."""
    run = folders.folders_read(actor=system_user())
    return {"processed": len(run.processed), "invalid": len(run.invalid), "failed": len(run.failed)}


@shared_task(acks_late=True)
def check_capacity_ahead() -> dict:
    """Weighs every train due within CAPACITY_LOOKAHEAD_HOURS against the special areas again; keeps the warnings."""
    checked = advices.advices_capacity_check(actor=system_user(), hours=settings.CAPACITY_LOOKAHEAD_HOURS)
    return {"checked": len(checked), "short": sum(1 for warnings in checked.values() if warnings)}
