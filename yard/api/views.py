from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiView, ApiViewSet
from aktau_tos.roles import ALL_ROLES, DRIVER, OPERATOR, YARD_CLERK
from yard import selectors, services
from yard.api.serializers import (
    ContainerOutput,
    ContainerRegisterInput,
    GateInInput,
    GateInOutput,
    HoldOutput,
    HoldPlaceInput,
    MoveCancelInput,
    MoveCompleteInput,
    MoveCreateInput,
    MoveDetailOutput,
    MoveOutput,
)
from yard.models import Container, Hold, YardMove


class ContainerFilter(filters.FilterSet):
    owner = filters.CharFilter(field_name="number", lookup_expr="startswith", help_text=_("Owner code, e.g. MSK."))
    iso_type = filters.CharFilter(field_name="iso_type_id")
    length_ft = filters.NumberFilter(field_name="iso_type__length_ft")
    group = filters.CharFilter(field_name="iso_type__group", help_text=_("ISO type group letter, e.g. R for reefers."))

    class Meta:
        model = Container
        fields = ["owner", "iso_type", "length_ft", "group"]


class ContainerViewSet(ApiViewSet):
    """Containers by ISO 6346 number. Numbers may be sent as scanned: any case, spaces allowed."""

    queryset = Container.objects.select_related("iso_type").order_by("number")
    serializer_class = ContainerOutput
    filterset_class = ContainerFilter
    lookup_field = "number"
    lookup_value_converter = "str"  # as scanned: any case, spaces allowed
    roles = {"list": ALL_ROLES, "retrieve": ALL_ROLES, "create": (OPERATOR, YARD_CLERK)}

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        selectors.visits_open_attach(page)  # the same status, position and holds as the container's own answer
        return self.get_paginated_response(ContainerOutput(page, many=True).data)

    def retrieve(self, request: Request, number: str) -> Response:
        container = selectors.container_get_by_number(number=number)
        container.open_visit = selectors.visit_open_for(container)
        return Response(ContainerOutput(container).data)

    @extend_schema(request=ContainerRegisterInput, responses={201: ContainerOutput})
    def create(self, request: Request) -> Response:
        """Registers a container's identity before it is first seen (partner systems, operators)."""
        data = ContainerRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        container = services.container_register(actor=request.user, **data.validated_data)
        return Response(ContainerOutput(container).data, status=201)


class GateInView(ApiView):
    """A container arrives by truck: its visit opens and a move into the yard is planned to an allocated slot."""

    roles = {"post": (YARD_CLERK, OPERATOR)}

    @extend_schema(request=GateInInput, responses={201: GateInOutput})
    def post(self, request: Request) -> Response:
        data = GateInInput(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.gate_in(actor=request.user, **data.validated_data)
        move = selectors.move_get(move_id=move.pk)
        body = {"container": move.visit.container.number, "visit": move.visit_id, "move": MoveDetailOutput(move).data}
        return Response(body, status=201)


class MoveViewSet(ApiViewSet):
    """Work instructions. The list is a machine's work queue, in the order it should work."""

    serializer_class = MoveOutput
    queryset = YardMove.objects.none()  # reads go through selectors; this types the schema's {id}
    pagination_class = None  # the queue is one ordered list (at most 200), not pages
    roles = {
        "list": (DRIVER, YARD_CLERK, OPERATOR),
        "retrieve": ALL_ROLES,
        "create": (YARD_CLERK, OPERATOR),
        "complete": (DRIVER, YARD_CLERK),
        "start": (DRIVER, YARD_CLERK),
        "cancel": (DRIVER, YARD_CLERK, OPERATOR),  # a driver hands back a move they cannot do, saying why
    }

    @extend_schema(
        parameters=[OpenApiParameter("equipment", str, description=_("Machine code, e.g. RS-01: its queue only."))],
        responses=MoveOutput(many=True),
    )
    def list(self, request: Request) -> Response:
        """Open moves, started first, then by priority and deadline (at most 200)."""
        moves = selectors.moves_queue(equipment_code=request.query_params.get("equipment"))
        return Response(MoveOutput(moves, many=True).data)

    @extend_schema(responses=MoveDetailOutput)
    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(MoveDetailOutput(selectors.move_get(move_id=pk)).data)

    @extend_schema(request=MoveCreateInput, responses={201: MoveDetailOutput})
    def create(self, request: Request) -> Response:
        """An ad hoc move of a container in the yard: to another position, or to GATE (delivery by truck)."""
        data = MoveCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.move_create_adhoc(actor=request.user, **data.validated_data)
        return Response(MoveDetailOutput(selectors.move_get(move_id=move.pk)).data, status=201)

    @extend_schema(request=MoveCompleteInput, responses=MoveOutput)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int) -> Response:
        """The scanner confirms the move; another legal position than planned is recorded as a deviation."""
        data = MoveCompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.move_complete(move_id=int(pk), actor=request.user, **data.validated_data)
        return Response(MoveOutput(move).data)  # loaded with its places under the lock: no second read

    @extend_schema(request=None, responses=MoveOutput)
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: int) -> Response:
        move = services.move_start(move_id=int(pk), actor=request.user)
        return Response(MoveOutput(selectors.move_get(move_id=move.pk)).data)

    @extend_schema(request=MoveCancelInput, responses=MoveOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        data = MoveCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        move = services.move_cancel(move_id=int(pk), actor=request.user, **data.validated_data)
        return Response(MoveOutput(selectors.move_get(move_id=move.pk)).data)


class HoldViewSet(ApiViewSet):
    """Terminal holds placed by operators. Customs and DG officers use their own endpoints."""

    serializer_class = HoldOutput
    queryset = Hold.objects.none()  # types the schema's {id}
    roles = {"*": (OPERATOR,)}

    @extend_schema(request=HoldPlaceInput, responses={201: HoldOutput})
    def create(self, request: Request) -> Response:
        data = HoldPlaceInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.hold_place(authority=Hold.Authority.TERMINAL, actor=request.user, **data.validated_data)
        return Response(HoldOutput(hold).data, status=201)

    @extend_schema(request=None, responses=HoldOutput)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: int) -> Response:
        hold = services.hold_release(hold_id=int(pk), authority=Hold.Authority.TERMINAL, actor=request.user)
        return Response(HoldOutput(hold).data)
