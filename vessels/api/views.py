from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiViewSet
from aktau_tos.roles import ALL_ROLES, OPERATOR, YARD_CLERK
from vessels import selectors, services
from vessels.api.serializers import (
    ArriveInput,
    BookingOutput,
    CallInput,
    CallOutput,
    CancelInput,
    ListInput,
    ProblemOutput,
    TallyInput,
    TallyOutput,
    ThroughOutput,
    capacity_warnings_output,
)
from vessels.models import VesselCall
from vessels.selectors import call_moves
from yard import selectors as yard_selectors
from yard.api.filters import carrier_status_filter
from yard.api.serializers import CapacityWarningOutput, MoveOutput


class VesselCallFilter(filters.FilterSet):
    status = carrier_status_filter()

    class Meta:
        model = VesselCall
        fields = ["status"]


class VesselCallViewSet(ApiViewSet):
    """Vessel calls: announce, arrive, the arrival bay plan, the load list, the stowage plan, departure."""

    serializer_class = CallOutput
    filterset_class = VesselCallFilter
    queryset = selectors.calls_with_related()
    roles = {
        "list": ALL_ROLES,
        "retrieve": ALL_ROLES,
        "moves": ALL_ROLES,
        "create": (OPERATOR,),
        "arrive": (OPERATOR,),
        "cancel": (OPERATOR,),
        "discharge_list": (OPERATOR,),
        "load_list": (OPERATOR,),
        "plan": (OPERATOR,),
        "depart": (OPERATOR,),
        "tally": (YARD_CLERK, OPERATOR),
    }

    def _call(self, pk) -> Response:
        return Response(CallOutput(self.get_queryset().get(pk=int(pk))).data)

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(CallOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(CallOutput(self.get_object()).data)

    @extend_schema(request=CallInput, responses={201: CallOutput})
    def create(self, request: Request) -> Response:
        """A call announced by its line; `400 invalid_imo_number`, `409 berth_occupied`."""
        data = CallInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        vessel = services.vessel_register(actor=request.user, line=fields["line"], **fields.pop("vessel"))
        call = services.call_create(vessel=vessel, actor=request.user, **fields)
        return Response(CallOutput(self.get_queryset().get(pk=call.pk)).data, status=201)

    @extend_schema(responses=MoveOutput(many=True))
    @action(detail=True, methods=["get"])
    def moves(self, request: Request, pk: int) -> Response:
        """The call's discharge, restow and load moves, as moves are shown everywhere."""
        call = self.get_object()
        moves = yard_selectors.moves_with_places().filter(pk__in=call_moves(call).values("pk")).order_by("pk")
        page = self.paginate_queryset(moves)
        return self.get_paginated_response(MoveOutput(page, many=True).data)

    @extend_schema(request=ArriveInput, responses=CallOutput)
    @action(detail=True, methods=["post"])
    def arrive(self, request: Request, pk: int) -> Response:
        data = ArriveInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_arrive(call_id=int(pk), actor=request.user, **data.validated_data)
        return self._call(pk)

    @extend_schema(request=CancelInput, responses=CallOutput)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: int) -> Response:
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.call_cancel(call_id=int(pk), actor=request.user, **data.validated_data)
        return self._call(pk)

    @extend_schema(
        request=ListInput,
        responses={201: inline_serializer("DischargeListOutput", {
            "moves": MoveOutput(many=True), "through": ThroughOutput(many=True), "problems": ProblemOutput(many=True),
            "capacity_warnings": CapacityWarningOutput(many=True),
        })},
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="discharge-list")
    def discharge_list(self, request: Request, pk: int) -> Response:
        """The arrival bay plan: discharge moves for this port's boxes, through cargo with cells, problems by row."""
        data = ListInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.discharge_list_apply(call_id=int(pk), actor=request.user, **data.validated_data)
        moves = yard_selectors.moves_with_places().filter(pk__in=[move.pk for move in result.moves]).order_by("pk")
        body = {"moves": MoveOutput(moves, many=True).data, "through": ThroughOutput(result.through, many=True).data,
                "problems": result.problems,
                "capacity_warnings": capacity_warnings_output(result.capacity_warnings)}  # fmt: skip
        return Response(body, status=201)

    @extend_schema(
        request=ListInput,
        responses={201: inline_serializer("LoadListOutput", {
            "booked": BookingOutput(many=True), "problems": ProblemOutput(many=True),
            "capacity_warnings": CapacityWarningOutput(many=True),
        })},
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="load-list")
    def load_list(self, request: Request, pk: int) -> Response:
        """Books boxes in the yard or expected onto the outbound voyage: `{number, pod, vgm_kg}` each."""
        data = ListInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.load_list_apply(call_id=int(pk), actor=request.user, **data.validated_data)
        body = {"booked": BookingOutput(result.booked, many=True).data, "problems": result.problems,
                "capacity_warnings": capacity_warnings_output(result.capacity_warnings)}  # fmt: skip
        return Response(body, status=201)

    @extend_schema(
        request=None,
        responses=inline_serializer("StowagePlanOutput", {
            "assigned": serializers.ListField(child=serializers.DictField()),
            "left_out": serializers.ListField(child=serializers.DictField()),
            "bound": serializers.IntegerField(), "gap": serializers.FloatField(), "optimal": serializers.BooleanField(),
            "seconds": serializers.FloatField(), "rehandles": serializers.IntegerField(),
            "balance": serializers.DictField(), "stability": serializers.CharField(),
        }),
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk: int) -> Response:
        """The stowage plan and load sequence, with a load move per planned box and every box left out, and why."""
        return Response(services.stowage_plan_build(call_id=int(pk), actor=request.user))

    @extend_schema(request=None, responses=CallOutput)
    @action(detail=True, methods=["post"])
    def depart(self, request: Request, pk: int) -> Response:
        """The vessel sails; `409 vessel_work_open` while a discharge, restow or load move is open."""
        services.call_depart(call_id=int(pk), actor=request.user)
        return self._call(pk)

    @extend_schema(request=TallyInput, responses=TallyOutput)
    @action(detail=True, methods=["post"])
    def tally(self, request: Request, pk: int) -> Response:
        """The clerk's tally of a box crossing the quay: confirms its discharge, restow or load move if still open
        (a load or restow at the scanned `cell`), and records the seal as read and damage seen. Tallying again
        corrects the record. `404 container_not_in_call`, `400 cell_required`, `409 cell_mismatch`, and the
        completion's own refusals."""
        data = TallyInput(data=request.data)
        data.is_valid(raise_exception=True)
        tally = services.tally_record(call_id=int(pk), actor=request.user, **data.validated_data)
        move = yard_selectors.move_get(move_id=tally.move_id)
        return Response(TallyOutput(tally, context={"move": move}).data)
