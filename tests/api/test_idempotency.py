"""Every POST honours Idempotency-Key: a retry replays the first answer, another body is refused."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from aktau_tos import roles, services
from aktau_tos.api import ApiViewSet, IdempotentMixin, RoleMapMixin
from aktau_tos.models import IdempotentRequest
from aktau_tos.roles import RolePermission
from aktau_tos.views import TokenView
from tests.factories.yard import IsoSizeTypeFactory
from yard.models import Container

pytestmark = pytest.mark.django_db
BODY = {"number": "CSQU3054383", "iso_type": "22G1", "tare_kg": 2200}


def post(client, body, key):
    return client.post("/api/v1/containers/", body, HTTP_IDEMPOTENCY_KEY=str(key))


@pytest.fixture
def size_type():
    return IsoSizeTypeFactory()


def test_retry_replays_the_first_answer_and_changes_nothing(clerk_client, size_type):
    key = uuid.uuid4()
    first = post(clerk_client, BODY, key)
    history = Container.history.count()
    retry = post(clerk_client, BODY, key)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Container.objects.count() == 1
    assert Container.history.count() == history


def test_same_body_in_another_key_order_is_the_same_request(clerk_client, size_type):
    key = uuid.uuid4()
    post(clerk_client, BODY, key)
    reordered = dict(reversed(list(BODY.items())))
    assert post(clerk_client, reordered, key)["Idempotent-Replayed"] == "true"


def test_same_key_with_another_body_is_422(clerk_client, size_type):
    key = uuid.uuid4()
    post(clerk_client, BODY, key)
    response = post(clerk_client, {**BODY, "tare_kg": 2300}, key)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Container.objects.get().tare_kg == 2200


def test_the_query_string_is_not_part_of_the_request_identity(clerk_client, size_type):
    key = uuid.uuid4()
    post(clerk_client, BODY, key)
    retry = clerk_client.post("/api/v1/containers/?source=retry", BODY, HTTP_IDEMPOTENCY_KEY=str(key))
    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"


def test_a_refused_request_keeps_no_key_so_a_corrected_retry_runs(clerk_client, size_type):
    key = uuid.uuid4()
    refused = post(clerk_client, {**BODY, "iso_type": "ZZZZ"}, key)
    assert refused.status_code == 400
    assert not IdempotentRequest.objects.exists()
    assert post(clerk_client, BODY, key).status_code == 201


def test_keys_belong_to_their_user(client_for, size_type):
    key = uuid.uuid4()
    assert post(client_for(roles.YARD_CLERK), BODY, key).status_code == 201
    second = post(client_for(roles.OPERATOR), BODY, key)
    assert second.json()["code"] == "container_exists"  # executed for the second user, not replayed


def test_a_key_that_is_not_a_uuid_is_400(clerk_client, size_type):
    response = post(clerk_client, BODY, "retry-1")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Container.objects.exists()


def test_old_keys_are_purged(clerk_client, size_type, settings):
    post(clerk_client, BODY, uuid.uuid4())
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    assert services.idempotency_records_purge(now=timezone.now() + timedelta(hours=23)) == 0
    assert services.idempotency_records_purge(now=timezone.now() + timedelta(hours=25)) == 1


def test_purge_task_runs_the_service(clerk_client, size_type, settings):
    from aktau_tos.tasks import purge_idempotency_records

    post(clerk_client, BODY, uuid.uuid4())
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(days=30))
    assert purge_idempotency_records.apply().get() == 1
    assert "aktau_tos.tasks.purge_idempotency_records" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks: PostgreSQL")
def test_concurrent_duplicates_execute_once(user_with_role):
    IsoSizeTypeFactory()
    clerk = user_with_role(roles.YARD_CLERK)
    key, threads_count = uuid.uuid4(), 6
    barrier = threading.Barrier(threads_count)
    responses = []

    def send():
        client = APIClient()
        client.force_authenticate(clerk)
        barrier.wait()
        try:
            responses.append(post(client, BODY, key))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201] * threads_count
    assert sum(not r.has_header("Idempotent-Replayed") for r in responses) == 1
    assert len({r.content for r in responses}) == 1
    assert Container.objects.count() == 1
    assert Container.history.count() == 1


def _api_views():
    """(path, view class, initkwargs) of every endpoint under /api/v1/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield prefix + str(pattern.pattern), pattern.callback

    return [(path, callback) for path, callback in walk(get_resolver().url_patterns) if path.startswith("api/v1/")]


def test_every_endpoint_declares_its_roles_and_every_post_is_idempotent():
    views = _api_views()
    assert len(views) >= 4
    for path, callback in views:
        cls = callback.cls
        assert issubclass(cls, RoleMapMixin), path  # one base: ApiView or ApiViewSet
        if cls is TokenView:
            continue  # log-in: open to anyone, and naturally idempotent
        actions = getattr(callback, "actions", None) or {m: m for m in ("get", "post") if hasattr(cls, m)}
        for method, action in actions.items():
            assert action in cls.roles or "*" in cls.roles, (path, action)
            view = cls(**getattr(callback, "initkwargs", {}))
            view.action = action
            assert any(isinstance(p, RolePermission) and p.roles for p in view.get_permissions()), (path, method)
            if method == "post":
                assert isinstance(view, IdempotentMixin), path


def test_an_action_missing_from_the_role_map_is_a_configuration_error_not_an_open_door():
    class Forgetful(ApiViewSet):
        roles = {"list": ("operator",)}

        def create(self, request):
            raise AssertionError("never reached")

    view = Forgetful()
    view.action = "create"
    with pytest.raises(ImproperlyConfigured):
        view.get_permissions()
    view.action = "list"
    assert view.get_permissions()[0].roles == ("operator",)
