"""Every endpoint as every role and as nobody: the table below is the access contract.

A new endpoint fails `test_every_endpoint_is_in_the_table` until someone decides who may call it here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from aktau_tos.roles import (
    ALL_ROLES,
    CUSTOMS_OFFICER,
    DG_OFFICER,
    DRIVER,
    EDI_PARTNER,
    MANAGER,
    OPERATOR,
    ROLES,
    YARD_CLERK,
)
from edi.models import Partner
from tests.factories.accounts import UserFactory

EVERYONE = frozenset(ALL_ROLES)
# (method, path with sample arguments) -> roles allowed. "public" means no log-in needed.
MATRIX = {
    ("POST", "/api/v1/auth/token/"): "public",
    ("GET", "/api/v1/auth/me/"): EVERYONE | {EDI_PARTNER},
    ("GET", "/api/v1/containers/"): EVERYONE,
    ("POST", "/api/v1/containers/"): {OPERATOR, YARD_CLERK},
    ("GET", "/api/v1/containers/CSQU3054383/"): EVERYONE,
    ("POST", "/api/v1/yard/gate-in/"): {OPERATOR, YARD_CLERK},
    ("GET", "/api/v1/yard/moves/"): {DRIVER, YARD_CLERK, OPERATOR},
    ("POST", "/api/v1/yard/moves/"): {YARD_CLERK, OPERATOR},
    ("GET", "/api/v1/yard/moves/999999/"): EVERYONE,
    ("POST", "/api/v1/yard/moves/999999/complete/"): {DRIVER, YARD_CLERK},
    ("POST", "/api/v1/yard/moves/999999/start/"): {DRIVER, YARD_CLERK},
    ("POST", "/api/v1/yard/moves/999999/cancel/"): {DRIVER, YARD_CLERK, OPERATOR},
    ("POST", "/api/v1/yard/holds/"): {OPERATOR},
    ("POST", "/api/v1/yard/holds/999999/release/"): {OPERATOR},
    ("GET", "/api/v1/dangerous-goods/segregation/"): EVERYONE,
    ("POST", "/api/v1/dangerous-goods/declarations/"): {DG_OFFICER, OPERATOR},
    ("GET", "/api/v1/dangerous-goods/inventory/"): {DG_OFFICER, OPERATOR, MANAGER},
    ("POST", "/api/v1/customs/holds/"): {CUSTOMS_OFFICER},
    ("POST", "/api/v1/customs/holds/999999/release/"): {CUSTOMS_OFFICER},
    ("POST", "/api/v1/customs/declarations/"): {CUSTOMS_OFFICER},
    ("POST", "/api/v1/customs/declarations/999999/release/"): {CUSTOMS_OFFICER},
    ("GET", "/api/v1/customs/inspections/"): {CUSTOMS_OFFICER, OPERATOR, MANAGER},
    ("POST", "/api/v1/customs/inspections/"): {CUSTOMS_OFFICER},
    ("GET", "/api/v1/customs/inspections/999999/"): {CUSTOMS_OFFICER, OPERATOR, MANAGER},
    ("POST", "/api/v1/customs/inspections/999999/result/"): {CUSTOMS_OFFICER},
    ("POST", "/api/v1/customs/inspections/999999/photos/"): {CUSTOMS_OFFICER},
    ("GET", "/api/v1/rail/visits/"): EVERYONE,
    ("POST", "/api/v1/rail/visits/"): {OPERATOR},
    ("GET", "/api/v1/rail/visits/999999/"): EVERYONE,
    ("POST", "/api/v1/rail/visits/999999/check-in/"): {YARD_CLERK, OPERATOR},
    ("POST", "/api/v1/rail/visits/999999/plan/"): {OPERATOR},
    ("POST", "/api/v1/rail/visits/999999/load/"): {YARD_CLERK, DRIVER},
    ("POST", "/api/v1/rail/visits/999999/depart/"): {OPERATOR},
    ("POST", "/api/v1/rail/visits/999999/roll/"): {OPERATOR},
    ("GET", "/api/v1/rail/visits/999999/consist/"): EVERYONE,
    ("GET", "/api/v1/vessels/calls/"): EVERYONE,
    ("POST", "/api/v1/vessels/calls/"): {OPERATOR},
    ("GET", "/api/v1/vessels/calls/999999/"): EVERYONE,
    ("GET", "/api/v1/vessels/calls/999999/moves/"): EVERYONE,
    ("POST", "/api/v1/vessels/calls/999999/arrive/"): {OPERATOR},
    ("POST", "/api/v1/vessels/calls/999999/cancel/"): {OPERATOR},
    ("POST", "/api/v1/vessels/calls/999999/discharge-list/"): {OPERATOR},
    ("POST", "/api/v1/vessels/calls/999999/load-list/"): {OPERATOR},
    ("POST", "/api/v1/vessels/calls/999999/plan/"): {OPERATOR},
    ("POST", "/api/v1/vessels/calls/999999/depart/"): {OPERATOR},
    ("POST", "/api/v1/vessels/calls/999999/tally/"): {YARD_CLERK, OPERATOR},
    ("GET", "/api/v1/edi/messages/"): {OPERATOR, EDI_PARTNER},
    ("POST", "/api/v1/edi/messages/"): {OPERATOR, EDI_PARTNER},
    ("GET", "/api/v1/edi/messages/999999/"): {OPERATOR, EDI_PARTNER},
    ("GET", "/api/v1/edi/train-advices/"): {OPERATOR, EDI_PARTNER},
    ("POST", "/api/v1/edi/train-advices/"): {OPERATOR, EDI_PARTNER},
    ("GET", "/api/v1/edi/train-advices/999999/"): {OPERATOR, EDI_PARTNER},
    ("POST", "/api/v1/edi/train-advices/999999/arrive/"): {OPERATOR},
    ("GET", "/api/v1/edi/events/"): {OPERATOR, EDI_PARTNER},
}


def _routes() -> set[tuple[str, str]]:
    """(method, route pattern) of every API endpoint, from the URL conf and each view's handlers."""
    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                route = prefix + str(pattern.pattern)
                actions = getattr(pattern.callback, "actions", None) or {}
                handlers = [m for m in ("get", "post", "delete") if hasattr(pattern.callback.cls, m)]
                found.update((m.upper(), route) for m in actions or handlers if m in ("get", "post", "delete"))

    walk(get_resolver().url_patterns)
    return {(method, route) for method, route in found if route.startswith("api/v1/") and "format" not in route}


