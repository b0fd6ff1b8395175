import csv
import io
import json

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiViewSet
from aktau_tos.roles import ALL_ROLES, DRIVER, OPERATOR, YARD_CLERK
from rail import services
from rail.api.serializers import (
    CheckInInput,
    DepartInput,
    LoadInput,
    RollInput,
    RollOutput,
    TrainListInput,
    TrainVisitOutput,
    WagonContainerOutput,
)
from rail.documents import consist_pdf
from rail.models import TrainVisit, TrainWagon, WagonContainer
from yard import selectors as yard_selectors
from yard.api.filters import carrier_status_filter
from yard.api.serializers import MoveOutput


class ConsistRow(serializers.Serializer):
    wagon_position = serializers.IntegerField()
    wagon = serializers.CharField()
    place = serializers.IntegerField()
    container = serializers.CharField()
    iso_type = serializers.CharField()
    gross_kg = serializers.IntegerField()
    seals = serializers.CharField()
    dangerous_goods = serializers.CharField()
    loaded = serializers.BooleanField()


class ConsistCsvRenderer(BaseRenderer):
    media_type, format, charset = "text/csv", "csv", "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict):
            return json.dumps(data).encode()
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(data[0]) if data else ["wagon_position"])
        writer.writeheader()
        writer.writerows(data)
        return buffer.getvalue().encode()


class TrainVisitFilter(filters.FilterSet):
    status = carrier_status_filter()

    class Meta:
        model = TrainVisit
        fields = ["status", "direction"]


class TrainVisitViewSet(ApiViewSet):
    """Train visits: inbound train lists, and the clerk's check-in of each container on its wagon."""

    serializer_class = TrainVisitOutput
    filterset_class = TrainVisitFilter
    queryset = TrainVisit.objects.select_related("line", "carrier").prefetch_related(
        Prefetch(
            "wagons",
            queryset=TrainWagon.objects.select_related("wagon").prefetch_related(
                Prefetch("containers", queryset=WagonContainer.objects.select_related("visit__container"))
            ),
        )
    )

    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "consist": ALL_ROLES,
        "create": (OPERATOR,),
        "plan": (OPERATOR,),
        "depart": (OPERATOR,),
        "roll": (OPERATOR,),
        "check_in": (YARD_CLERK, OPERATOR),
        "load": (YARD_CLERK, DRIVER),
    }

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(TrainVisitOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(TrainVisitOutput(self.get_object()).data)

    @extend_schema(
        request=TrainListInput,
        responses={
            201: inline_serializer(
                "TrainListOutput",
                {"id": serializers.IntegerField(), "train": TrainVisitOutput(), "moves": MoveOutput(many=True)},
            )
        },
    )
    def create(self, request: Request) -> Response:
        """An inbound train list: refused whole, with every problem listed, or registered with its discharge moves."""
        data = TrainListInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("direction") == TrainVisit.Direction.OUTBOUND:
            train = services.train_outbound_create(
                actor=request.user, **{key: fields[key] for key in ("train_number", "line", "wagons", "destination")},
                etd=fields.get("etd"),
            )  # fmt: skip
            return Response({"id": train.pk, "train": TrainVisitOutput(self.get_queryset().get(pk=train.pk)).data,
                             "moves": []}, status=201)  # fmt: skip
        for outbound_only in ("destination", "etd"):
            fields.pop(outbound_only, None)
        train, moves = services.train_list_register(actor=request.user, **fields)
        moves = [yard_selectors.move_get(move_id=move.pk) for move in moves]
        body = {"id": train.pk, "train": TrainVisitOutput(self.get_queryset().get(pk=train.pk)).data,
                "moves": MoveOutput(moves, many=True).data}  # fmt: skip
        return Response(body, status=201)

    @extend_schema(request=CheckInInput, responses=WagonContainerOutput)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, pk: int) -> Response:
        data = CheckInInput(data=request.data)
        data.is_valid(raise_exception=True)
        place = services.container_check_in(train_id=int(pk), actor=request.user, **data.validated_data)
        return Response(WagonContainerOutput(place).data)

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "LoadPlanOutput",
            {
                "entries": serializers.IntegerField(),
                "loaded_teu": serializers.IntegerField(),
                "loaded_kg": serializers.IntegerField(),
                "optimal": serializers.BooleanField(),
                "seconds": serializers.FloatField(),
                "excluded": serializers.ListField(child=serializers.DictField()),
                "warnings": serializers.ListField(child=serializers.CharField()),
            },
        ),
    )
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk: int) -> Response:
        """Outbound: the load plan (solver), with the loading moves planned and what was left out, and why."""
        return Response(services.load_plan_build(train_id=int(pk), actor=request.user))

    @extend_schema(request=LoadInput, responses=None)
    @action(detail=True, methods=["post"])
    def load(self, request: Request, pk: int) -> Response:
        """Outbound: a container confirmed on its wagon (the planned one, or 409 wrong_wagon)."""
        data = LoadInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.container_load(train_id=int(pk), actor=request.user, **data.validated_data)
        return Response(
            {
                "container": entry.visit.container.number,
                "wagon_position": entry.train_wagon.position,
                "place": entry.place,
                "loaded_at": entry.loaded_at,
            }
        )

    @extend_schema(request=RollInput, responses=RollOutput)
    @action(detail=True, methods=["post"])
    def roll(self, request: Request, pk: int) -> Response:
        """Outbound: a container not loaded yet taken off this train for a later one (its loading move cancelled,
        its booking undone); 409 container_already_loaded once it is on its wagon."""
        data = RollInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.container_roll(train_id=int(pk), actor=request.user, **data.validated_data)
        return Response(RollOutput(entry).data)

    @extend_schema(request=DepartInput, responses=TrainVisitOutput)
    @action(detail=True, methods=["post"])
    def depart(self, request: Request, pk: int) -> Response:
        data = DepartInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.train_depart(train_id=int(pk), actor=request.user, **data.validated_data)
        return Response(TrainVisitOutput(self.get_queryset().get(pk=int(pk))).data)

    @extend_schema(
        parameters=[
            # Translators: pdf is the value a client sends; keep it.
            OpenApiParameter("as", str, enum=["pdf"], description=_("pdf: the printable consist document.")),
        ],
        responses={
            (200, "application/json"): ConsistRow(many=True),
            (200, "text/csv"): ConsistRow(many=True),
            (200, "application/pdf"): OpenApiTypes.BINARY,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, ConsistCsvRenderer], pagination_class=None)
    def consist(self, request: Request, pk: int) -> Response:
        """The consist document: wagons in order, containers, masses, seals, DG lines (`?format=csv`, `?as=pdf`)."""
        train = self.get_object()
        rows = services.consist_rows(train)
        if request.query_params.get("as") == "pdf":
            response = HttpResponse(consist_pdf(train, rows), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="consist-{train.train_number}.pdf"'
            return response
        headers = {}
        if request.accepted_renderer.format == "csv":
            headers["Content-Disposition"] = f'attachment; filename="consist-{train.train_number}.csv"'
        return Response(rows, headers=headers)
