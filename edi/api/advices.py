from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiViewSet
from aktau_tos.roles import EDI_PARTNER, OPERATOR
from edi import advices
from edi.api.views import acting_for
from edi.errors import EdiTooLarge
from edi.models import Partner, TrainAdvice
from rail.api.serializers import TrainVisitOutput
from yard import selectors as yard_selectors
from yard.api.serializers import CapacityWarningOutput, MoveOutput
from yard.models import ContainerVisit


class _TextParser(BaseParser):
    """The body kept as text, exactly as sent: the advice is stored before it is read, even when it cannot be."""

    format_name = ""

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        data = stream.read(settings.EDI_MAX_BYTES + 1) if stream else b""
        if len(data) > settings.EDI_MAX_BYTES:
            raise EdiTooLarge(limit=settings.EDI_MAX_BYTES)
        # UTF-8; else Windows Cyrillic, as the 1520 mm railways' older systems write; else Latin-1, which reads any
        # byte: the advice is stored whatever it is.
        for encoding in ("utf-8", "cp1251"):
            try:
                return {"format": self.format_name, "raw": data.decode(encoding)}
            except UnicodeDecodeError:
                continue
        return {"format": self.format_name, "raw": data.decode("latin-1")}


class AdviceJsonParser(_TextParser):
    media_type, format_name = "application/json", TrainAdvice.Format.JSON


class AdviceCsvParser(_TextParser):
    media_type, format_name = "text/csv", TrainAdvice.Format.CSV


class TrainAdviceOutput(serializers.ModelSerializer):
    partner = serializers.CharField(source="partner.code", allow_null=True, default=None)
    train = serializers.IntegerField(source="train_id", allow_null=True)
    capacity_warnings = serializers.SerializerMethodField()

    class Meta:
        model = TrainAdvice
        fields = ["id", "partner", "train_number", "origin", "expected_arrival", "format", "status", "problems",
                  "warnings", "train", "created_at", "arrived_at", "capacity_warnings"]  # fmt: skip

    @extend_schema_field(CapacityWarningOutput(many=True))
    def get_capacity_warnings(self, advice: TrainAdvice) -> list[dict]:
        return CapacityWarningOutput(advice.capacity_warnings, many=True, context={"subject": _("this train")}).data


class TrainAdviceDetailOutput(TrainAdviceOutput):
    class Meta(TrainAdviceOutput.Meta):
        fields = [*TrainAdviceOutput.Meta.fields, "content", "raw"]


class TrainAdviceArriveInput(serializers.Serializer):
    line = serializers.CharField(max_length=8, help_text=gettext_lazy("The loading line the train stands on, e.g. L1."))
    category = serializers.ChoiceField(
        choices=[ContainerVisit.Category.TRANSIT, ContainerVisit.Category.IMPORT, ContainerVisit.Category.EMPTY],
        default=ContainerVisit.Category.TRANSIT,
    )


def railway_acting_for(request: Request) -> Partner | None:
    """A partner's user posts and reads the advices of its own railway; a line's users have none to send."""
    partner = acting_for(request)
    if partner is not None and partner.kind != Partner.Kind.RAILWAY:
        raise PermissionDenied(_("Only a railway's users send train pre-advices."))
    return partner


class TrainAdviceViewSet(ApiViewSet):
    """The railway's train pre-advices (JSON, or CSV by `Content-Type: text/csv`); their arrival as train lists."""

    serializer_class = TrainAdviceOutput
    parser_classes = [AdviceJsonParser, AdviceCsvParser]
    roles = {
        "list": (OPERATOR, EDI_PARTNER),
        "retrieve": (OPERATOR, EDI_PARTNER),
        "create": (OPERATOR, EDI_PARTNER),
        "arrive": (OPERATOR,),
    }

    def get_queryset(self) -> QuerySet[TrainAdvice]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return TrainAdvice.objects.none()
        found = TrainAdvice.objects.select_related("partner")
        partner = railway_acting_for(self.request)
        if partner is not None:
            found = found.filter(partner=partner)
        params = self.request.query_params
        if train_number := params.get("train_number"):
            found = found.filter(train_number=train_number.strip().upper())
        if status := params.get("status"):
            found = found.filter(status=status)
        return found.order_by("-created_at", "-pk")

    @extend_schema(parameters=[OpenApiParameter("train_number", str), OpenApiParameter("status", str)])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TrainAdviceOutput(page, many=True).data)

    @extend_schema(responses=TrainAdviceDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(TrainAdviceDetailOutput(self.get_object()).data)

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT, "text/csv": OpenApiTypes.STR},
        responses={201: TrainAdviceOutput},
    )
    def create(self, request: Request) -> Response:
        """A train's pre-advice: always stored (`201`); `status` is `accepted` (it waits for the train) or
        `rejected`, with every problem by field path (a CSV's by row), and warnings."""
        partner = railway_acting_for(request)
        body = request.data if isinstance(request.data, dict) and "raw" in request.data else {}
        advice = advices.train_advice_receive(
            raw=body.get("raw", ""), format=body.get("format") or TrainAdvice.Format.JSON, actor=request.user,
            partner=partner,
        )  # fmt: skip
        return Response(TrainAdviceOutput(advice).data, status=201)

    @extend_schema(request=TrainAdviceArriveInput, responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def arrive(self, request: Request, pk: int) -> Response:
        """The train is on its line: the advice becomes the train list with its discharge moves (checked whole
        again); a second arrival is `409 train_advice_already_arrived`."""
        data = TrainAdviceArriveInput(data=request.data)
        data.is_valid(raise_exception=True)
        advice, train, moves = advices.train_advice_arrive(advice_id=int(pk), actor=request.user, **data.validated_data)
        moves = [yard_selectors.move_get(move_id=move.pk) for move in moves]
        body = {"advice": TrainAdviceOutput(advice).data, "train": TrainVisitOutput(train).data,
                "moves": MoveOutput(moves, many=True).data}  # fmt: skip
        return Response(body)
