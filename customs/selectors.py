"""Reads of the customs app: its pages' rows with where each box stands now, and what each hold asks for.

A customs page lists many boxes, so every read here fetches their positions in one batch (a prefetch of the
primary occupancies, as the yard's own reads do), never one query per row.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from customs.models import CustomsDeclaration, InspectionOrder
from customs.services import CONTROL_KIND, HOLD_FOR_INSPECTION
from yard.models import ContainerVisit, Hold, Occupancy

# Hold.kind is free text shared by every authority; these are customs' own kinds (customs.services).
HOLD_KIND_LABELS = {
    CONTROL_KIND: _("Under customs control until declared"),
    "documents": _("Documents incomplete"),
    "scan_required": _("X-ray scan required"),
    "physical_exam": _("Physical examination required"),
    "seal_discrepancy": _("Seal discrepancy"),
}
# The inspection a hold asks for: the reverse of the hold each kind of order places.
INSPECTION_FOR_HOLD = {hold_kind: order_kind for order_kind, hold_kind in HOLD_FOR_INSPECTION.items()}


def hold_kind_label(kind: str) -> str:
    """A hold's kind as officers say it; a kind customs does not know is shown as written, never hidden."""
    return str(HOLD_KIND_LABELS.get(kind, kind.replace("_", " ")))


def _where_now(visit_path: str = "") -> Prefetch:
    """Sets `current_occupancies` on each visit (at `visit_path`), which yard.selectors.visit_position reads."""
    primary = Occupancy.objects.filter(primary=True).select_related("slot__block")
    return Prefetch(f"{visit_path}occupancies", queryset=primary, to_attr="current_occupancies")


def declarations_with_boxes(declarations: QuerySet[CustomsDeclaration]) -> QuerySet[CustomsDeclaration]:
    """Declarations with their boxes and where each stands (two queries more, whatever the page's length)."""
    visits = ContainerVisit.objects.select_related("container").prefetch_related(_where_now()).order_by("pk")
    return declarations.prefetch_related(Prefetch("visits", queryset=visits))


def orders_with_boxes(orders: QuerySet[InspectionOrder]) -> QuerySet[InspectionOrder]:
    """Inspection orders with their box, its hold and where it stands (one query more for the positions)."""
    return orders.select_related("visit__container", "hold").prefetch_related(_where_now("visit__"))


def visits_under_control() -> QuerySet[ContainerVisit]:
    """Boxes in the terminal with an active customs hold, oldest arrival first, with those holds in
    `customs_holds` and their position (three queries)."""
    active = Hold.objects.filter(authority=Hold.Authority.CUSTOMS, released_at__isnull=True).order_by("placed_at")
    return (
        ContainerVisit.objects.filter(Exists(active.filter(visit=OuterRef("pk"))))
        .exclude(state=ContainerVisit.State.DEPARTED)
        .select_related("container")
        .prefetch_related(Prefetch("holds", queryset=active, to_attr="customs_holds"), _where_now())
        .order_by("arrived_at", "pk")
    )


def holds_without_order() -> list[Hold]:
    """Active customs holds that ask for an inspection no order answers yet, oldest first (two queries).

    A hold asks for the inspection of its kind (a scan_required hold for a scan...). It is answered by an
    order of that kind for the same stay ordered since the hold was placed (whatever came of it), and it
    waits anyway while the box has an open order, since a box has only one open order at a time.
    """
    answered = Q()
    for order_kind, hold_kind in HOLD_FOR_INSPECTION.items():
        same_kind_since = InspectionOrder.objects.filter(
            visit=OuterRef("visit"), kind=order_kind, ordered_at__gte=OuterRef("placed_at")
        )
        answered |= Q(kind=hold_kind) & Exists(same_kind_since)
    open_order = InspectionOrder.objects.filter(visit=OuterRef("visit"), status__in=InspectionOrder.OPEN_STATUSES)
    return list(
        Hold.objects.filter(
            authority=Hold.Authority.CUSTOMS, released_at__isnull=True, kind__in=list(INSPECTION_FOR_HOLD)
        )
        .exclude(visit__state=ContainerVisit.State.DEPARTED)
        .exclude(answered)
        .exclude(Exists(open_order))
        .exclude(Exists(InspectionOrder.objects.filter(hold=OuterRef("pk"))))  # an order's own hold
        .select_related("visit__container")
        .prefetch_related(_where_now("visit__"))
        .order_by("placed_at", "pk")
    )
