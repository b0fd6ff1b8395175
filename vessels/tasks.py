"""Celery entry points of the vessels app: a few lines each over the services."""

from celery import shared_task
from django.conf import settings

from aktau_tos.audit import system_user
from vessels.services import capacity


@shared_task(acks_late=True)
def check_capacity_ahead() -> dict:
    """Weighs every call due within CAPACITY_LOOKAHEAD_HOURS against the special areas again; keeps the warnings."""
    checked = capacity.calls_capacity_check(actor=system_user(), hours=settings.CAPACITY_LOOKAHEAD_HOURS)
    return {"checked": len(checked), "short": sum(1 for warnings in checked.values() if warnings)}
