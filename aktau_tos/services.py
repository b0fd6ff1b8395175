"""Project-wide services: API tokens and housekeeping of idempotency records."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from aktau_tos.errors import DomainError
from aktau_tos.models import IdempotentRequest


class InvalidCredentials(DomainError):
    code, status, title = "invalid_credentials", 401, "Invalid credentials"
    detail_template = "Unknown user name or wrong password."


def token_obtain(*, username: str, password: str, request: HttpRequest | None = None) -> Token:
    """The user's API token, created on first use. Inactive users are refused like wrong passwords."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise InvalidCredentials()
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_revoke(*, user) -> None:
    """Logs a scanner out: its token stops working and the next log-in issues a new one."""
    Token.objects.filter(user=user).delete()


def idempotency_records_purge(*, now=None) -> int:
    """Deletes idempotency records past their retention; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted
