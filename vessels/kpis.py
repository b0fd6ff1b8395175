"""Vessel KPIs, each with its definition next to the code that computes it.

A call is what TIC 4.0 calls a carrier visit. Only moves done count; a restow is two crane lifts (off the ship
and back on), so the lifts of a call are its discharge moves + its load moves + two per restow. Times are the
yard's: a move's start and finish, the carrier's arrival (alongside) and departure. A figure that cannot be
computed (no moves, no hours yet) is None, never a division by zero; a count of nothing is 0.

The call's admin page and the nightly report read these; the partner API does not (its fields are a contract).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vessels.models import VesselCall
from vessels.selectors import call_moves
from yard.models import CarrierVisit, YardMove

Kind = YardMove.Kind
QUAY_KINDS = (Kind.DISCHARGE, Kind.LOAD, Kind.RESTOW)
HOUR = timedelta(hours=1)

MOVES_PER_HOUR = _("moves/h")
HOURS = _("h")
MOVES = _("moves")
BOXES = _("boxes")
CALLS = _("calls")

# Each KPI: its name, unit and definition (the report's footer and the admin page print the definition).
NAMES = {
    "gross_crane_rate": (_("Gross crane rate"), MOVES_PER_HOUR),
    "berth_productivity": (_("Berth productivity"), MOVES_PER_HOUR),
    "turnaround": (_("Vessel turnaround"), HOURS),
    "discharge": (_("Discharge moves"), MOVES),
    "load": (_("Load moves"), MOVES),
    "restow": (_("Restow moves"), MOVES),
    "moves": (_("Moves"), MOVES),
    "restows": (_("Restows"), BOXES),
    "calls": (_("Calls departed"), CALLS),
}
DEFINITIONS = {
    "gross_crane_rate": _(
        "TIC 4.0's crane productivity, gross (its default; also known as lifts per hour): the call's crane lifts "
        "(discharge, load and restow moves done, a restow counting two lifts) over the crane working hours, which "
        "run for each crane from the start of its first move to the finish of its last move on the call, pauses "
        "included, summed over the cranes. Moves with no machine recorded are left out of this rate (neither "
        "their crane nor its hours are known); they count in the berth productivity."
    ),
    "berth_productivity": _(
        "The call's crane lifts over its hours alongside, from arrival to departure (to now while the vessel is "
        "alongside): the usual terminal term. TIC 4.0's vessel productivity differs: it counts from the first to "
        "the last cargo move."
    ),
    "turnaround": _(
        "Hours from arrival alongside to departure, none while the vessel is still alongside: the usual terminal "
        "term (vessel turnaround time)."
    ),
    "discharge": _("Boxes lifted off the ship for this port: the call's discharge moves done."),
    "load": _("Boxes lifted onto the ship: the call's load moves done."),
    "restow": _("Crane lifts of restows: two for each box lifted off the ship and back on."),
    "moves": _("The call's crane lifts: discharge moves + load moves + restow moves (two lifts a restow)."),
    "restows": _("Boxes lifted off the ship and back on during the call (one restow move each)."),
    "calls": _("Vessel calls whose vessel departed in the period."),
}
CALL_KPIS = ("gross_crane_rate", "berth_productivity", "turnaround", "discharge", "load", "restow", "moves", "restows")
# A period's figures pool its calls: sums over sums, not a mean of the calls' rates.
PERIOD_DEFINITIONS = {
    "gross_crane_rate": _("For a period: the crane lifts of the calls that departed in it over their crane hours."),
    "berth_productivity": _("For a period: the lifts of the calls that departed in it over their hours alongside."),
    "turnaround": _("For a period: the mean turnaround of the calls that departed in it."),
}


@dataclass(frozen=True)
class Kpi:
    name: str
    value: float | int | None
    unit: str
    definition: str


@dataclass(frozen=True)
class _Work:
    """What a call's KPIs are made of."""

    discharge: int
    load: int
    restows: int
    crane_lifts: int  # lifts done by a recorded machine
    crane_hours: float
    alongside_hours: float | None
    turnaround_hours: float | None

    @property
    def lifts(self) -> int:
        return self.discharge + self.load + 2 * self.restows


def _rate(count: int, hours: float | None) -> float | None:
    return round(count / hours, 2) if hours and hours > 0 else None


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start) / HOUR if start and end else None


