"""Row locks with a short wait: a busy row becomes LockTimeout (409 with Retry-After), not a hung request."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection

from aktau_tos.errors import LockTimeout

LOCK_TIMEOUT_MS = 3000
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout expiring


@contextmanager
def lock_wait(resource: str, timeout_ms: int = LOCK_TIMEOUT_MS) -> Iterator[None]:
    """Inside a transaction: wait at most timeout_ms for row locks taken in this block.

    The setting lasts until the (sub)transaction ends, so it is sent once per atomic block and timeout: a scanner
    request takes several locks in one block, one round trip instead of three. It is keyed on the innermost
    block because a savepoint rolled back also undoes a setting made inside it.
    """
    if connection.vendor == "postgresql":
        block = connection.atomic_blocks[-1] if connection.atomic_blocks else None
        done = getattr(connection, "_lock_timeout_set_in", None)  # (block, timeout); holding the block keeps its id
        if block is None or done is None or done[0] is not block or done[1] != timeout_ms:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{timeout_ms}ms"])
            connection._lock_timeout_set_in = (block, timeout_ms)
    try:
        yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise LockTimeout(resource=resource) from error
        raise
