import os
import shutil
import sys

import pytest
import redis
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from aktau_tos import roles
from tests.factories.accounts import PASSWORD
from tests.factories.yard import BlockFactory, EquipmentFactory, IsoSizeTypeFactory, valid_number
from tests.faults.support import APP_NAME_PREFIX, WEB, Processes, answers, free_port, subprocess_env, wait_for
from yard import services
from yard.models import AccessPoint, Block, YardMove


@pytest.fixture
def processes(transactional_db, tmp_path):
    """Starts subprocesses; kills them all when the test ends, before the test database is flushed."""
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.kill_all()

        def gone() -> bool:  # a killed client's server backend ends when it reads the closed socket
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s", [APP_NAME_PREFIX + "%"]
                )
                return cursor.fetchone()[0] == 0

        wait_for(gone, timeout=30, what="the database connections of the killed processes to end")


@pytest.fixture
def redis_broker(processes) -> str:
    """A throwaway redis-server (no persistence) on a free port; its URL."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    port = free_port()
    processes.start(
        "redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        env={"PATH": os.environ.get("PATH", "")},
    )
    client = redis.Redis(host="127.0.0.1", port=port)

    def up() -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    wait_for(up, timeout=20, what="redis-server to answer")
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def web_server(processes):
    """web_server(**env) -> base URL of `gunicorn aktau_tos.wsgi` with two worker processes on the test database."""

    def start(**variables: str) -> str:
        port = free_port()
        env = subprocess_env(WEB, DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_DEBUG="false", **variables)
        args = [sys.executable, "-m", "gunicorn", "aktau_tos.wsgi", "--workers=2", f"--bind=127.0.0.1:{port}"]
        # No control socket: its default path is one per user, which parallel test runs would share.
        server = processes.start("gunicorn", [*args, "--timeout=60", "--no-control-socket"], env)
        base_url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            assert server.poll() is None, processes.log(server)
            return answers(f"{base_url}/api/v1/auth/me/")

        wait_for(ready, timeout=60, what="gunicorn to answer", interval=0.1)
        return base_url

    return start


@pytest.fixture
def web_user(user_with_role):
    """web_user(role) -> a user whose password the web processes can check.

    The tests' own hasher is MD5 (for speed); a separate process uses the project's settings, so the
    password is stored with Django's default hasher instead.
    """

    def make(*role_names: str):
        user = user_with_role(*role_names)
        hasher = PBKDF2PasswordHasher()
        user.password = hasher.encode(PASSWORD, hasher.salt())
        user.save(update_fields=["password"])
        return user

    return make


@pytest.fixture
def fault_yard(transactional_db) -> Block:
    """Block A (4 bays x 2 rows x 3 tiers) by the gate, worked by reach stacker RS-01."""
    IsoSizeTypeFactory()
    block = BlockFactory(code="A", x_m=0, y_m=100)
    AccessPoint.objects.create(kind=AccessPoint.Kind.GATE, x_m=0, y_m=0)
    EquipmentFactory(code="RS-01", blocks=[block])
    return block


@pytest.fixture
def clerk(user_with_role):
    return user_with_role(roles.YARD_CLERK)


@pytest.fixture
def gate_in(fault_yard, clerk):
    """gate_in(n) -> the planned move into the yard of a 20' box arriving by truck (container number n)."""

    def arrive(n: int) -> YardMove:
        return services.gate_in(
            container=valid_number(n),
            iso_type="22G1",
            freight_kind="full",
            gross_kg=20000,
            truck="045AKT12",
            actor=clerk,
        )

    return arrive
