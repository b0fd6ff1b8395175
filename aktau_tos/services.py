"""Project-wide services: API tokens and housekeeping of idempotency records."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aktau_tos.audit import audited
from aktau_tos.errors import DomainError
from aktau_tos.models import ApiToken, IdempotentRequest, UserPreference

TOKEN_TOUCH_INTERVAL = timedelta(minutes=5)  # last_used_at is informative: one write per device every few minutes


class InvalidCredentials(DomainError):
    code, status, title = "invalid_credentials", 401, _("Invalid credentials")
    detail_template = _("Unknown user name or wrong password.")


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_obtain(*, username: str, password: str, device: str = "", request: HttpRequest | None = None):
    """Logs a handheld in: returns (token, key), the key being shown to the device once and stored only as a digest.

    A named device's earlier tokens are revoked, so each handheld holds one live token and a retried
    log-in leaves exactly one. Inactive users are refused like wrong passwords.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise InvalidCredentials()
    # A token log-in is a log-in: last_login is updated and the lock-out's failure count resets.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    now = timezone.now()
    if device:
        for old in ApiToken.objects.filter(user=user, device=device, revoked_at__isnull=True):
            token_revoke(token=old, actor=user, now=now)
    key = secrets.token_urlsafe(30)
    expires_at = now + timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    token = ApiToken(user=user, device=device, digest=token_digest(key), expires_at=expires_at, last_used_at=now)
    audited(token, user).save()
    return token, key


def token_revoke(*, token: ApiToken, actor, now: datetime | None = None) -> None:
    """Logs a device out (the device itself, or an operator withdrawing a lost handheld)."""
    if token.revoked_at is None:
        token.revoked_at = now or timezone.now()
        audited(token, actor).save(update_fields=["revoked_at"])


def token_touch(token: ApiToken, *, now: datetime) -> None:
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # no history row: not a state change
        token.last_used_at = now


def api_tokens_purge(*, now: datetime | None = None) -> int:
    """Deletes tokens expired or revoked for longer than the retention; their history rows stay."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.API_TOKEN_RETENTION_DAYS)
    deleted, _ = ApiToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
    return deleted


def idempotency_records_purge(*, now=None) -> int:
    """Deletes idempotency records past their retention; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_RETENTION_HOURS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def user_language_set(*, user, language: str) -> UserPreference:
    """The user's own language ("" to follow the browser); recorded in the preference's history."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValueError(f"not a language of this installation: {language!r}")
    preference, _ = UserPreference.objects.get_or_create(user=user)
    if preference.language != language:
        preference.language = language
        audited(preference, user).save(update_fields=["language"])
    return preference
