"""The floor of the scanner benchmark: a bare DRF endpoint doing one indexed read and one update.

It runs behind the same gunicorn, middleware, token authentication and role check as the scanner API, so
the difference between its throughput and the scan flow's is what the scanner's own work costs (rules,
row locks, history, idempotency). Mounted only by `bench.urls`, never in production.

POST {FLOOR_PATH}<number>/ {"tare_kg": 2300} reads the container by its number (unique index) and
updates its tare. The benchmark gives each client a container of its own, registered for the purpose.
"""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aktau_tos.roles import DRIVER, YARD_CLERK, roles_allowed
from yard.models import Container

FLOOR_PATH = "api/v1/benchmark/floor/"


class FloorView(APIView):
    """One indexed read, one update: the least a scanner write can cost on this stack."""

    permission_classes = [roles_allowed(DRIVER, YARD_CLERK)]  # the same role check as a move completion

    def post(self, request: Request, number: str) -> Response:
        tare_kg = request.data.get("tare_kg") if isinstance(request.data, dict) else None
        if not isinstance(tare_kg, int) or not 1000 <= tare_kg <= 9000:
            raise ValidationError({"tare_kg": ["An integer from 1000 to 9000."]})
        row = Container.objects.filter(number=number).values_list("pk", flat=True).first()  # the indexed read
        if row is None:
            raise NotFound(f"No container {number}.")
        Container.objects.filter(pk=row).update(tare_kg=tare_kg)  # the update (no history: a bare endpoint)
        return Response({"number": number, "tare_kg": tare_kg})
