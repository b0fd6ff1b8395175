"""OpenAPI schema: documents the API conventions on every operation (kept apart from api.py, which DRF's
settings import early, before drf-spectacular can be)."""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from aktau_tos.api import IDEMPOTENCY_HEADER, PROBLEM_CONTENT_TYPE, IdempotentMixin
from aktau_tos.roles import RolePermission


class Problem(serializers.Serializer):
    """An error as application/problem+json (RFC 9457): clients branch on `code`, never on the text."""

    type = serializers.CharField(help_text="urn:aktau-tos:problem:<code>")
    title = serializers.CharField()
    status = serializers.IntegerField(help_text="The HTTP status, repeated.")
    detail = serializers.CharField()
    code = serializers.CharField(help_text="Stable within v1, e.g. container_not_found.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Invalid input: messages by field (nested fields as dotted paths, e.g. wagons.0.number).",
    )


# The problems any operation may answer with, and when. AutoSchema documents each on the operations where it
# can happen (see `problem_statuses`); an operation's own declaration of a status wins.
STANDARD_PROBLEMS: dict[int, str] = {
    400: "Invalid input: `invalid` (see `errors`), `parse_error`, `invalid_value` (a NUL character or a number out "
    "of range), or a refused value such as `invalid_container_number` or `invalid_idempotency_key`.",
    401: "No usable token: `not_authenticated` when none was sent, `authentication_failed` or a more specific code "
    "when it is unknown, expired or revoked; at log-in `invalid_credentials`.",
    403: "`permission_denied`: the user's role may not do this.",
    404: "`not_found`, or a named code such as `container_not_found`: no such object (or an unknown `format`).",
    409: "A rule says no (`code` names it, e.g. `container_on_hold`, `position_occupied`), or `lock_timeout`: "
    "another request holds the rows, retry after `Retry-After` seconds.",
    415: "`unsupported_media_type`: the body is not JSON.",
    422: "`idempotency_key_reused`: the Idempotency-Key was already used with another body.",
    429: "`throttled` (or `login_locked`): too many attempts; retry after `Retry-After` seconds.",
    503: "`database_unavailable`: nothing was committed; retry after `Retry-After` seconds with the same "
    "Idempotency-Key.",
}
RETRY_AFTER_STATUSES = (409, 429, 503)


class AutoSchema(SpectacularAutoSchema):
    """Documents the conventions on every operation: who may call it, Idempotency-Key on POST, and the
    problem+json answers it can give; groups the operations by area."""

    def get_tags(self) -> list[str]:
        app = type(self.view).__module__.split(".")[0]
        return [settings.API_TAGS.get(app, app)]

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self.problem_statuses(operation):
            responses.setdefault(str(status), self._problem_response(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def problem_statuses(self, operation: dict) -> set[int]:
        """401 (no usable token), 404 (unknown object, or `?format=`) and 503 everywhere; the rest where they apply."""
        statuses = {401, 404, 503}
        if any(isinstance(permission, RolePermission) for permission in self.view.get_permissions()):
            statuses.add(403)
        if operation.get("parameters") or "requestBody" in operation:
            statuses.add(400)
        if "requestBody" in operation:
            statuses.add(415)
        if self.method == "POST" and isinstance(self.view, IdempotentMixin):
            statuses |= {409, 422}  # commands: a rule may say no; a reused Idempotency-Key
        if self.view.get_throttles():
            statuses.add(429)
        return statuses

    def _problem_response(self, status: int) -> dict:
        response = {
            "description": STANDARD_PROBLEMS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": self.resolve_serializer(Problem, "response").ref}},
        }
        if status in RETRY_AFTER_STATUSES:
            response["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before a retry."}
            }
        return response

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentMixin):
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    OpenApiTypes.UUID,
                    OpenApiParameter.HEADER,
                    required=False,
                    description="A UUID made on the device. A retry with the same key and body returns the first "
                    "answer and changes nothing; the same key with another body gets 422.",
                )
            )
        return parameters

    def get_description(self) -> str:
        description = super().get_description() or ""
        roles = sorted(
            {role for perm in self.view.get_permissions() if isinstance(perm, RolePermission) for role in perm.roles}
        )
        if roles:
            description = f"{description}\n\nRoles: {', '.join(roles)}.".strip()
        return description
