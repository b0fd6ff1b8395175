import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from aktau_tos import roles
from tests.factories.accounts import UserFactory


@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(django_db_setup, django_db_blocker):
    """At the end of the run, ends sessions left open by live-server threads, browser tests or subprocesses.

    They hold no locks (flushing between tests works), but the test database cannot be dropped while they exist.
    """
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # tests only: speed, not safety


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # throttling counters live in the cache
    yield
    cache.clear()


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


@pytest.fixture
def un_list(db) -> int:
    """The UN dangerous goods list, as seed_aktau loads it: gate-ins with DG lines are checked against it."""
    from dangerous_goods.reference import un_numbers_load

    return un_numbers_load()


@pytest.fixture
def customs_officer(user_with_role):
    return user_with_role(roles.CUSTOMS_OFFICER, is_staff=True)
