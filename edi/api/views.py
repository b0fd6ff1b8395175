from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiViewSet
from aktau_tos.roles import EDI_PARTNER, OPERATOR, user_roles
from edi import services
from edi.errors import EdiTooLarge
from edi.models import Message, Partner


class EdifactParser(BaseParser):
    """The raw interchange as text: UTF-8 (UNOC/UNOW partners), else Latin-1 (never fails: UNOA/UNOB are ASCII)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None) -> str:
        data = stream.read(settings.EDI_MAX_BYTES + 1) if stream else b""
        if len(data) > settings.EDI_MAX_BYTES:
            raise EdiTooLarge(limit=settings.EDI_MAX_BYTES)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")


class MessageOutput(serializers.ModelSerializer):
    direction = serializers.CharField(source="interchange.direction")
    partner = serializers.CharField(source="partner.code", allow_null=True, default=None)
    interchange = serializers.CharField(source="interchange.control_reference")

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "type",
            "partner",
            "reference",
            "interchange",
            "function",
            "subject",
            "status",
            "problems",
            "effects",
            "created_at",
        ]


class MessageDetailOutput(MessageOutput):
    class Meta(MessageOutput.Meta):
        fields = [*MessageOutput.Meta.fields, "raw"]


def acting_for(request: Request) -> Partner | None:
    """The partner an edi_partner user acts for (None for the terminal's operators); refused if it has none."""
    roles = user_roles(request.user)
    if request.user.is_superuser or OPERATOR in roles:
        return None
    partner = request.user.edi_partners.filter(active=True).first()
    if partner is None:
        raise PermissionDenied(_("This user acts for no EDI partner."))
    return partner


class EdiMessageViewSet(ApiViewSet):
    """UN/EDIFACT interchanges in (posted raw) and the messages in and out."""

    serializer_class = MessageOutput
    parser_classes = [EdifactParser]  # the only body this resource takes is a raw interchange
    roles = {action: (OPERATOR, EDI_PARTNER) for action in ("list", "retrieve", "create")}

    def get_queryset(self) -> QuerySet[Message]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Message.objects.none()
        messages = Message.objects.select_related("interchange", "partner")
        partner = acting_for(self.request)
        if partner is not None:
            messages = messages.filter(partner=partner)
        params = self.request.query_params
        if direction := params.get("direction"):
            messages = messages.filter(interchange__direction=direction)
        if kind := params.get("type"):
            messages = messages.filter(type=kind.upper())
        if code := params.get("partner"):
            messages = messages.filter(partner__code=code.upper())
        return messages.order_by("-created_at", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", str, enum=["in", "out"]),
            OpenApiParameter("type", str),
            OpenApiParameter("partner", str, description="The partner's code (a line's carrier code)."),
        ]
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(MessageOutput(page, many=True).data)

    @extend_schema(responses=MessageDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(MessageDetailOutput(self.get_object()).data)

    @extend_schema(
        request={"application/edifact": OpenApiTypes.STR, "text/plain": OpenApiTypes.STR},
        responses={201: OpenApiTypes.OBJECT, 200: OpenApiTypes.OBJECT},
    )
    def create(self, request: Request) -> Response:
        """A raw interchange: `201` with each message's status, problems and effects; the same interchange again
        answers `200` with the first answer; one that cannot be read is `400 edi_invalid`, nothing applied."""
        raw = request.data if isinstance(request.data, str) else ""
        _, answer, first = services.interchange_receive(raw=raw, actor=request.user, acting_for=acting_for(request))
        return Response(answer, status=201 if first else 200)
