"""Every state change names who made it: API, admin and tasks alike."""

import pytest

from aktau_tos import roles
from aktau_tos.audit import system_user
from tests.factories.yard import ContainerFactory, IsoSizeTypeFactory
from yard import services
from yard.models import Container

pytestmark = pytest.mark.django_db


def test_api_write_records_the_token_user(client_for):
    IsoSizeTypeFactory()
    client = client_for(roles.YARD_CLERK)
    response = client.post("/api/v1/containers/", {"number": "CSQU3054383", "iso_type": "22G1"})
    assert response.status_code == 201
    record = Container.history.get()
    assert record.history_user is not None
    assert record.history_user.groups.filter(name=roles.YARD_CLERK).exists()


def test_admin_edit_records_the_operator(client, operator):
    container = ContainerFactory(tare_kg=2200)
    client.force_login(operator)
    response = client.post(
        f"/admin/yard/container/{container.pk}/change/",
        {"number": container.number, "iso_type": container.iso_type_id, "tare_kg": 2250, "max_gross_kg": 30480},
    )
    assert response.status_code == 302, response.content
    latest = container.history.first()
    assert (latest.history_type, latest.tare_kg, latest.history_user) == ("~", 2250, operator)
    diff = latest.diff_against(latest.prev_record)
    assert [change.field for change in diff.changes] == ["tare_kg"]


def test_task_changes_are_attributed_to_the_system_user():
    IsoSizeTypeFactory()
    actor = system_user()
    container = services.container_register(number="MSKU2666542", iso_type="22G1", actor=actor)
    assert container.history.get().history_user == actor
    assert not actor.has_usable_password()
    assert system_user() == actor  # one account, however often tasks ask


def test_history_managers_are_built_once_and_still_answer_per_row():
    from django.apps import apps

    first, second = ContainerFactory(), ContainerFactory()
    assert type(first.history) is type(second.history) is type(Container.history)  # one class, not one per read
    assert [record.number for record in first.history.all()] == [first.number]
    assert Container.history.count() == 2
    historied = [model for model in apps.get_models() if hasattr(model._meta, "simple_history_manager_attribute")]
    assert len(historied) > 20 and all(type(model.history) is type(model.history) for model in historied)
