import csv
import io
import json

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiView
from aktau_tos.roles import ALL_ROLES, DG_OFFICER, MANAGER, OPERATOR
from dangerous_goods import selectors, services
from dangerous_goods.api.serializers import DgDeclarationInput, DgDeclarationOutput, InventoryRow
from dangerous_goods.errors import UnknownHazardClass
from dangerous_goods.segregation import IMDG_AMENDMENT, class_column, level

# A class or division as usually written (3, 5.1, 1.4S); class_column decides what is accepted.
HAZARD_CLASS = r"^[1-9](\.[1-6])?[A-S]?$"
INVENTORY_COLUMNS = [
    "block", "position", "container", "un_number", "class", "subsidiary_risks", "packing_group",
    "proper_shipping_name", "net_mass_kg", "limited_quantity", "ems",
]  # fmt: skip
# The spreadsheet the admin's printable page offers is read by people (the fire brigade): its header row says the
# columns in the reader's language. The API's spreadsheet keeps INVENTORY_COLUMNS, its contract.
INVENTORY_HEADINGS = {
    "block": _("Block"),
    "position": _("Position"),
    "container": _("Container"),
    "un_number": _("UN number"),
    "class": _("Class"),
    "subsidiary_risks": _("Subsidiary risks"),
    "packing_group": _("Packing group"),
    "proper_shipping_name": _("Proper shipping name"),
    "net_mass_kg": _("Net mass (kg)"),
    "limited_quantity": _("Limited quantity"),
    "ems": _("EmS (fire, spillage)"),
}


class SegregationView(ApiView):
    """IMDG 7.2.4: the segregation two classes or divisions need ("1"-"4", "X", or "*" for class 1 against 1)."""

    roles = {"get": ALL_ROLES}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "a", str, required=True, pattern=HAZARD_CLASS, description=_("Class or division, e.g. 5.1")
            ),
            OpenApiParameter(
                "b", str, required=True, pattern=HAZARD_CLASS, description=_("Class or division, e.g. 1.4S")
            ),
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


class DeclarationView(ApiView):
    """The DG office declares (or corrects) a container's goods; the container is re-checked where it stands."""

    roles = {"post": (DG_OFFICER, OPERATOR)}

    @extend_schema(request=DgDeclarationInput, responses={200: DgDeclarationOutput})
    def post(self, request: Request) -> Response:
        data = DgDeclarationInput(data=request.data)
        data.is_valid(raise_exception=True)
        declaration = services.declaration_replace(actor=request.user, **data.validated_data)
        return Response(DgDeclarationOutput(declaration).data)


class InventoryCsvRenderer(BaseRenderer):
    """The inventory as a spreadsheet (?format=csv)."""

    media_type, format, charset = "text/csv", "csv", "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, dict):  # an error: keep the problem readable
            return json.dumps(data).encode()
        return inventory_csv_text(data).encode()


class InventoryView(ApiView):
    """Every DG container in the terminal now, by block: position, UN number, class, name, quantity, EmS.

    `?format=csv` gives the same as a spreadsheet for emergency services.
    """

    roles = {"get": (DG_OFFICER, OPERATOR, MANAGER)}
    renderer_classes = [JSONRenderer, InventoryCsvRenderer]

    @extend_schema(responses=InventoryRow(many=True))
    def get(self, request: Request) -> Response:
        rows = selectors.inventory()
        if request.accepted_renderer.format == "csv":
            return Response(rows, headers={"Content-Disposition": f'attachment; filename="{_csv_name()}"'})
        return Response(InventoryRow(rows, many=True).data)


def _csv_name() -> str:
    return f"dg-inventory-{timezone.localtime().strftime('%Y%m%d-%H%M')}.csv"


def inventory_csv_text(rows: list[dict], headings: dict | None = None) -> str:
    """The rows as CSV; the header row holds the field names, or `headings` (field -> text) when given."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INVENTORY_COLUMNS)
    if headings is None:
        writer.writeheader()
    else:
        writer.writerow({field: str(headings[field]) for field in INVENTORY_COLUMNS})
    writer.writerows(rows)
    return buffer.getvalue()


def inventory_csv(rows: list[dict]) -> HttpResponse:
    """The same spreadsheet for the admin's printable page, its header row in the reader's language (with a byte
    order mark, so that a spreadsheet program opening it reads Cyrillic and Chinese as UTF-8)."""
    text = "\ufeff" + inventory_csv_text(rows, INVENTORY_HEADINGS)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_csv_name()}"'
    return response
