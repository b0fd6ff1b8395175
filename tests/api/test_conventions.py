"""API conventions of docs/api/scanner.md: problem+json errors with stable codes, auth, pagination, schema."""

import pytest
from django.core.management import call_command
from django.test import Client

from aktau_tos import roles
from tests.factories.accounts import PASSWORD, UserFactory
from tests.factories.yard import ContainerFactory, IsoSizeTypeFactory

pytestmark = pytest.mark.django_db
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_FIELDS
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"urn:aktau-tos:problem:{code}"
    return body


class TestErrors:
    def test_invalid_container_number_is_400(self, clerk_client):
        body = assert_problem(clerk_client.get("/api/v1/containers/CSQU3054384/"), 400, "invalid_container_number")
        assert "check digit should be 3" in body["detail"]

    def test_unknown_container_is_404(self, clerk_client):
        body = assert_problem(clerk_client.get("/api/v1/containers/CSQU3054383/"), 404, "container_not_found")
        assert "CSQU3054383" in body["detail"]

    def test_no_token_is_401(self, api_client):
        assert_problem(api_client.get("/api/v1/containers/CSQU3054383/"), 401, "not_authenticated")

    def test_bad_token_is_401(self, api_client):
        api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
        assert_problem(api_client.get("/api/v1/containers/"), 401, "authentication_failed")

    def test_wrong_role_is_403(self, client_for):
        body = {"number": "CSQU3054383", "iso_type": "22G1"}
        assert_problem(client_for(roles.DRIVER).post("/api/v1/containers/", body, format="json"), 403,
                       "permission_denied")  # fmt: skip

    def test_field_errors_are_listed(self, clerk_client):
        response = clerk_client.post("/api/v1/containers/", {"iso_type": "22G1", "tare_kg": "heavy"}, format="json")
        body = assert_problem(response, 400, "invalid")
        assert set(body["errors"]) == {"number", "tare_kg"}
        assert all(isinstance(message, str) for messages in body["errors"].values() for message in messages)

    def test_malformed_json_is_400(self, clerk_client):
        response = clerk_client.generic("POST", "/api/v1/containers/", "{not json", content_type="application/json")
        assert_problem(response, 400, "parse_error")

    def test_wrong_media_type_is_415(self, clerk_client):
        response = clerk_client.generic("POST", "/api/v1/containers/", "number=1", content_type="text/plain")
        assert_problem(response, 415, "unsupported_media_type")

    def test_wrong_method_is_405(self, clerk_client):
        assert_problem(clerk_client.delete("/api/v1/containers/"), 405, "method_not_allowed")

    # Django answers these itself, before or after any API view; in DEBUG (make run) with its HTML pages.
    @pytest.mark.parametrize("debug", [False, True])
    def test_unknown_api_path_is_problem_json(self, settings, debug):
        settings.DEBUG = debug
        body = assert_problem(Client().get("/api/v1/no-such-thing/"), 404, "not_found")
        assert "/api/v1/no-such-thing/" in body["detail"]

    @pytest.mark.parametrize("debug", [False, True])
    def test_an_oversized_body_is_413_and_registers_nothing(self, settings, debug, clerk_client):
        settings.DEBUG = debug
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        IsoSizeTypeFactory()
        body = '{"number": "CSQU3054383", "iso_type": "22G1", "note": "%s"}' % ("x" * 2000)
        clerk_client.raise_request_exception = False
        response = clerk_client.generic("POST", "/api/v1/containers/", body, content_type="application/json")
        problem = assert_problem(response, 413, "payload_too_large")
        assert "1000" in problem["detail"]
        assert clerk_client.get("/api/v1/containers/CSQU3054383/").status_code == 404

    def test_a_body_within_the_limit_is_read(self, settings, clerk_client):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        IsoSizeTypeFactory()
        response = clerk_client.post("/api/v1/containers/", {"number": "CSQU3054383", "iso_type": "22G1"})
        assert response.status_code == 201

    def test_pages_outside_the_api_keep_their_html(self, settings):
        settings.DEBUG = False
        response = Client().get("/no-such-page/")
        assert (response.status_code, response["Content-Type"].split(";")[0]) == (404, "text/html")

    @pytest.mark.parametrize("debug", [False, True])
    def test_server_error_under_api_is_problem_json(self, settings, monkeypatch, clerk_client, debug):
        from yard import selectors

        settings.DEBUG = debug

        def broken(**kwargs):
            raise RuntimeError("database on fire")

        monkeypatch.setattr(selectors, "container_get_by_number", broken)
        clerk_client.raise_request_exception = False
        body = assert_problem(clerk_client.get("/api/v1/containers/CSQU3054383/"), 500, "server_error")
        assert "fire" not in body["detail"]  # internals never leak to the scanner


