import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aktau_tos.api import CommandView
from aktau_tos.roles import ALL_ROLES, DG_OFFICER, MANAGER, OPERATOR, roles_allowed
from dangerous_goods import selectors, services
from dangerous_goods.api.serializers import DeclarationInput, DeclarationOutput, InventoryRow
from dangerous_goods.errors import UnknownHazardClass
from dangerous_goods.segregation import IMDG_AMENDMENT, class_column, level

INVENTORY_COLUMNS = [
    "block", "position", "container", "un_number", "class", "subsidiary_risks", "packing_group",
    "proper_shipping_name", "net_mass_kg", "limited_quantity", "ems",
]  # fmt: skip


class SegregationView(APIView):
    """IMDG 7.2.4: the segregation two classes or divisions need ("1"-"4", "X", or "*" for class 1 against 1)."""

    permission_classes = [roles_allowed(*ALL_ROLES)]

    @extend_schema(
        parameters=[
            OpenApiParameter("a", str, required=True, description="Class or division, e.g. 3 or 5.1"),
            OpenApiParameter("b", str, required=True, description="Class or division, e.g. 1.4S"),
        ],
        responses=inline_serializer(
            "SegregationOutput",
            {
                "a": serializers.CharField(),
                "b": serializers.CharField(),
                "level": serializers.CharField(),
                "amendment": serializers.CharField(),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
        for value in (a, b):
            try:
                class_column(value)
            except ValueError:
                raise UnknownHazardClass(value=value) from None
        return Response({"a": a, "b": b, "level": str(level(a, b)), "amendment": IMDG_AMENDMENT})


class DeclarationView(CommandView):
    """The DG office declares (or corrects) a container's goods; the container is re-checked where it stands."""

    permission_classes = [roles_allowed(DG_OFFICER, OPERATOR)]

    @extend_schema(request=DeclarationInput, responses={200: DeclarationOutput})
    def post(self, request: Request) -> Response:
        data = DeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = services.declaration_replace(actor=request.user, **data.validated_data)
        return Response(DeclarationOutput(declaration).data)


class InventoryView(APIView):
    """Every DG container in the terminal now, by block: position, UN number, class, name, quantity, EmS.

    `?format=csv` gives the same as a spreadsheet for emergency services.
    """

    permission_classes = [roles_allowed(DG_OFFICER, OPERATOR, MANAGER)]

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json", "csv"], required=False)],
        responses=InventoryRow(many=True),
    )
    def get(self, request: Request):
        rows = selectors.inventory()
        if request.query_params.get("format") == "csv":
            return inventory_csv(rows)
        return Response(InventoryRow(rows, many=True).data)


def inventory_csv(rows: list[dict]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INVENTORY_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dg-inventory-{stamp}.csv"'
    return response
