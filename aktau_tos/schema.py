"""OpenAPI schema: documents the API conventions on every operation (kept apart from api.py, which DRF's
settings import early, before drf-spectacular can be)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter

from aktau_tos.api import IDEMPOTENCY_HEADER, IdempotentMixin
from aktau_tos.roles import RolePermission


class AutoSchema(SpectacularAutoSchema):
    """Documents the conventions on every operation: who may call it, and Idempotency-Key on POST."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method == "POST" and isinstance(self.view, IdempotentMixin):
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    str,
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