def _work(call: VesselCall, now: datetime) -> _Work:
    moves = call_moves(call).filter(status=YardMove.Status.DONE, kind__in=QUAY_KINDS)
    counts = moves.aggregate(
        discharge=Count("pk", filter=Q(kind=Kind.DISCHARGE)),
        load=Count("pk", filter=Q(kind=Kind.LOAD)),
        restows=Count("pk", filter=Q(kind=Kind.RESTOW)),
    )
    lifts = Case(When(kind=Kind.RESTOW, then=Value(2)), default=Value(1), output_field=IntegerField())
    cranes = (
        moves.filter(equipment__isnull=False)
        .values("equipment")
        .annotate(first=Min(Coalesce("started_at", "finished_at")), last=Max("finished_at"), lifts=Sum(lifts))
        .order_by()
    )
    crane_lifts, crane_hours = 0, 0.0
    for crane in cranes:
        crane_lifts += crane["lifts"]
        crane_hours += _hours(crane["first"], crane["last"]) or 0.0
    carrier = call.carrier
    departed = carrier.departed_at if carrier.status == CarrierVisit.Status.DEPARTED else None
    alongside_until = departed or (now if carrier.status == CarrierVisit.Status.ARRIVED else None)
    return _Work(
        discharge=counts["discharge"],
        load=counts["load"],
        restows=counts["restows"],
        crane_lifts=crane_lifts,
        crane_hours=crane_hours,
        alongside_hours=_hours(carrier.arrived_at, alongside_until),
        turnaround_hours=_hours(carrier.arrived_at, departed),
    )


def _kpi(key: str, value: float | int | None, *, period: bool = False) -> Kpi:
    name, unit = NAMES[key]
    definition = DEFINITIONS[key]
    if period and key in PERIOD_DEFINITIONS:
        definition = format_lazy("{} {}", definition, PERIOD_DEFINITIONS[key])
    return Kpi(name, value, unit, definition)


def _move_kpis(discharge: int, load: int, restows: int) -> list[Kpi]:
    return [
        _kpi("discharge", discharge),
        _kpi("load", load),
        _kpi("restow", 2 * restows),
        _kpi("moves", discharge + load + 2 * restows),
        _kpi("restows", restows),
    ]


def _call_kpis(work: _Work) -> list[Kpi]:
    # In the order of CALL_KPIS: the report's columns.
    return [
        _kpi("gross_crane_rate", _rate(work.crane_lifts, work.crane_hours)),
        _kpi("berth_productivity", _rate(work.lifts, work.alongside_hours)),
        _kpi("turnaround", None if work.turnaround_hours is None else round(work.turnaround_hours, 2)),
        *_move_kpis(work.discharge, work.load, work.restows),
    ]


def call_kpis(call: VesselCall, *, now: datetime | None = None) -> list[Kpi]:
    """The call's KPIs, always the same ones in the same order (a value None where it cannot be computed)."""
    return _call_kpis(_work(call, now or timezone.now()))


def _with_related():
    return VesselCall.objects.select_related("carrier", "vessel", "berth")


def period_kpis(start: datetime, end: datetime) -> dict:
    """The calls whose vessel departed in [start, end), each with its KPIs, and the period's totals."""
    calls = list(
        _with_related()
        .filter(carrier__status=CarrierVisit.Status.DEPARTED, carrier__departed_at__gte=start)
        .filter(carrier__departed_at__lt=end)
        .order_by("carrier__departed_at", "pk")
    )
    works = [_work(call, end) for call in calls]
    turnarounds = [work.turnaround_hours for work in works if work.turnaround_hours is not None]
    alongside = sum(work.alongside_hours or 0.0 for work in works)
    totals = [
        _kpi("calls", len(calls)),
        _kpi(
            "gross_crane_rate", _rate(sum(w.crane_lifts for w in works), sum(w.crane_hours for w in works)), period=True
        ),
        _kpi("berth_productivity", _rate(sum(w.lifts for w in works), alongside), period=True),
        _kpi("turnaround", round(sum(turnarounds) / len(turnarounds), 2) if turnarounds else None, period=True),
        *_move_kpis(sum(w.discharge for w in works), sum(w.load for w in works), sum(w.restows for w in works)),
    ]
    return {
        "start": start,
        "end": end,
        "calls": [{"call": call, "kpis": _call_kpis(work)} for call, work in zip(calls, works, strict=True)],
        "totals": totals,
    }


def alongside_kpis(*, now: datetime | None = None) -> list[dict]:
    """The calls whose vessel is alongside now, each with its KPIs so far."""
    now = now or timezone.now()
    calls = _with_related().filter(carrier__status=CarrierVisit.Status.ARRIVED).order_by("carrier__arrived_at", "pk")
    return [{"call": call, "kpis": call_kpis(call, now=now)} for call in calls]
