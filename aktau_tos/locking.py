"""Row locks with a short wait: a busy row becomes LockTimeout (409 with Retry-After), not a hung request."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import OperationalError, connection, transaction

from aktau_tos.errors import LockTimeout

LOCK_TIMEOUT_MS = 3000
_LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for lock_timeout expiring


@contextmanager
def lock_wait(resource: str, timeout_ms: int = LOCK_TIMEOUT_MS) -> Iterator[None]:
    """Inside a transaction: wait at most timeout_ms for row locks taken in this block.

    The setting lasts until the (sub)transaction ends, so it is sent once per transaction and timeout: a scanner
    request takes several locks in one transaction, one round trip instead of three. Whether it still holds is
    read off a do-nothing on-commit callback registered with it: Django drops that callback exactly when the
    setting goes (commit, rollback, or rollback of the savepoint it was made in). Atomic blocks cannot be the
    key: a function decorated with transaction.atomic enters the same block object in every transaction.
    """
    if connection.vendor == "postgresql":
        done = getattr(connection, "_lock_timeout_marker", None)  # (callback, timeout_ms) of the last setting
        if done is None or done[1] != timeout_ms or not on_commit_registered(done[0]):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{timeout_ms}ms"])
            if connection.in_atomic_block:
                marker = _lock_timeout_marker()
                transaction.on_commit(marker)
                connection._lock_timeout_marker = (marker, timeout_ms)
    try:
        yield
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
            raise LockTimeout(resource=resource) from error
        raise


def _lock_timeout_marker():
    def lock_timeout_was_set() -> None:  # runs on commit, when the setting has ended anyway
        pass

    return lock_timeout_was_set


def on_commit_registered(marker) -> bool:
    """Whether a callback given to transaction.on_commit is still due (not dropped with a rolled-back savepoint)."""
    # Django's private list of (savepoint ids, callback, robust): tests/test_locking.py fails, saying so, if it
    # changes. No public API tells whether a callback was dropped.
    return any(callback is marker for _savepoints, callback, _robust in connection.run_on_commit)
