"""lock_wait sends lock_timeout once per transaction, and again wherever a savepoint may have undone it."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aktau_tos.locking import lock_wait

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
