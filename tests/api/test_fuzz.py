"""API fuzzing (issue #9): schemathesis generates requests from our own OpenAPI schema and sends them to the WSGI
application in-process, as a user who holds every role, against the Aktau layout and a little traffic.

Every answer must: not be a 5xx; have a documented status, content type, headers and body; refuse a request
without a usable token; and, when it is an error, be application/problem+json with type, title, status, detail
and code. Each generated request runs in a savepoint that is rolled back, so no example sees another's writes
and a failure replays the same way.

`make test` runs a bounded subset: schemathesis's coverage phase (boundary values and wrong types for every
parameter and field, deterministic) plus FUZZ_EXAMPLES random requests per operation (default 10), derandomised
so CI is reproducible. A longer run raises the number (`make check-all` runs 200):

    FUZZ_EXAMPLES=200 scripts/with-postgres .venv/bin/python -m pytest tests/api/test_fuzz.py -p no:cacheprovider

An operation can be picked with -k, e.g. -k "POST and gate-in".
"""

import os

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks as openapi_checks
from stdnum.iso6346 import calc_check_digit

from aktau_tos.api import PROBLEM_CONTENT_TYPE
from aktau_tos.roles import ALL_ROLES
from aktau_tos.wsgi import application
from tests.factories.accounts import PASSWORD, UserFactory

pytestmark = pytest.mark.system  # thousands of generated requests: the slow tier
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}

# Loaded at collection from the application itself, as a client would: the test settings allow no host yet.
with override_settings(ALLOWED_HOSTS=["localhost"]):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

# Left out on purpose, each for a reason (everything else in the schema is fuzzed):
# - DELETE /auth/token/ revokes the token the fuzzer is logged in with, so every later request would be a 401.
schema = schema.exclude(method="DELETE", path="/api/v1/auth/token/")

# What the seeded traffic created, filled in by `fuzz_token` before any request is generated. Path ids and the
# body fields that name things are drawn from here half of the time, so requests get past "not found" and
# "invalid container number" into the services; the other half stays as generated.
KNOWN: dict[str, list] = {}
RESOURCES = {  # path prefix -> the KNOWN list its {id} comes from
    "/api/v1/yard/moves/": "moves",
    "/api/v1/yard/holds/": "holds",
    "/api/v1/customs/holds/": "customs_holds",
    "/api/v1/customs/declarations/": "declarations",
    "/api/v1/customs/inspections/": "inspections",
    "/api/v1/rail/visits/": "trains",
}
# Valid ISO 6346 numbers nobody has seen yet: registrations that succeed, look-ups that are 404.
NEW_CONTAINERS = st.from_regex(r"[A-Z]{3}U[0-9]{6}", fullmatch=True).map(lambda body: body + calc_check_digit(body))


def _containers():
    return st.one_of(st.sampled_from(KNOWN["containers"]), NEW_CONTAINERS)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    if "number" in path_parameters:
        return st.one_of(st.just(path_parameters), _containers().map(lambda number: {"number": number}))
    key = next((key for prefix, key in RESOURCES.items() if context.operation.path.startswith(prefix)), None)
    if key is None or "id" not in path_parameters:
        return st.just(path_parameters)
    known = st.sampled_from(KNOWN[key]).map(lambda pk: {**path_parameters, "id": pk})
    return st.one_of(st.just(path_parameters), known)


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    fields = {
        "container": _containers(),
        "position": st.sampled_from(KNOWN["positions"]),
        "to": st.sampled_from(KNOWN["positions"]),
        "iso_type": st.sampled_from(["22G1", "45G1", "45R1", "4510"]),
    }
    if context.operation.path == "/api/v1/containers/":
        fields["number"] = _containers()
    known = {name: strategy for name, strategy in fields.items() if name in body}
    if not known:
        return st.just(body)
    return st.one_of(st.just(body), st.fixed_dictionaries(known).map(lambda values: {**body, **values}))


