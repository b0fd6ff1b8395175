from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from aktau_tos.api import ApiView
from aktau_tos.roles import EDI_PARTNER, OPERATOR
from edi import events
from edi.api.views import acting_for
from edi.models import ContainerEvent


class ContainerEventOutput(serializers.ModelSerializer):
    class Meta:
        model = ContainerEvent
        fields = ["id", "container", "milestone", "at", "place", "carrier_mode", "carrier_reference", "line", "detail"]


class ContainerEventFeedView(ApiView):
    """Container milestones, for partners to follow their boxes along the corridor: a feed read with a cursor
    (one page an object with its `next` cursor, not a collection)."""

    roles = {"get": (OPERATOR, EDI_PARTNER)}

    @extend_schema(
        parameters=[
            OpenApiParameter("after", str, description="The `next` of the previous page; empty: from the start."),
            OpenApiParameter("container", str, description="Only this container's events."),
            OpenApiParameter("limit", int, description="At most this many (and at most the feed's page size)."),
        ],
        responses=inline_serializer(
            "ContainerEventPage",
            {"events": ContainerEventOutput(many=True), "next": serializers.CharField(allow_null=True)},
        ),
    )
    def get(self, request: Request) -> Response:
        """Events after the cursor, oldest first; ask again with `next` (the same cursor while nothing is new)."""
        params = request.query_params
        limit = params.get("limit", "")
        page = events.events_page(
            partner=acting_for(request),
            after=params.get("after", "").strip(),
            container=params.get("container", "").strip(),
            limit=int(limit) if limit.isdigit() else None,
        )
        return Response({"events": ContainerEventOutput(page.events, many=True).data, "next": page.next})
