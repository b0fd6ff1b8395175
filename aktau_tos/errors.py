"""Domain errors: a rule said no. Each carries a stable `code` that API clients branch on.

This module imports nothing from the apps; each app defines its own subclasses in `<app>/errors.py`.
The API renders them as application/problem+json (see `aktau_tos.api`).
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code = "rule_violation"
    status = 409
    title = _("Operation not allowed")
    detail_template = _("The operation is not allowed.")
    errors: dict[str, list[str]] | None = None  # problems by field path, when a whole document is refused
    retry_after_seconds: int | None = None  # set when a retry will probably succeed: sent as Retry-After
    extra: dict | None = None  # more members of the problem body, for refusals that answer with a document
    # Most refusals leave nothing behind (the request's transaction is rolled back); a few did something the
    # client must know about and keep it: a move redirected to another place is one.
    keeps_changes = False

    def __init__(self, **context: object) -> None:
        self.context = context
        super().__init__(self.detail_template.format(**context))

    @property
    def detail(self) -> str:
        return str(self)


class LockTimeout(DomainError):
    """Another request holds the rows we need; the client should retry shortly."""

    code, title = "lock_timeout", _("Resource busy")
    detail_template = _("Another operation is changing {resource}; retry in a moment.")
    retry_after_seconds = 2


class DatabaseUnavailable(DomainError):
    """The database connection failed mid-request: nothing was committed, so a retry is safe."""

    code, status, title = "database_unavailable", 503, _("Service unavailable")
    detail_template = _("The database is not reachable right now; retry shortly with the same Idempotency-Key.")
    retry_after_seconds = 5


class ValueNotStorable(DomainError):
    """The database refused a value from the request that validation let through: a NUL character in a text,
    a number beyond the column's range. Bad input, so 400, whichever parameter or field carried it."""

    code, status, title = "invalid_value", 400, _("Invalid value")
    detail_template = _("A value in the request cannot be stored or compared (a NUL character, or out of range).")


class IdempotencyKeyReused(DomainError):
    code, status, title = "idempotency_key_reused", 422, _("Idempotency key reused")
    detail_template = _("Idempotency key {key} was already used for a different request.")


class IdempotencyKeyInvalid(DomainError):
    code, status, title = "invalid_idempotency_key", 400, _("Invalid idempotency key")
    detail_template = _("The Idempotency-Key header must be a UUID, got {key!r}.")
