from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import IdempotentMixin
from aktau_tos.roles import ALL_ROLES, OPERATOR, YARD_CLERK, roles_allowed
from rail import services
from rail.api.serializers import CheckInInput, TrainListInput, TrainVisitOutput, WagonContainerOutput
from rail.models import TrainVisit, TrainWagon, WagonContainer
from yard import selectors as yard_selectors
from yard.api.serializers import MoveOutput


class TrainVisitViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Train visits: inbound train lists, and the clerk's check-in of each container on its wagon."""

    serializer_class = TrainVisitOutput
    queryset = TrainVisit.objects.select_related("line", "carrier").prefetch_related(
        Prefetch(
            "wagons",
            queryset=TrainWagon.objects.select_related("wagon").prefetch_related(
                Prefetch("containers", queryset=WagonContainer.objects.select_related("visit__container"))
            ),
        )
    )

    def get_permissions(self):
        roles = {"create": (OPERATOR,), "check_in": (YARD_CLERK, OPERATOR)}.get(self.action, ALL_ROLES)
        return [roles_allowed(*roles)()]

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
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
        fields = {key: value for key, value in data.validated_data.items() if key != "direction"}
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
