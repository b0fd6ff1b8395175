"""Capacity ahead: will the special areas hold what pre-advice announces?

Three areas are scarce at Aktau and cannot borrow from the full blocks: the DG area's places, the reefer plugs
(powered ground slots times their block's tiers) and the customs inspection area. Before a train or a ship
arrives, its pre-advice is checked against each: over a window from its arrival to its arrival plus the area's
expected dwell (`CAPACITY_DWELL_DAYS`), the forecast counts in 20' places (a 40' or 45' fills two)

- **on hand**: boxes standing in the area now, until their expected departure (unknown: through the window);
- **announced**: boxes expected and not yet in the yard (stays opened for a ship's or a truck's arrival, and what
  other apps announce through `yard.hooks.capacity_arrivals`, such as accepted train pre-advices), from their
  carrier's ETA until their expected departure, else for the area's dwell; boxes in the yard with an open move
  to the inspection area, from its appointment for the inspection dwell;
- **demand**: the boxes of this pre-advice that need the area, throughout the window.

It takes the moment in the window where on hand plus announced is highest and compares it, with the demand, to
the area's usable capacity: its places times `CAPACITY_EFFECTIVE_SHARE` (segregation gaps in the DG area make
many places unusable; the share says how many, rather than pretending to model segregation). `short` is how many
of this pre-advice's places will not fit. Inspection demand is a share of the full boxes under customs control
(`CAPACITY_INSPECTION_SHARE`), rounded up: before arrival no box has an inspection order yet.

A shortage is a warning for the operator, never a refusal. The forecast reads the yard once (`outlook_load`) and
is then plain arithmetic (`capacity_forecast`), so a periodic check can weigh every expected carrier on one read.
"""

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from yard import hooks
from yard.models import Block, CarrierVisit, ContainerVisit, IsoSizeType, IsoTypeAlias, Occupancy, Slot, YardMove

DG, REEFER, INSPECTION = "dg", "reefer", "inspection"
AREAS = (DG, REEFER, INSPECTION)


@dataclass(frozen=True)
class Unit:
    """A box as the forecast counts it."""

    container: str
    places: int  # 20' ground places: 1, or 2 for a 40' or 45'
    dangerous: bool  # declared DG lines: the DG area
    reefer: bool  # a full reefer: a plug
    inspectable: bool  # full and under customs control: customs may pick it for inspection
    arrives: datetime | None = None  # None: any time from now
    leaves: datetime | None = None  # expected departure; None: unknown


def unit_make(
    *,
    container: str,
    length_ft: int,
    group: str,
    freight_kind: str,
    dangerous_goods: Iterable | None,
    category: str | None = None,
    arrives: datetime | None = None,
    leaves: datetime | None = None,
) -> Unit:
    """A unit from a box's plain values; `category` None (not known before arrival) counts as under control."""
    full = freight_kind != ContainerVisit.FreightKind.EMPTY
    controlled = category is None or category in settings.CUSTOMS_CONTROL_CATEGORIES
    return Unit(
        container=container,
        places=2 if length_ft >= 40 else 1,
        dangerous=bool(dangerous_goods),
        reefer=full and group == IsoSizeType.Group.REEFER,
        inspectable=full and controlled,
        arrives=arrives,
        leaves=leaves,
    )


def size_types_known() -> dict[str, tuple[int, str]]:
    """Every size/type code, current and legacy, -> (length in feet, group): for boxes not yet in the database."""
    rows = IsoSizeType.objects.values_list("code", "length_ft", "group")
    known = {code: (length, group) for code, length, group in rows}
    for alias, code in IsoTypeAlias.objects.values_list("alias", "iso_type_id"):
        if code in known:
            known.setdefault(alias, known[code])
    return known


_VISIT_FIELDS = (
    "container__number", "container__iso_type__length_ft", "container__iso_type__group", "freight_kind",
    "dangerous_goods", "category", "inbound_carrier__status", "inbound_carrier__eta", "expected_departure",
    "outbound_carrier__etd",
)  # fmt: skip


