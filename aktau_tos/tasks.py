from datetime import date

from celery import shared_task

from aktau_tos import services
from aktau_tos.reports.daily import daily_report_send


@shared_task
def purge_idempotency_records() -> int:
    return services.idempotency_records_purge()


@shared_task
def purge_api_tokens() -> int:
    return services.api_tokens_purge()


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def send_daily_report(day: str | None = None) -> str:
    """Nightly: sends the management report once per day; a failed send is retried (and shown in the admin)."""
    run = daily_report_send(day=date.fromisoformat(day) if day else None)
    return f"sent to {run.recipients}" if run else "already sent or being sent"
