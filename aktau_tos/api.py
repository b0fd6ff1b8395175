"""API conventions shared by every app: problem+json errors, idempotent POSTs, who may call what, pagination.

See docs/api/scanner.md. Every API view derives from `ApiView` (a command or a small read) or `ApiViewSet`:
both honour `Idempotency-Key` on POST and take their permissions from a role map per action; a test walks
the URL conf to keep it that way, and the permission matrix test checks every map.
"""

import hashlib
import json
import logging
import uuid
from functools import partial

from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError, IntegrityError, InterfaceError, OperationalError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, routers, status, viewsets
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler, set_rollback

from aktau_tos.errors import (
    DatabaseUnavailable,
    DomainError,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    ValueNotStorable,
)
from aktau_tos.models import IdempotentRequest
from aktau_tos.roles import ALL_ROLES, roles_allowed

PROBLEM_CONTENT_TYPE = "application/problem+json"
IDEMPOTENCY_HEADER = "Idempotency-Key"
logger = logging.getLogger(__name__)


# --- Errors -------------------------------------------------------------------------------------


# Titles of DRF's own refusals by code; a code not listed gets its words ("not_acceptable" -> "Not acceptable").
DRF_TITLES = {
    "not_authenticated": _("Not authenticated"),
    "authentication_failed": _("Authentication failed"),
    "token_expired": _("Token expired"),
    "token_revoked": _("Token revoked"),
    "permission_denied": _("Permission denied"),
    "not_found": _("Not found"),
    "method_not_allowed": _("Method not allowed"),
    "not_acceptable": _("Not acceptable"),
    "unsupported_media_type": _("Unsupported media type"),
    "parse_error": _("Malformed request"),
    "throttled": _("Too many requests"),
}