def visit_units(visits: QuerySet[ContainerVisit]) -> list[Unit]:
    """Units of expected stays: arriving at their carrier's ETA (now, once it has arrived), leaving at their own
    expected departure or their outbound carrier's."""
    units = []
    for number, length, group, kind, goods, category, status, eta, expected, etd in visits.values_list(*_VISIT_FIELDS):
        arrives = eta if status == CarrierVisit.Status.EXPECTED else None
        unit = unit_make(container=number, length_ft=length, group=group, freight_kind=kind, dangerous_goods=goods,
                         category=category, arrives=arrives, leaves=expected or etd)  # fmt: skip
        units.append(unit)
    return units


def expected_stays() -> QuerySet[ContainerVisit]:
    """Stays expected in the yard: not those bound straight back onto a carrier (a restow on board)."""
    onto_carrier = YardMove.objects.filter(
        visit=OuterRef("pk"), status__in=YardMove.OPEN_STATUSES, to_carrier__isnull=False
    )
    return ContainerVisit.objects.filter(state=ContainerVisit.State.EXPECTED).exclude(Exists(onto_carrier))


@dataclass
class Outlook:
    """The yard as the forecast needs it, read once."""

    now: datetime
    places: dict[str, int]  # area -> places
    on_hand: dict[str, list[datetime | None]]  # area -> one entry per place taken: when it is expected to free
    arrivals: list[Unit] = field(default_factory=list)  # announced, not yet in the yard
    inspections: list[tuple[int, datetime]] = field(default_factory=list)  # (places, appointment) of boxes bound there


def outlook_load(*, now: datetime | None = None) -> Outlook:
    """Reads the areas' places, who stands in them and what is announced (a handful of queries)."""
    now = now or timezone.now()
    slots = Slot.objects.values("pk")
    places = {
        DG: slots.filter(block__kind=Block.Kind.DANGEROUS_GOODS).aggregate(n=Sum("block__max_tier"))["n"] or 0,
        REEFER: slots.filter(reefer_power=True).aggregate(n=Sum("block__max_tier"))["n"] or 0,
        INSPECTION: slots.filter(block__kind=Block.Kind.INSPECTION).aggregate(n=Sum("block__max_tier"))["n"] or 0,
    }
    on_hand: dict[str, list[datetime | None]] = {area: [] for area in AREAS}
    special = Q(slot__block__kind__in=[Block.Kind.DANGEROUS_GOODS, Block.Kind.INSPECTION]) | Q(slot__reefer_power=True)
    rows = Occupancy.objects.filter(special).values_list(
        "slot__block__kind", "slot__reefer_power", "visit__expected_departure", "visit__outbound_carrier__etd"
    )
    for kind, powered, expected, etd in rows:  # each row is one place (a 40' stands on two)
        leaves = expected or etd
        if kind == Block.Kind.DANGEROUS_GOODS:
            on_hand[DG].append(leaves)
        elif kind == Block.Kind.INSPECTION:
            on_hand[INSPECTION].append(leaves)
        if powered:
            on_hand[REEFER].append(leaves)
    arrivals = visit_units(expected_stays())
    announced = [unit for announce in hooks.capacity_arrivals for unit in announce(now=now)]  # e.g. train pre-advices
    # Only the announced numbers are looked up: the yard's history grows every day, the announcements do not.
    in_terminal = set(
        ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        .filter(container__number__in={unit.container for unit in announced})
        .order_by()
        .values_list("container__number", flat=True)
    )
    arrivals += [unit for unit in announced if unit.container not in in_terminal]  # those the yard has no stay for
    bound = YardMove.objects.filter(
        kind=YardMove.Kind.INSPECTION, status__in=YardMove.OPEN_STATUSES, to_slot__block__kind=Block.Kind.INSPECTION
    ).values_list("visit__container__iso_type__length_ft", "deadline")
    inspections = [(2 if length >= 40 else 1, deadline or now) for length, deadline in bound]
    return Outlook(now=now, places=places, on_hand=on_hand, arrivals=arrivals, inspections=inspections)


@dataclass(frozen=True)
class AreaForecast:
    """One area over one pre-advice's window, at the window's busiest moment. Counts are 20' places."""

    area: str
    date: date  # the busiest moment's day, local time
    places: int  # the area's places
    capacity: int  # usable: places x CAPACITY_EFFECTIVE_SHARE
    on_hand: int
    announced: int
    demand: int  # this pre-advice's
    boxes: int  # this pre-advice's boxes that need the area
    short: int  # this pre-advice's places that will not fit

    def as_dict(self) -> dict:
        return {**asdict(self), "date": self.date.isoformat()}


