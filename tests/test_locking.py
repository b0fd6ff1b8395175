"""lock_wait sends lock_timeout once per transaction, and again wherever a savepoint may have undone it."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aktau_tos.locking import lock_wait, on_commit_registered

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="lock_timeout is a PostgreSQL setting"),
]


def lock_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        return cursor.fetchone()[0]


def test_set_once_per_block_and_again_after_a_rolled_back_savepoint():
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            for _ in range(3):
                with lock_wait("a row"):
                    pass
        assert len(queries) == 1 and lock_timeout() == "3s"
        with pytest.raises(RuntimeError), transaction.atomic():
            with lock_wait("a row", timeout_ms=500):
                assert lock_timeout() == "500ms"
            raise RuntimeError("roll the savepoint back")
        assert lock_timeout() == "3s"  # the savepoint's setting went with it
        with transaction.atomic(), lock_wait("a row", timeout_ms=500):
            assert lock_timeout() == "500ms"  # a new block: set again, not taken for done
    with transaction.atomic(), lock_wait("a row"):
        assert lock_timeout() == "3s"  # another block sets its own


@transaction.atomic
def lock_timeout_in_a_decorated_block() -> str:
    with lock_wait("a row"):
        return lock_timeout()


@pytest.mark.django_db(transaction=True)  # real transactions, not savepoints inside the test's own
def test_a_decorated_block_sets_it_in_every_transaction():
    """transaction.atomic as a decorator enters one block object each call: the setting must not be taken as
    done from the transaction before (it was, and a completion's locks then waited without limit)."""
    assert lock_timeout_in_a_decorated_block() == "3s"
    assert lock_timeout() == "0"  # the transaction ended, and its setting with it
    assert lock_timeout_in_a_decorated_block() == "3s"


def test_django_keeps_on_commit_callbacks_as_lock_wait_reads_them():
    """lock_wait knows whether its lock_timeout still holds by finding its marker in Django's private
    connection.run_on_commit (on_commit_registered). Django documents that callbacks go with a rolled-back savepoint,
    not how it keeps them: if an upgrade changes that, this says so before a request hangs or fails on it."""

    def marker() -> None:
        pass

    def in_a_savepoint() -> None:
        pass

    def describe(entries) -> str:
        return (
            "Django changed connection.run_on_commit, which aktau_tos.locking.on_commit_registered reads: it was a "
            "list "
            "of (savepoint ids, callback, robust) tuples, a rolled-back savepoint's callbacks dropped from it (Django "
            f"4.2 to 5.2); it is now {entries!r}. Update on_commit_registered (and this test), or find another way to "
            "know whether lock_timeout still holds."
        )

    with transaction.atomic():
        transaction.on_commit(marker)
        entries = getattr(connection, "run_on_commit", None)
        assert isinstance(entries, list), describe(entries)
        ours = [entry for entry in entries if isinstance(entry, tuple) and marker in entry]
        assert len(ours) == 1, describe(entries)
        [entry] = ours
        assert len(entry) == 3 and isinstance(entry[0], set) and entry[1] is marker, describe(entries)
        assert isinstance(entry[2], bool), describe(entries)
        assert on_commit_registered(marker)
    assert on_commit_registered(marker), "a released savepoint keeps its callbacks until the transaction commits"
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(in_a_savepoint)
        assert on_commit_registered(in_a_savepoint)
        raise RuntimeError("roll the savepoint back")
    assert not on_commit_registered(in_a_savepoint), describe(connection.run_on_commit)
    assert on_commit_registered(marker)
