"""Row locks with a short wait: a busy row becomes LockTimeout (409 with Retry-After), not a hung request."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection

from aktau_tos.errors import LockTimeout

LOCK_TIMEOUT_MS = 3000
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout expiring


@contextmanager
def lock_wait(resource: str, timeout_ms: int = LOCK_TIMEOUT_MS) -> Iterator[None]:
    """Inside a transaction: wait at most timeout_ms for row locks taken in this block."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{timeout_ms}ms"])
    try:
        yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise LockTimeout(resource=resource) from error
        raise