class TestAuth:
    @pytest.mark.parametrize("word", ["Token", "Bearer", "bearer"])
    def test_the_token_is_accepted_after_token_or_bearer(self, api_client, user_with_role, word):
        user = user_with_role(roles.YARD_CLERK)
        key = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"{word} {key['token']}")
        assert api_client.get("/api/v1/auth/me/").json()["username"] == user.username

    @pytest.mark.parametrize("header", ["Bearer not-a-token", "Bearer", "Token two words"])
    def test_a_bad_token_header_is_401(self, api_client, header):
        api_client.credentials(HTTP_AUTHORIZATION=header)
        assert_problem(api_client.get("/api/v1/auth/me/"), 401, "authentication_failed")

    def test_another_scheme_is_not_taken_for_a_token(self, api_client):
        api_client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
        assert_problem(api_client.get("/api/v1/auth/me/"), 401, "not_authenticated")

    def test_token_for_right_credentials_and_it_works(self, api_client, user_with_role):
        user = user_with_role(roles.YARD_CLERK)
        response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 200
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        me = api_client.get("/api/v1/auth/me/")
        assert me.json() == {"username": user.username, "roles": [roles.YARD_CLERK]}

    def test_login_answers_token_device_and_expiry(self, api_client, settings):
        user = UserFactory()
        body = {"username": user.username, "password": PASSWORD, "device": "HH-07"}
        answer = api_client.post("/api/v1/auth/token/", body).json()
        assert answer.keys() == {"token", "device", "expires_at"}
        assert answer["device"] == "HH-07"

    @pytest.mark.parametrize(
        ("password", "status", "code"), [("wrong", 401, "invalid_credentials"), ("", 400, "invalid")]
    )
    def test_wrong_or_missing_credentials(self, api_client, password, status, code):
        user = UserFactory()
        response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": password})
        body = assert_problem(response, status, code)
        if code == "invalid":  # a blank password is a field error, never checked against the user's
            assert set(body["errors"]) == {"password"}

    def test_wrong_password_is_401_invalid_credentials(self, api_client):
        user = UserFactory()
        response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "nope"})
        assert_problem(response, 401, "invalid_credentials")

    def test_inactive_user_gets_no_token(self, api_client):
        user = UserFactory(is_active=False)
        response = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
        assert_problem(response, 401, "invalid_credentials")

    def test_logout_revokes_the_token(self, api_client, user_with_role):
        user = user_with_role(roles.DRIVER)
        token = api_client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
        assert api_client.delete("/api/v1/auth/token/").status_code == 204
        assert_problem(api_client.get("/api/v1/auth/me/"), 401, "token_revoked")

    def test_token_endpoint_is_throttled_per_address(self, api_client):
        users = UserFactory.create_batch(11)  # one guess each: the per-user lock-out stays out of the way
        statuses = [
            api_client.post("/api/v1/auth/token/", {"username": user.username, "password": "guess"}).status_code
            for user in users
        ]
        assert statuses[:10] == [401] * 10
        response = api_client.post("/api/v1/auth/token/", {"username": users[0].username, "password": PASSWORD})
        assert_problem(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0


class TestPermissions:
    @pytest.mark.parametrize("role", roles.ALL_ROLES)
    def test_every_role_reads_containers(self, client_for, role):
        container = ContainerFactory()
        assert client_for(role).get(f"/api/v1/containers/{container.number}/").status_code == 200

    @pytest.mark.parametrize(
        ("role", "status"),
        [(roles.OPERATOR, 201), (roles.YARD_CLERK, 201), (roles.DRIVER, 403), (roles.CUSTOMS_OFFICER, 403),
         (roles.DG_OFFICER, 403), (roles.MANAGER, 403)],
    )  # fmt: skip
    def test_only_operators_and_clerks_register_containers(self, client_for, role, status):
        IsoSizeTypeFactory()
        response = client_for(role).post("/api/v1/containers/", {"number": "CSQU3054383", "iso_type": "22G1"})
        assert response.status_code == status

    def test_a_user_without_a_role_is_refused(self, api_client):
        api_client.force_authenticate(UserFactory())
        assert_problem(api_client.get("/api/v1/containers/"), 403, "permission_denied")

    def test_roles_exist_as_groups_with_admin_permissions(self):
        from django.contrib.auth.models import Group

        groups = {group.name: group for group in Group.objects.prefetch_related("permissions__content_type")}
        assert set(roles.ALL_ROLES) <= groups.keys()
        operator = {p.codename for p in groups[roles.OPERATOR].permissions.all()}
        manager = {p.codename for p in groups[roles.MANAGER].permissions.all()}
        assert {"view_container", "add_container", "change_container"} <= operator
        assert "view_container" in manager
        assert not any(codename.startswith(("add_", "change_", "delete_")) for codename in manager)
        assert not groups[roles.DRIVER].permissions.exists()


class TestContainerEndpoints:
    def test_detail_has_the_contract_fields(self, clerk_client):
        ContainerFactory(number="CSQU3054383")
        response = clerk_client.get("/api/v1/containers/csqu%20305438%203/")
        assert response.status_code == 200
        body = response.json()
        assert {"number", "iso_type", "status", "position", "holds", "dangerous_goods", "visit"} <= body.keys()
        assert (body["number"], body["iso_type"], body["holds"]) == ("CSQU3054383", "22G1", [])

    def test_register_accepts_a_legacy_type_code(self, clerk_client):
        IsoSizeTypeFactory(code="45G1", length_ft=40, length_mm=12192, height_mm=2896)
        from yard.models import IsoTypeAlias

        IsoTypeAlias.objects.create(alias="4510", iso_type_id="45G1")
        response = clerk_client.post("/api/v1/containers/", {"number": "tcnu 720079 4", "iso_type": "4510"})
        assert response.status_code == 201
        assert (response.json()["number"], response.json()["iso_type"]) == ("TCNU7200794", "45G1")

    def test_register_an_existing_container_is_409(self, clerk_client):
        container = ContainerFactory()
        response = clerk_client.post("/api/v1/containers/", {"number": container.number, "iso_type": "22G1"})
        assert_problem(response, 409, "container_exists")

    def test_register_with_unknown_type_is_400(self, clerk_client):
        response = clerk_client.post("/api/v1/containers/", {"number": "CSQU3054383", "iso_type": "ZZZZ"})
        assert_problem(response, 400, "invalid_iso_type")

    def test_list_is_paginated_and_filtered(self, clerk_client):
        ContainerFactory.create_batch(3)
        reefer = IsoSizeTypeFactory(code="45R1", length_ft=40, group="R", type_code="R1")
        ContainerFactory.create_batch(2, iso_type=reefer)
        response = clerk_client.get("/api/v1/containers/?group=R&page_size=1")
        body = response.json()
        assert (body["count"], len(body["results"])) == (2, 1)
        assert body["next"] is not None

    def test_list_query_count_does_not_grow_with_the_page(self, clerk_client, django_assert_num_queries):
        ContainerFactory.create_batch(30)
        # session-less token auth is forced here: 1 count + 1 page (the size/type joined in) + 1 role lookup + their
        # open stays (none here, so their positions and holds are not asked for)
        with django_assert_num_queries(4):
            response = clerk_client.get("/api/v1/containers/?page_size=30")
        assert len(response.json()["results"]) == 30


class TestSchema:
    def test_schema_is_valid_and_documents_the_conventions(self, tmp_path):
        out = tmp_path / "schema.yaml"
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
        text = out.read_text()
        assert "/api/v1/containers/{number}/" in text
        assert "Idempotency-Key" in text
        assert "Roles: operator, yard_clerk." in text

    def test_every_operation_is_grouped_by_its_area(self, client):
        schema = client.get("/api/schema/?format=json").json()
        tags = {
            path: operation["tags"] for path, item in schema["paths"].items() for operation in item.values()
        }  # fmt: skip
        assert all(len(names) == 1 for names in tags.values())
        assert tags["/api/v1/auth/token/"] == ["Log-in"]
        assert tags["/api/v1/containers/{number}/"] == ["Yard"]
        assert {names[0] for names in tags.values()} == {tag["name"] for tag in schema["tags"]} == {
            "Log-in", "Yard", "Rail", "Vessels", "Customs", "Dangerous goods", "EDI",
        }  # fmt: skip

    def test_schema_and_docs_are_served_without_outside_assets(self, client):
        assert client.get("/api/schema/").status_code == 200
        docs = client.get("/api/docs/")
        assert docs.status_code == 200
        html = docs.content.decode()
        assert "drf_spectacular_sidecar" in html
        assert "cdn." not in html and "unpkg" not in html
