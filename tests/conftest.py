import sys

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from aktau_tos import roles
from tests.factories.accounts import UserFactory

# --- Test tiers ---------------------------------------------------------------------------------------------------
# `make test-fast` leaves out the tests marked `system`: those that start programs or a live server. So that none
# slips in unmarked, a test that starts a process (seen through Python's audit events) or uses the live server
# without the mark fails.

_PROCESS_EVENTS = frozenset(
    {"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork", "os.forkpty"}
)


class _ProcessWatch:
    """An audit hook noting the processes started while a test (with its fixtures) runs."""

    def __init__(self) -> None:
        self.watching = False
        self.started: list[str] = []

    def __call__(self, event: str, args: tuple) -> None:
        if self.watching and event in _PROCESS_EVENTS and not _importing():
            self.started.append(f"{event} {next((str(arg) for arg in args[:2] if arg), '')}"[:200])


def _importing() -> bool:
    """A library may run a program once as it is first imported (matplotlib builds its font cache with fc-list):
    that is its set-up, not something the test does."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


_process_watch = _ProcessWatch()


def pytest_configure(config):
    sys.addaudithook(_process_watch)  # audit hooks cannot be removed: one for the run, switched on per test


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    _process_watch.watching, _process_watch.started = True, []
    try:
        return (yield)
    finally:
        _process_watch.watching = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.when == "teardown" and not item.get_closest_marker("system"):
        reasons = list(_process_watch.started)
        if "live_server" in item.fixturenames:
            reasons.append("the live_server fixture")
        if reasons:
            report.outcome = "failed"
            report.longrepr = (
                f"{item.nodeid} is not marked system but started a process or server: "
                + "; ".join(reasons)
                + ". Mark it @pytest.mark.system (make test-fast leaves those out)."
            )
    return report


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: speed, not safety


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # throttling counters live in the cache
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _the_installations_language():
    """Each test ends in the installation's language: the test client runs the locale middleware in the test's own
    thread, and the language a request activated would otherwise stay for the tests after it."""
    yield
    translation.deactivate()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user_with_role(db):
    """user_with_role("yard_clerk") -> a user in that role's group."""

    def make(*role_names: str, **fields):
        user = UserFactory(**fields)
        user.groups.add(*Group.objects.filter(name__in=role_names))
        return user

    return make


@pytest.fixture
def client_for(user_with_role):
    """client_for("driver") -> an APIClient authenticated with a token of a user in that role."""

    def make(*role_names: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user_with_role(*role_names))
        return client

    return make


@pytest.fixture
def operator(user_with_role):
    return user_with_role(roles.OPERATOR, is_staff=True)


@pytest.fixture
def clerk_client(client_for) -> APIClient:
    return client_for(roles.YARD_CLERK)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, holding the UN dangerous goods list from the start, as every seeded terminal does.

    Loading its ~2,900 entries (with their history) took a quarter of a second, in every test that needed it.
    At the end, ends the sessions left open by live-server threads, browser tests or subprocesses: they hold no
    locks (flushing between tests works), but the test database cannot be dropped while they exist. A run of tests
    that need no database (the rules on in-memory snapshots) creates none.
    """
    from dangerous_goods.reference import un_numbers_load

    with django_db_blocker.unblock():
        un_numbers_load()
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def un_list(db) -> int:
    """The UN dangerous goods list, as seed_aktau loads it: gate-ins with DG lines are checked against it.

    The database holds it from the start (django_db_setup); a transactional test's flush empties every table, so
    after one it is loaded again.
    """
    from dangerous_goods.models import UnNumber
    from dangerous_goods.reference import un_numbers_load

    return UnNumber.objects.count() or un_numbers_load()


@pytest.fixture
def customs_officer(user_with_role):
    return user_with_role(roles.CUSTOMS_OFFICER, is_staff=True)


@pytest.fixture
def browser_page():
    """A page in a headless Chromium (tests/browser.py), for the browser tests."""
    from tests.browser import browser_page_open

    yield from browser_page_open()
