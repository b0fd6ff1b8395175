"""Handheld tokens: one per device, expiring, revocable by the device or by an operator; log-in lock-out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aktau_tos import roles, services
from aktau_tos.models import ApiToken
from tests.api.test_conventions import assert_problem
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/token/"


def login(client, user, device="", password=PASSWORD):
    return client.post(LOGIN, {"username": user.username, "password": password, "device": device})


def authed(client, key):
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_only_a_digest_of_the_key_is_stored(api_client):
    user = UserFactory()
    key = login(api_client, user, "HH-01").json()["token"]
    token = ApiToken.objects.get(user=user)
    assert key not in {token.digest, token.device} and len(token.digest) == 64
    assert token.digest == services.token_digest(key)


def test_a_new_login_on_a_device_revokes_only_that_devices_old_token(api_client, user_with_role):
    user = user_with_role(roles.YARD_CLERK)
    first = login(api_client, user, "HH-01").json()["token"]
    other_device = login(api_client, user, "HH-02").json()["token"]
    second = login(api_client, user, "HH-01").json()["token"]
    assert first != second
    assert_problem(authed(api_client, first).get("/api/v1/auth/me/"), 401, "token_revoked")
    assert authed(api_client, second).get("/api/v1/auth/me/").status_code == 200
    assert authed(api_client, other_device).get("/api/v1/auth/me/").status_code == 200
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 2


def test_logout_ends_only_this_devices_token(api_client, user_with_role):
    user = user_with_role(roles.DRIVER)
    phone, handheld = login(api_client, user, "HH-01").json()["token"], login(api_client, user, "HH-02").json()["token"]
    assert authed(api_client, phone).delete(LOGIN).status_code == 204
    assert_problem(authed(api_client, phone).get("/api/v1/auth/me/"), 401, "token_revoked")
    assert authed(api_client, handheld).get("/api/v1/auth/me/").status_code == 200


def test_tokens_expire(api_client, user_with_role, settings):
    settings.API_TOKEN_TTL_HOURS = 12
    user = user_with_role(roles.DRIVER)
    answer = login(api_client, user, "HH-01").json()
    token = ApiToken.objects.get(user=user)
    assert token.expires_at - token.created_at == pytest.approx(timedelta(hours=12), abs=timedelta(seconds=5))
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(authed(api_client, answer["token"]).get("/api/v1/auth/me/"), 401, "token_expired")


def test_a_deactivated_users_token_stops_working(api_client, user_with_role):
    user = user_with_role(roles.DRIVER)
    key = login(api_client, user).json()["token"]
    user.is_active = False
    user.save()
    assert_problem(authed(api_client, key).get("/api/v1/auth/me/"), 401, "authentication_failed")


def test_last_use_is_recorded_without_a_write_per_request(api_client, user_with_role, django_assert_num_queries):
    user = user_with_role(roles.DRIVER)
    key = login(api_client, user).json()["token"]
    authed(api_client, key)
    with django_assert_num_queries(2):  # token with user, roles: no update within the touch interval
        api_client.get("/api/v1/auth/me/")
    stale = timezone.now() - services.TOKEN_TOUCH_INTERVAL - timedelta(seconds=1)
    ApiToken.objects.filter(user=user).update(last_used_at=stale)
    api_client.get("/api/v1/auth/me/")
    assert ApiToken.objects.get(user=user).last_used_at > stale


def test_operator_revokes_a_lost_handheld_in_the_admin(client, api_client, operator, user_with_role):
    clerk = user_with_role(roles.YARD_CLERK)
    lost, kept = login(api_client, clerk, "HH-13").json()["token"], login(api_client, clerk, "HH-14").json()["token"]
    client.force_login(operator)
    token = ApiToken.objects.get(device="HH-13")
    response = client.post(
        "/admin/aktau_tos/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert_problem(authed(api_client, lost).get("/api/v1/auth/me/"), 401, "token_revoked")
    assert authed(api_client, kept).get("/api/v1/auth/me/").status_code == 200
    revoked = ApiToken.history.filter(id=token.pk).latest("history_date")  # who revoked it, and when
    assert revoked.history_user == operator and revoked.revoked_at is not None


def test_a_clerk_cannot_revoke_tokens_in_the_admin(client, user_with_role):
    clerk = user_with_role(roles.YARD_CLERK, is_staff=True)
    client.force_login(clerk)
    assert client.get("/admin/aktau_tos/apitoken/").status_code == 403


def test_purge_deletes_long_expired_and_revoked_tokens_only(api_client, settings):
    settings.API_TOKEN_RETENTION_DAYS = 30
    user = UserFactory()
    for device in ["old-expired", "old-revoked", "live", "recently-revoked"]:
        login(api_client, user, device)
    long_ago = timezone.now() - timedelta(days=31)
    ApiToken.objects.filter(device="old-expired").update(expires_at=long_ago)
    ApiToken.objects.filter(device="old-revoked").update(revoked_at=long_ago)
    ApiToken.objects.filter(device="recently-revoked").update(revoked_at=timezone.now())
    assert services.api_tokens_purge() == 2
    assert set(ApiToken.objects.values_list("device", flat=True)) == {"live", "recently-revoked"}


class TestLockout:
    def test_api_login_locks_after_repeated_failures_for_that_user_and_address(self, api_client, settings):
        settings.AXES_FAILURE_LIMIT = 3
        user, bystander = UserFactory(), UserFactory()
        statuses = [login(api_client, user, password="guess").status_code for _ in range(3)]
        assert statuses[:2] == [401, 401]
        body = assert_problem(login(api_client, user), 429, "login_locked")  # even the right password now
        assert "minutes" in body["detail"]
        assert login(api_client, bystander).status_code == 200  # other user names are not locked

    def test_a_success_resets_the_count(self, api_client, settings):
        settings.AXES_FAILURE_LIMIT = 3
        user = UserFactory()
        for _ in range(2):
            login(api_client, user, password="guess")
        assert login(api_client, user).status_code == 200
        for _ in range(2):
            assert login(api_client, user, password="guess").status_code == 401

    def test_admin_login_locks_too(self, client, operator, settings):
        settings.AXES_FAILURE_LIMIT = 3
        form = {"username": operator.username, "password": "guess"}
        for _ in range(3):
            client.post("/admin/login/", form)
        response = client.post("/admin/login/", {**form, "password": PASSWORD})
        assert response.status_code == 429
        assert b"Log-in locked" in response.content
        assert "_auth_user_id" not in client.session


class TestContentSecurityPolicy:
    def test_admin_pages_forbid_inline_code(self, client, operator):
        client.force_login(operator)
        for path in ["/admin/", "/admin/yard/block/map/", "/admin/yard/yardmove/board/"]:
            policy = client.get(path)["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
            assert "unsafe-inline" not in policy, path
            assert "frame-ancestors 'none'" in policy, path

    def test_our_templates_carry_no_inline_styles_or_scripts(self):
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        templates = [p for app in ["aktau_tos", "yard", "rail", "customs", "dangerous_goods"]
                     for p in (root / app / "templates" / "admin").rglob("*.html")]  # fmt: skip
        assert templates
        for template in templates:
            text = template.read_text()
            for forbidden in ["style=", "<style", "onclick=", "<script>"]:
                assert forbidden not in text, f"{template.name}: {forbidden}"