@pytest.fixture(scope="module")
def fuzz_token(django_db_setup, django_db_blocker):
    """The layout and some traffic for the whole module, rolled back at its end, and the fuzzer's token."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_aktau", verbosity=0)
        user = UserFactory()
        user.groups.add(*Group.objects.filter(name__in=ALL_ROLES))
        client = APIClient()
        # Through the API, as a handheld logs in: how tokens are stored is not this test's business.
        response = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 200, response.content
        token = response.json()["token"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        KNOWN.update(_seed_traffic(client))
        yield token
        KNOWN.clear()
        transaction.set_rollback(True)


def _post(client: APIClient, path: str, body: dict | None = None) -> dict:
    response = client.post(path, body or {}, format="json")
    assert response.status_code in (200, 201), (path, response.content)
    return response.json()


def _seed_traffic(client: APIClient) -> dict[str, list]:
    """Trucks and a train arrive, a box is stacked, holds, declarations and an inspection: each through the API."""
    stacked = _post(client, "/api/v1/yard/gate-in/", {
        "container": "CSQU3054383", "iso_type": "22G1", "gross_kg": 21000, "freight_kind": "full", "truck": "045AKT12",
        "category": "import",
    })  # fmt: skip
    done = _post(client, f"/api/v1/yard/moves/{stacked['move']['id']}/complete/",
                 {"container": stacked["container"], "position": stacked["move"]["to"]})  # fmt: skip
    waiting = _post(client, "/api/v1/yard/gate-in/", {
        "container": "TCNU7200794", "iso_type": "45G1", "gross_kg": 26000, "freight_kind": "full", "truck": "045AKT13",
    })  # fmt: skip
    dangerous = _post(client, "/api/v1/yard/gate-in/", {
        "container": "GYOU4047990", "iso_type": "22G1", "gross_kg": 18000, "freight_kind": "full", "truck": "045AKT14",
        "dangerous_goods": [{"un_number": "1203", "class": "3", "packing_group": "II"}],
    })  # fmt: skip
    train = _post(client, "/api/v1/rail/visits/", {
        "train_number": "KZ-2401", "direction": "inbound", "line": "L1", "origin": "Altynkol", "wagons": [
            {"number": "42543215", "position": 1, "containers": [
                {"number": "MSKU2666542", "iso_type": "22G1", "gross_kg": 20000, "seal": "CN001"},
                {"number": "MRKU4976720", "iso_type": "22G1", "gross_kg": 19000, "seal": "CN002"},
            ]},
        ],
    })  # fmt: skip
    terminal_hold = _post(client, "/api/v1/yard/holds/", {"container": "TCNU7200794", "kind": "damage"})
    customs_hold = _post(client, "/api/v1/customs/holds/",
                         {"container": "GYOU4047990", "kind": "documents", "reason": "invoice missing"})  # fmt: skip
    declaration = _post(client, "/api/v1/customs/declarations/", {
        "number": "10005020/010125/0000001", "procedure": "import", "containers": ["CSQU3054383"],
    })  # fmt: skip
    inspection = _post(client, "/api/v1/customs/inspections/", {"container": "CSQU3054383", "kind": "scan"})
    _post(client, "/api/v1/dangerous-goods/declarations/", {
        "container": "GYOU4047990", "lines": [{"un_number": "1203", "class": "3", "packing_group": "II"}],
    })  # fmt: skip
    return {
        "containers": ["CSQU3054383", "tcnu 720079 4", "GYOU4047990", "MSKU2666542", "MRKU4976720"],
        "positions": [done["position"], waiting["move"]["to"], dangerous["move"]["to"], "GATE"],
        "moves": [done["id"], waiting["move"]["id"], dangerous["move"]["id"], *(m["id"] for m in train["moves"])],
        "holds": [terminal_hold["id"]],
        "customs_holds": [customs_hold["id"]],
        "declarations": [declaration["id"]],
        "inspections": [inspection["id"]],
        "trains": [train["id"]],
    }


@pytest.fixture
def in_process_requests(settings):
    """Requests go to the WSGI handler in this thread, inside the test's transaction. Django's test client keeps
    the database connection open across a request; a bare WSGI handler closes it at the request's start and end,
    which would end that transaction, so the same two signal handlers are disconnected here."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # the host schemathesis's WSGI client sends
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def problem_json(ctx, response, case) -> None:
    """Every error is application/problem+json with the five members, its status repeated in the body."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == PROBLEM_CONTENT_TYPE, f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict) and body.keys() >= PROBLEM_FIELDS, f"not a problem: {body!r}"
    assert body["status"] == response.status_code, f"status {body['status']} in a {response.status_code} answer"
    assert body["type"] == f"urn:aktau-tos:problem:{body['code']}", body


CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.ignored_auth,  # a 2xx is re-sent without the token and with a made-up one: both must be refused
    openapi_checks.unsupported_method,  # methods a path does not have: 405, problem+json
    openapi_checks.allow_header_conformance,
    openapi_checks.missing_required_header,
    problem_json,
]
# Not checked: negative_data_rejection and positive_data_acceptance. Query strings are lenient by design (an
# unusable page_size falls back to the default, an empty `format` means JSON), and a schema cannot express every
# rule we check (an ISO 6346 check digit), so "valid by the schema" is not "accepted".


@schema.parametrize()
@hypothesis.settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI failures reproduce
    database=None,  # no example database: what earlier runs failed on does not change this run's requests
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,  # not reset between examples: each has its own savepoint
        hypothesis.HealthCheck.too_slow,  # generation time on a shared CI machine says nothing about the API
    ],
)
@pytest.mark.usefixtures("in_process_requests")
def test_every_operation(case, fuzz_token, db):
    with transaction.atomic():
        cache.clear()  # throttling counters: each example starts from zero
        case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"}, checks=CHECKS)
        transaction.set_rollback(True)
