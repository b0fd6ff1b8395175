"""What the API fuzzer (test_fuzz.py) found, each pinned by the request that showed it, fuzzer or not."""

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from aktau_tos.roles import ALL_ROLES, YARD_CLERK
from tests.api.test_conventions import assert_problem

pytestmark = pytest.mark.django_db
HUGE = "9" * 25  # beyond PostgreSQL's bigint


@pytest.fixture
def everyone(client_for):
    client = client_for(*ALL_ROLES)
    client.raise_request_exception = False  # a crash must show as the 500 a scanner would get, not as a raise
    return client


class TestIdsInPaths:
    """Ids that are not numbers crashed in int(pk) with a 500; they are now unknown paths like any other."""

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("post", "/api/v1/yard/moves/null/complete/"),
            ("post", "/api/v1/yard/moves/abc/start/"),
            ("post", "/api/v1/yard/moves/-1/cancel/"),
            ("post", "/api/v1/yard/holds/\x1b9/release/"),
            ("post", "/api/v1/customs/holds/false/release/"),
            ("post", "/api/v1/customs/declarations/1.5/release/"),
            ("post", "/api/v1/customs/inspections/null/result/"),
            ("post", "/api/v1/customs/inspections/false/photos/"),
            ("post", "/api/v1/rail/visits/null/load/"),
            ("post", "/api/v1/rail/visits/abc/plan/"),
            ("post", "/api/v1/rail/visits/abc/depart/"),
            ("post", "/api/v1/rail/visits/abc/check-in/"),
            ("get", "/api/v1/yard/moves/abc/"),
            ("get", "/api/v1/rail/visits/abc/consist/"),
        ],
    )
    def test_a_non_numeric_id_is_404(self, everyone, settings, method, path):
        settings.DEBUG = False  # Django's own 404 page for unknown paths is problem+json only without DEBUG
        assert_problem(getattr(everyone, method)(path, {}, format="json"), 404, "not_found")

    @pytest.mark.parametrize(
        ("method", "path", "code"),
        [
            ("get", f"/api/v1/yard/moves/{HUGE}/", "move_not_found"),
            ("post", f"/api/v1/yard/moves/{HUGE}/start/", "move_not_found"),
            ("post", f"/api/v1/yard/holds/{HUGE}/release/", "hold_not_found"),
            ("post", f"/api/v1/customs/declarations/{HUGE}/release/", "declaration_not_found"),
            ("post", f"/api/v1/rail/visits/{HUGE}/depart/", "train_not_found"),
            ("get", f"/api/v1/rail/visits/{HUGE}/", "not_found"),
        ],
    )
    def test_an_id_beyond_bigint_is_not_found(self, everyone, method, path, code):
        assert_problem(getattr(everyone, method)(path, {}, format="json"), 404, code)

    def test_ids_stay_integers_in_the_schema(self, schema):
        parameters = schema["paths"]["/api/v1/yard/moves/{id}/complete/"]["post"]["parameters"]
        assert {"in": "path", "name": "id", "type": "integer"} in [
            {"in": p["in"], "name": p["name"], "type": p["schema"]["type"]} for p in parameters
        ]


class TestMethodsAMoveDoesNotHave:
    """TRACE, PUT, DELETE on a move crashed in get_permissions (no action for the method): a 500 for any caller."""

    @pytest.mark.parametrize("method", ["trace", "put", "patch", "delete"])
    def test_405_for_a_role(self, everyone, method):
        assert_problem(getattr(everyone, method)("/api/v1/yard/moves/1/"), 405, "method_not_allowed")

    def test_401_without_a_token(self, api_client):
        assert_problem(api_client.delete("/api/v1/yard/moves/1/complete/"), 401, "not_authenticated")


class TestValuesTheDatabaseRefuses:
    """A NUL character in ?equipment= reached PostgreSQL unchecked: DataError, 500."""

    def test_nul_in_the_equipment_filter_is_400(self, client_for):
        call_command("seed_aktau", verbosity=0)
        client = client_for(YARD_CLERK)
        assert client.get("/api/v1/yard/moves/?equipment=RS-01").status_code == 200
        body = assert_problem(client.get("/api/v1/yard/moves/?equipment=RS%0001"), 400, "invalid_value")
        assert "NUL" in body["detail"]

    def test_any_data_error_is_a_400_problem(self, client_for, monkeypatch):
        from django.db import DataError

        from yard import selectors

        def refused(**kwargs):
            raise DataError("integer out of range")

        monkeypatch.setattr(selectors, "moves_queue", refused)
        body = assert_problem(client_for(YARD_CLERK).get("/api/v1/yard/moves/"), 400, "invalid_value")
        assert "integer out of range" not in body["detail"]  # the database's words stay in the log


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


class TestDocumentedAsTheyAnswer:
    """The schema said the work queue and the consist were pages ({count, results}); they are plain lists."""

    @pytest.mark.parametrize("path", ["/api/v1/yard/moves/", "/api/v1/rail/visits/{id}/consist/"])
    def test_plain_lists_are_documented_as_arrays(self, schema, path):
        operation = schema["paths"][path]["get"]
        assert operation["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
        assert "page" not in {parameter["name"] for parameter in operation.get("parameters", [])}

    def test_the_work_queue_answers_a_list(self, clerk_client):
        assert clerk_client.get("/api/v1/yard/moves/").json() == []

    def test_the_consist_pdf_is_documented(self, schema):
        operation = schema["paths"]["/api/v1/rail/visits/{id}/consist/"]["get"]
        assert "application/pdf" in operation["responses"]["200"]["content"]
        assert "as" in {parameter["name"] for parameter in operation["parameters"]}

    def test_errors_are_documented_as_problems(self, schema):
        """Every operation lists the problems it can answer (it listed only its success before)."""
        assert schema["components"]["schemas"]["Problem"]["required"] == ["code", "detail", "status", "title", "type"]
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                documented = set(operation["responses"])
                assert {"401", "404", "503"} <= documented, (method, path)
                problem = operation["responses"]["401"]["content"]["application/problem+json"]["schema"]
                assert problem == {"$ref": "#/components/schemas/Problem"}
                if method == "post" and "Idempotency-Key" in str(operation.get("parameters")):
                    assert {"400", "403", "409", "422"} <= documented, (method, path)

    def test_the_log_in_documents_throttling_but_no_role_refusal(self, schema):
        documented = set(schema["paths"]["/api/v1/auth/token/"]["post"]["responses"])
        assert "429" in documented and "403" not in documented