def _shape(path: str) -> str:
    """A sample path reduced to its shape, to compare with route patterns: ids and numbers become <>."""
    parts = ["<>" if part.isdigit() or part == "CSQU3054383" else part for part in path.strip("/").split("/")]
    return "/".join(parts)


def _route_shape(route: str) -> str:
    cleaned = re.sub(r"\(\?P<[^>]+>[^)]*\)|<[^>]+>", "<>", route)  # regex groups and converters alike
    return cleaned.replace("^", "").replace("$", "").strip("/")


def test_every_endpoint_is_in_the_table():
    in_table = {(method, _shape(path)) for method, path in MATRIX} | {("DELETE", "api/v1/auth/token")}
    routes = {(method, _route_shape(route)) for method, route in _routes()}
    assert routes - in_table == set(), "add these endpoints to MATRIX (who may call them?)"
    assert in_table - routes - {("DELETE", "api/v1/auth/token")} == set(), "stale rows in MATRIX"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=lambda value: str(value))
def test_every_role_gets_what_the_table_says(method, path):
    from django.contrib.auth.models import Group

    allowed = MATRIX[(method, path)]
    anonymous = APIClient().generic(method, path, "{}", content_type="application/json")
    if allowed == "public":  # the only public endpoint is the log-in: an empty body is a 400, not a refusal
        assert (anonymous.status_code, anonymous.json()["code"]) == (400, "invalid"), anonymous.content
        assert set(anonymous.json()["errors"]) == {"username", "password"}
        return
    assert anonymous.status_code == 401, "nobody logged in must be refused"
    for role in ROLES:  # the staff's roles and the partners'
        client = APIClient()
        user = UserFactory()
        user.groups.add(Group.objects.get(name=role))
        if role == EDI_PARTNER:  # a partner's user acts for its partner; one without is refused everywhere
            # The railway: it may call every partner endpoint (a line's users send no train pre-advices).
            partner = Partner.objects.create(code=f"P{user.pk}", name="partner", unb_id=f"P{user.pk}", kind="railway")
            partner.users.add(user)
        client.force_authenticate(user)
        status = client.generic(method, path, "{}", content_type="application/json").status_code
        if role in allowed:  # through to the view, which answers an empty request as it may, but never with a 5xx
            assert status not in (401, 403) and status < 500, f"{role} must be let through {method} {path} ({status})"
        else:
            assert status == 403, f"{role} must be refused {method} {path} (got {status})"
