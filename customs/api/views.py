from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiViewSet
from aktau_tos.roles import CUSTOMS_OFFICER, MANAGER, OPERATOR
from customs import services
from customs.api.serializers import (
    CustomsDeclarationInput,
    CustomsDeclarationOutput,
    CustomsHoldInput,
    InspectionOrderInput,
    InspectionOrderOutput,
    InspectionResultInput,
    PhotoInput,
)
from customs.models import CustomsDeclaration, InspectionOrder
from yard.api.serializers import HoldOutput
from yard.models import Hold

OFFICER = (CUSTOMS_OFFICER,)
READERS = (CUSTOMS_OFFICER, OPERATOR, MANAGER)


class CustomsHoldViewSet(ApiViewSet):
    """Customs holds: only customs officers place or release them, always with a reason."""

    queryset = Hold.objects.none()
    serializer_class = HoldOutput
    roles = {"*": OFFICER}

    @extend_schema(request=CustomsHoldInput, responses={201: HoldOutput})
    def create(self, request: Request) -> Response:
        data = CustomsHoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        hold = services.hold_place(actor=request.user, **data.validated_data)
        return Response(HoldOutput(hold).data, status=201)

    @extend_schema(request=None, responses=HoldOutput)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: int) -> Response:
        return Response(HoldOutput(services.hold_release(hold_id=int(pk), actor=request.user)).data)


class CustomsDeclarationViewSet(ApiViewSet):
    queryset = CustomsDeclaration.objects.none()
    serializer_class = CustomsDeclarationOutput
    roles = {"*": OFFICER}

    @extend_schema(request=CustomsDeclarationInput, responses={201: CustomsDeclarationOutput})
    def create(self, request: Request) -> Response:
        data = CustomsDeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = services.declaration_register(actor=request.user, **data.validated_data)
        return Response(CustomsDeclarationOutput(declaration).data, status=201)

    @extend_schema(request=None, responses=CustomsDeclarationOutput)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: int) -> Response:
        declaration = services.declaration_release(declaration_id=int(pk), actor=request.user)
        return Response(CustomsDeclarationOutput(declaration).data)


class InspectionViewSet(ApiViewSet):
    """Inspection orders: X-ray scan, physical examination, seal check; results from the officer's handheld."""

    queryset = InspectionOrder.objects.select_related("visit__container", "hold").prefetch_related("photos")
    serializer_class = InspectionOrderOutput
    filterset_fields = ["status", "kind"]
    roles = {"list": READERS, "retrieve": READERS, "*": OFFICER}

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(InspectionOrderOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(InspectionOrderOutput(self.get_object()).data)

    @extend_schema(request=InspectionOrderInput, responses={201: InspectionOrderOutput})
    def create(self, request: Request) -> Response:
        data = InspectionOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.inspection_order(actor=request.user, **data.validated_data)
        return Response(InspectionOrderOutput(order).data, status=201)

    @extend_schema(request=InspectionResultInput, responses=InspectionOrderOutput)
    @action(detail=True, methods=["post"])
    def result(self, request: Request, pk: int) -> Response:
        data = InspectionResultInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.inspection_result(order_id=int(pk), actor=request.user, **data.validated_data)
        return Response(InspectionOrderOutput(order).data)

    @extend_schema(request={"multipart/form-data": PhotoInput}, responses={201: InspectionOrderOutput})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request: Request, pk: int) -> Response:
        data = PhotoInput(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.inspection_photo_add(order_id=int(pk), image=data.validated_data["image"], actor=request.user)
        return Response(InspectionOrderOutput(photo.order).data, status=201)