def _dwell(area: str) -> timedelta:
    return timedelta(days=settings.CAPACITY_DWELL_DAYS[area])


def _needs(unit: Unit, area: str) -> bool:
    return {DG: unit.dangerous, REEFER: unit.reefer, INSPECTION: unit.inspectable}[area]


def _share(area: str) -> float:
    return settings.CAPACITY_INSPECTION_SHARE if area == INSPECTION else 1.0


def _present(start: datetime, until: datetime | None, moment: datetime) -> bool:
    return start <= moment and (until is None or moment < until)


def capacity_forecast(outlook: Outlook, *, arrival: datetime | None, units: list[Unit]) -> list[AreaForecast]:
    """Each area over [arrival, arrival + dwell] for these boxes (a pre-advice's), against everything else."""
    start = max(arrival or outlook.now, outlook.now)  # a late train is counted from now
    own = {unit.container for unit in units}
    others = [unit for unit in outlook.arrivals if unit.container not in own]
    forecasts = []
    for area in AREAS:
        end, dwell = start + _dwell(area), _dwell(area)
        spans = []  # (places, from, until) of each announced box the area holds
        for unit in others:
            if _needs(unit, area):
                begins = max(unit.arrives or outlook.now, outlook.now)
                until = begins + dwell if area == INSPECTION or unit.leaves is None else unit.leaves
                spans.append((unit.places * _share(area), begins, until))
        if area == INSPECTION:
            spans += [(places, at, at + dwell) for places, at in outlook.inspections]
        moments = [start, *sorted(span[1] for span in spans if start < span[1] < end)]
        busiest, on_hand, announced = start, -1, 0
        for moment in moments:
            here = sum(1 for leaves in outlook.on_hand[area] if leaves is None or leaves > moment)
            coming = math.ceil(sum(places for places, begins, until in spans if _present(begins, until, moment)))
            if here + coming > on_hand + announced:
                busiest, on_hand, announced = moment, here, coming
        needing = [unit for unit in units if _needs(unit, area)]
        demand = math.ceil(sum(unit.places for unit in needing) * _share(area))
        capacity = math.floor(outlook.places[area] * settings.CAPACITY_EFFECTIVE_SHARE[area])
        short = min(demand, max(0, on_hand + announced + demand - capacity))
        forecast = AreaForecast(area=area, date=timezone.localdate(busiest), places=outlook.places[area],
                                capacity=capacity, on_hand=on_hand, announced=announced, demand=demand,
                                boxes=len(needing), short=short)  # fmt: skip
        forecasts.append(forecast)
    return forecasts


def capacity_warnings(outlook: Outlook, *, arrival: datetime | None, units: list[Unit]) -> list[dict]:
    """The areas this pre-advice would find short, as stored with it and shown: [{area, date, capacity, ...}]."""
    forecasts = capacity_forecast(outlook, arrival=arrival, units=units)
    return [forecast.as_dict() for forecast in forecasts if forecast.short]


_TEXTS = {
    DG: lambda: _(
        "DG area: %(taken)s of %(capacity)s usable places taken on %(date)s; %(subject)s brings %(boxes)s DG "
        "box(es), %(demand)s place(s): %(short)s short."
    ),
    REEFER: lambda: _(
        "Reefer plugs: %(taken)s of %(capacity)s taken on %(date)s; %(subject)s brings %(boxes)s reefer(s), "
        "%(demand)s plug place(s): %(short)s short."
    ),
    INSPECTION: lambda: _(
        "Inspection area: %(taken)s of %(capacity)s places taken on %(date)s; %(subject)s brings an expected "
        "%(demand)s inspection place(s) (of %(boxes)s box(es) under customs control): %(short)s short."
    ),
}


def capacity_warning_text(warning: dict, *, subject: str | None = None) -> str:
    """A stored warning as a sentence for the operator, in the current language."""
    day = date.fromisoformat(warning["date"])
    return _TEXTS[warning["area"]]() % {
        **warning,
        "taken": warning["on_hand"] + warning["announced"],
        "date": formats.date_format(day, "j M Y"),
        "subject": subject or _("this pre-advice"),
    }