def problem(*, status_code: int, code: str, title: str, detail: str, errors: dict | None = None) -> dict:
    body = {
        "type": f"urn:aktau-tos:problem:{code}",
        "title": str(title),  # in the request's language (Accept-Language); `code` never changes
        "status": status_code,
        "detail": str(detail),
        "code": code,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def problem_response(body: dict, headers: dict | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def domain_problem_response(exc: DomainError) -> Response:
    headers = {"Retry-After": str(exc.retry_after_seconds)} if exc.retry_after_seconds else None
    body = problem(status_code=exc.status, code=exc.code, title=exc.title, detail=exc.detail, errors=exc.errors)
    return problem_response({**(exc.extra or {}), **body}, headers)


def _field_errors(detail) -> dict[str, list[str]]:
    """DRF validation detail as {field: [messages]}; nested fields are joined with dots."""
    if isinstance(detail, list):
        return {"non_field_errors": [str(message) for message in detail]}
    errors: dict[str, list[str]] = {}
    for field, messages in detail.items():
        if isinstance(messages, dict):
            for sub, msgs in _field_errors(messages).items():  # a list field's own error belongs to the field
                errors[field if sub == "non_field_errors" else f"{field}.{sub}"] = msgs
        elif messages and isinstance(messages[0], dict | list):  # a list of nested objects
            for index, item in enumerate(messages):
                errors.update({f"{field}.{index}.{sub}": msgs for sub, msgs in _field_errors(item).items()})
        else:
            errors[field] = [str(message) for message in messages]
    return errors


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every failure becomes application/problem+json with a stable code."""
    if isinstance(exc, OperationalError | InterfaceError):  # connection lost, server restarting, deadlock
        exc = DatabaseUnavailable()  # the transaction did not commit; Django drops the broken connection
    elif isinstance(exc, DataError):
        # Logged: it also means an input check is missing where the value came in.
        logger.warning("Database refused a request value at %s: %s", context["request"].path, exc)
        exc = ValueNotStorable()
    if isinstance(exc, DomainError):
        if not exc.keeps_changes:
            set_rollback()
        return domain_problem_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)  # sets WWW-Authenticate, Retry-After and the rollback
    if response is None:
        return None  # not an API error: Django's 500 handling takes over
    if not isinstance(exc, exceptions.APIException):  # DRF answers only its own exceptions
        return response
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            status_code=400,
            code="invalid",
            title=_("Invalid input"),
            detail=_("The request has invalid fields; see errors."),
            errors=_field_errors(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        title = DRF_TITLES.get(exc.default_code) or exc.default_code.replace("_", " ").capitalize()
        body = problem(status_code=response.status_code, code=exc.default_code, title=title, detail=str(detail))
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


# --- Idempotent POSTs ---------------------------------------------------------------------------


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotentRequest) -> Response:
    data = json.loads(record.response_body) if record.response_body else None
    kind = PROBLEM_CONTENT_TYPE if not status.is_success(record.response_status) else None
    return Response(data, status=record.response_status, headers={"Idempotent-Replayed": "true"}, content_type=kind)


def _run_idempotent(handler, request: Request, *args, key: uuid.UUID, **kwargs) -> Response:
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        try:
            # On PostgreSQL a concurrent duplicate blocks on this insert until the first request ends:
            # if that one committed we replay it, if it rolled back we run. Duplicates never both execute.
            with transaction.atomic():
                record = IdempotentRequest.objects.create(user=request.user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            record = IdempotentRequest.objects.get(user=request.user, key=key)
            if record.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key=key) from None
            return _replay(record)
        kept = False
        try:
            response = handler(request, *args, **kwargs)
        except DomainError as refusal:
            if not refusal.keeps_changes:
                raise  # the exception handler answers it, and this block rolls back
            # A refusal that kept its changes is recorded and replayed like a success: running the request again
            # would not give the same answer.
            response, kept = domain_problem_response(refusal), True
        if status.is_success(response.status_code) or kept:
            record.response_status = response.status_code
            record.response_body = JSONRenderer().render(response.data).decode()
            record.save(update_fields=["response_status", "response_body"])
        else:
            transaction.set_rollback(True)  # a refused request leaves nothing behind, its key included
        return response


class IdempotentMixin:
    """Honours `Idempotency-Key` on POST: a retry gets the first answer, another body gets 422."""

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles first
        raw_key = request.headers.get(IDEMPOTENCY_HEADER)
        if request.method != "POST" or raw_key is None or not hasattr(self, "post"):
            return
        try:
            key = uuid.UUID(raw_key)
        except ValueError:
            raise IdempotencyKeyInvalid(key=raw_key) from None
        # dispatch() looks the handler up after initial(), so wrapping it here covers views and viewsets.
        self.post = partial(_run_idempotent, self.post, key=key)


# --- Who may call what --------------------------------------------------------------------------

# A role map: action (a viewset's list, retrieve, create or @action name) or method (a view's get, post,
# delete) -> the roles admitted (superusers always are), or a DRF permission class for the few endpoints
# that are not about roles (log-in is open to anyone). "*" stands for every action the map does not name.
RoleMap = dict[str, tuple[str, ...] | type[BasePermission]]


class RoleMapMixin:
    roles: RoleMap = {}

    def get_permissions(self):
        key = getattr(self, "action", None) or self.request.method.lower()
        key = "get" if key == "head" else key
        allowed = self.roles.get(key, self.roles.get("*"))
        if allowed is None:
            if key in ("options", "metadata") or not hasattr(self, key):
                return [roles_allowed(*ALL_ROLES)()]  # OPTIONS, or a method the path lacks (405 follows)
            raise ImproperlyConfigured(f"{type(self).__name__}.roles names nobody for {key!r}")
        if isinstance(allowed, type):
            return [allowed()]
        return [roles_allowed(*allowed)()]


class ApiView(RoleMapMixin, IdempotentMixin, APIView):
    """Base for endpoints that are not a collection: a command (a thin translation of a request into one
    service call) or a small read. Declare `roles = {"post": (...)}`."""


class ApiViewSet(RoleMapMixin, IdempotentMixin, viewsets.GenericViewSet):
    """Base for collections: reads through selectors, writes as actions calling one service each.
    Declare `roles = {"list": (...), "create": (...), "<action>": (...)}`."""


# --- Routing -----------------------------------------------------------------------------------


class Router(routers.SimpleRouter):
    """The apps' router, on Django path converters: objects are addressed by integer id (`<int:pk>`) unless a
    viewset names another converter (containers go by number). /yard/moves/abc/ is an unknown path (404), never
    a failing int(), and the schema types ids as integers."""

    def __init__(self) -> None:
        super().__init__(use_regex_path=False)

    def get_lookup_regex(self, viewset, lookup_prefix: str = "") -> str:
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        converter = getattr(viewset, "lookup_value_converter", "int")
        return f"<{converter}:{lookup_prefix}{lookup_url_kwarg}>"
