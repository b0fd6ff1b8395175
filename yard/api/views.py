from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import IdempotentMixin
from aktau_tos.roles import ALL_ROLES, OPERATOR, YARD_CLERK, roles_allowed
from yard import selectors, services
from yard.api.serializers import ContainerOutput, ContainerRegisterInput
from yard.models import Container


class ContainerFilter(filters.FilterSet):
    owner = filters.CharFilter(field_name="number", lookup_expr="startswith", help_text="Owner code, e.g. MSK.")
    iso_type = filters.CharFilter(field_name="iso_type_id")
    length_ft = filters.NumberFilter(field_name="iso_type__length_ft")
    group = filters.CharFilter(field_name="iso_type__group", help_text="ISO type group letter, e.g. R for reefers.")

    class Meta:
        model = Container
        fields = ["owner", "iso_type", "length_ft", "group"]


class ContainerViewSet(IdempotentMixin, viewsets.GenericViewSet):
    """Containers by ISO 6346 number. Numbers may be sent as scanned: any case, spaces allowed."""

    queryset = Container.objects.select_related("iso_type").order_by("number")
    serializer_class = ContainerOutput
    filterset_class = ContainerFilter
    lookup_field = "number"
    lookup_value_regex = "[^/]+"

    def get_permissions(self):
        roles = (OPERATOR, YARD_CLERK) if self.action == "create" else ALL_ROLES
        return [roles_allowed(*roles)()]

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ContainerOutput(page, many=True).data)

    def retrieve(self, request: Request, number: str) -> Response:
        return Response(ContainerOutput(selectors.container_get_by_number(number=number)).data)

    @extend_schema(request=ContainerRegisterInput, responses={201: ContainerOutput})
    def create(self, request: Request) -> Response:
        """Registers a container's identity before it is first seen (partner systems, operators)."""
        data = ContainerRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        container = services.container_register(actor=request.user, **data.validated_data)
        return Response(ContainerOutput(container).data, status=201)
