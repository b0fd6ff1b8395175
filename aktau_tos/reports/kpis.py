"""The numbers of the nightly report. Each has one definition, here (the vessel KPIs' next to their code, in
vessels/kpis.py; the action list's in actions.py), and the report's footer prints it.

Everything is computed by aggregate queries in the database, so the time to build does not grow with
the number of rows Python touches: a year of history is a handful of GROUP BY queries.
Periods are local (Aktau) calendar days: the day, the month to date and the year to date, each ending
at the end of the report's day. Figures "now" (occupancy, open holds) are as at the time of building.
"""

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from aktau_tos.reports import l10n
from aktau_tos.reports.actions import ActionItem, action_items
from customs.models import InspectionOrder
from dangerous_goods.models import DeclarationLine, SegregationAlert
from rail.models import TrainVisit
from vessels import kpis as vessel_kpis
from yard.models import Block, ContainerVisit, Equipment, Hold, Occupancy, YardMove

DESIGN_TEU_PER_YEAR = 240_000
DESIGN_TEU_PER_DAY = DESIGN_TEU_PER_YEAR / 365  # the pace the daily chart draws: about 658 TEU a day
SERIES_DAYS = 30  # the daily throughput chart's window, ending with the report's day
DWELL_BUCKETS = [(_("under 1 day"), 0, 1), (_("1-3 days"), 1, 3), (_("3-7 days"), 3, 7), (_("7-14 days"), 7, 14),
                 (_("14 days or more"), 14, None)]  # fmt: skip
PRODUCTIVE_KINDS = [YardMove.Kind.DISCHARGE, YardMove.Kind.RECEIVE, YardMove.Kind.LOAD, YardMove.Kind.DELIVERY]
REHANDLE_KINDS = [YardMove.Kind.SHIFT, YardMove.Kind.HOUSEKEEPING]
# The periods by their key (which the rows and tests use) and the name a reader sees.
PERIOD_LABELS = {"day": _("day"), "month to date": _("month to date"), "year to date": _("year to date")}
# Throughput rows by direction (the key the rows and tests use) and the word a reader sees.
DIRECTION_LABELS = {"in": pgettext_lazy("boxes moving", "in"), "out": pgettext_lazy("boxes moving", "out")}

DEFINITIONS = {
    "needs_action": _(
        "Needs action: as the report was built, open dangerous-goods segregation alerts; trains and vessels past "
        "their ETA and not arrived, or past their ETD and not departed; boxes awaiting a slot; moves failed or "
        "cancelled on the day; holds open longer than %(hold_hours)d hours; boxes in the yard past their expected "
        "departure, or without one for %(dwell_days)d days or more, or under customs control for %(storage_days)d "
        "days or more."
    ),
    "throughput": _(
        "Throughput: containers (and TEU by ISO size/type) that arrived in the period by their inbound carrier's "
        "mode, plus those that left in it by their outbound mode. Design: %(design_year)s TEU a year, pro rata "
        "(about %(design_day)s TEU a day, the line on the daily chart)."
    ),
    "occupancy": _(
        "Yard occupancy: places taken (ground slot x tier, a 40' counts two) over places available (bays x rows x "
        "the block's tier limit), now. On the chart each block's bar is as long as its places, and each stack is "
        "coloured by its height over the tier limit."
    ),
    "dwell": _("Dwell: from arrival in the yard to departure, for containers that left in the period."),
    "moves": _(
        "Moves: yard moves confirmed done in the period, by kind. Moves per machine hour: those moves over the "
        "stacking machines in service times the hours of the period."
    ),
    "rehandles": _(
        "Rehandle ratio: ad hoc shifts and housekeeping moves over productive moves (discharge, receive, load, "
        "delivery) done in the period."
    ),
    "customs": _(
        "Customs: containers with an active customs hold now; holds and inspection orders open now with their "
        "age; storage clocks within the warning days of the temporary-storage limit."
    ),
    "dangerous_goods": _(
        "Dangerous goods: declaration lines of containers in the yard now, by primary class; segregation alerts "
        "open now and raised in the period."
    ),
    "exceptions": _("Exceptions: moves marked failed or cancelled in the period."),
    "awaiting_slot": _(
        "Awaiting a slot: moves planned while their area was full, still without a place when the report was "
        "built, and how long each has waited."
    ),
    "trains": _(
        "Train turnaround: from a train's arrival on its line to its departure, for trains that left in the "
        "period, by line and direction; moves per hour: its discharge or loading moves over those hours."
    ),
}


def _definitions() -> dict[str, str]:
    """The report's definitions and the vessel KPIs' (with how a period pools its calls), translated as built,
    with the action list's thresholds as set."""
    thresholds = {
        "hold_hours": settings.REPORT_HOLD_AGE_HOURS,
        "dwell_days": settings.REPORT_DWELL_LIMIT_DAYS,
        "storage_days": settings.CUSTOMS_STORAGE_LIMIT_DAYS,
    }
    report = {key: str(text) for key, text in DEFINITIONS.items()}
    report["needs_action"] %= thresholds
    design = {"design_year": l10n.number(DESIGN_TEU_PER_YEAR), "design_day": l10n.number(DESIGN_TEU_PER_DAY)}
    report["throughput"] %= design  # written as the reader's language writes numbers
    vessels = {
        f"vessel_{key}": gettext("%(name)s: %(definition)s")
        % {
            "name": name,
            # the definition, then how a period pools its calls: two sentences of their own
            "definition": " ".join(
                str(text) for text in (vessel_kpis.DEFINITIONS[key], vessel_kpis.PERIOD_DEFINITIONS.get(key)) if text
            ),
        }
        for key, (name, _unit) in vessel_kpis.NAMES.items()
    }
    return {**report, **vessels}


@dataclass(frozen=True)
class Period:
    name: str
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start) / timedelta(days=1)))

    @property
    def design_teu(self) -> float:
        return DESIGN_TEU_PER_YEAR * self.days / 365

    @property
    def label(self) -> str:
        return str(PERIOD_LABELS[self.name])


def periods_for(day: date) -> list[Period]:
    tz = timezone.get_current_timezone()
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return [
        Period("day", datetime.combine(day, time.min, tzinfo=tz), end),
        Period("month to date", datetime.combine(day.replace(day=1), time.min, tzinfo=tz), end),
        Period("year to date", datetime.combine(day.replace(month=1, day=1), time.min, tzinfo=tz), end),
    ]


@dataclass
class DailyKpis:
    day: date
    built_at: datetime
    throughput: list[dict] = field(default_factory=list)  # per period: boxes/TEU in and out by mode, design
    occupancy: list[dict] = field(default_factory=list)  # per block
    dwell: dict = field(default_factory=dict)  # per period: bucket counts and mean days
    moves: list[dict] = field(default_factory=list)  # per period: by kind, per machine hour, rehandle ratio
    customs: dict = field(default_factory=dict)
    dangerous_goods: dict = field(default_factory=dict)
    exceptions: list[dict] = field(default_factory=list)
    awaiting_slot: list[dict] = field(default_factory=list)  # moves waiting for a place now (needs action)
    trains: list[dict] = field(default_factory=list)  # per period and line: trains and mean turnaround hours
    vessels: dict = field(default_factory=dict)  # calls departed on the day, alongside now, month to date
    daily_throughput: list[dict] = field(default_factory=list)  # per day of the last SERIES_DAYS: TEU in and out
    actions: list[ActionItem] = field(default_factory=list)  # every item of the action list, with its count
    definitions: dict = field(default_factory=_definitions)

    @property
    def needs_action(self) -> list[ActionItem]:
        """The items that need action now: those with something in them."""
        return [item for item in self.actions if item.count]


def _throughput(period: Period) -> dict:
    teu = Sum("container__iso_type__teu")
    arrived = (
        ContainerVisit.objects.filter(arrived_at__gte=period.start, arrived_at__lt=period.end)
        .values(mode=F("inbound_carrier__mode"))
        .annotate(boxes=Count("id"), teu=teu)
    )
    departed = (
        ContainerVisit.objects.filter(departed_at__gte=period.start, departed_at__lt=period.end)
        .values(mode=F("outbound_mode"))
        .annotate(boxes=Count("id"), teu=teu)
    )
    rows = [{"direction": "in", **row} for row in arrived] + [{"direction": "out", **row} for row in departed]
    total_teu = sum((row["teu"] or Decimal(0) for row in rows), Decimal(0))
    return {
        "period": period.name,
        "label": period.label,
        "rows": sorted(rows, key=lambda r: (r["direction"], r["mode"] or "")),
        "boxes": sum(row["boxes"] for row in rows),
        "teu": float(total_teu),
        "design_teu": round(period.design_teu, 1),
        "share_of_design": round(float(total_teu) / period.design_teu, 3) if period.design_teu else 0.0,
    }


def _daily_throughput(day: date) -> list[dict]:
    """Boxes and TEU in and out on each local day of the SERIES_DAYS ending with the report's day, days without
    traffic included as zeros: one GROUP BY query for each direction."""
    tz = timezone.get_current_timezone()
    first = day - timedelta(days=SERIES_DAYS - 1)
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    series = {
        first + timedelta(days=n): {"day": first + timedelta(days=n), "boxes_in": 0, "teu_in": 0.0, "boxes_out": 0,
                                    "teu_out": 0.0}
        for n in range(SERIES_DAYS)
    }  # fmt: skip
    for moment, direction in (("arrived_at", "in"), ("departed_at", "out")):
        rows = (
            ContainerVisit.objects.filter(**{f"{moment}__gte": start, f"{moment}__lt": end})
            .annotate(local_day=TruncDate(moment, tzinfo=tz))
            .values("local_day")
            .annotate(boxes=Count("id"), teu=Sum("container__iso_type__teu"))
        )
        for row in rows:
            series[row["local_day"]][f"boxes_{direction}"] = row["boxes"]
            series[row["local_day"]][f"teu_{direction}"] = float(row["teu"] or 0)
    return list(series.values())


def _occupancy() -> list[dict]:
    taken = dict(Occupancy.objects.values_list("slot__block").annotate(n=Count("id")))
    rows = []
    for block in Block.objects.order_by("code"):
        capacity = block.bays * block.rows * block.max_tier
        used = taken.get(block.pk, 0)
        rows.append({"block": block.code, "kind": block.kind, "used": used, "capacity": capacity,
                     "share": round(used / capacity, 3) if capacity else 0.0})  # fmt: skip
    return rows


def _dwell(period: Period) -> dict:
    dwell = ExpressionWrapper(F("departed_at") - F("arrived_at"), output_field=DurationField())
    left = ContainerVisit.objects.filter(
        departed_at__gte=period.start, departed_at__lt=period.end, arrived_at__isnull=False
    ).annotate(dwell=dwell)
    buckets = {}
    for index, (_label, low, high) in enumerate(DWELL_BUCKETS):
        condition = Q(dwell__gte=timedelta(days=low))
        if high is not None:
            condition &= Q(dwell__lt=timedelta(days=high))
        buckets[f"bucket_{index}"] = Count("id", filter=condition)
    counts = left.aggregate(**buckets, total=Count("id"), mean=Avg("dwell"))
    mean = counts["mean"]
    return {
        "period": period.name,
        "label": period.label,
        "counts": {str(label): counts[f"bucket_{index}"] for index, (label, *_bounds) in enumerate(DWELL_BUCKETS)},
        "total": counts["total"],
        "mean_days": round(mean.total_seconds() / 86400, 2) if mean is not None else None,
    }


def _moves(period: Period, machines: int) -> dict:
    done = YardMove.objects.filter(
        status=YardMove.Status.DONE, finished_at__gte=period.start, finished_at__lt=period.end
    )
    by_kind = dict(done.values_list("kind").annotate(n=Count("id")))
    total = sum(by_kind.values())
    productive = sum(by_kind.get(kind, 0) for kind in PRODUCTIVE_KINDS)
    rehandles = sum(by_kind.get(kind, 0) for kind in REHANDLE_KINDS)
    hours = period.days * 24
    return {
        "period": period.name,
        "label": period.label,
        "by_kind": by_kind,
        "total": total,
        "per_machine_hour": round(total / (machines * hours), 3) if machines else None,
        "rehandle_ratio": round(rehandles / productive, 3) if productive else None,
    }


def _customs(now: datetime) -> dict:
    open_holds = Hold.objects.filter(authority=Hold.Authority.CUSTOMS, released_at__isnull=True)
    ages = [now - placed for placed in open_holds.values_list("placed_at", flat=True)]
    open_orders = InspectionOrder.objects.filter(status__in=InspectionOrder.OPEN_STATUSES)
    order_ages = [now - ordered for ordered in open_orders.values_list("ordered_at", flat=True)]
    limit, warning = settings.CUSTOMS_STORAGE_LIMIT_DAYS, settings.CUSTOMS_STORAGE_WARNING_DAYS
    under_control = ContainerVisit.objects.filter(holds__in=open_holds).exclude(state="departed").distinct()
    near_limit = under_control.filter(arrived_at__lte=now - timedelta(days=limit - warning)).count()
    return {
        "under_control": under_control.count(),
        "holds_open": len(ages),
        "oldest_hold_days": max(ages).days if ages else None,
        "holds_by_kind": dict(open_holds.values_list("kind").annotate(n=Count("id"))),
        "inspections_open": len(order_ages),
        "oldest_inspection_hours": int(max(order_ages).total_seconds() // 3600) if order_ages else None,
        "storage_near_limit": near_limit,
    }


def _dangerous_goods(period: Period) -> dict:
    lines = DeclarationLine.objects.filter(declaration__visit__state=ContainerVisit.State.IN_YARD)
    by_class = dict(lines.values_list("class_division").annotate(n=Count("id")).order_by("class_division"))
    return {
        "lines_by_class": by_class,
        "containers": lines.values("declaration__visit").distinct().count(),
        "alerts_open": SegregationAlert.objects.filter(resolved_at__isnull=True).count(),
        "alerts_raised": SegregationAlert.objects.filter(raised_at__gte=period.start, raised_at__lt=period.end).count(),
    }


def _exceptions(period: Period) -> list[dict]:
    moves = YardMove.objects.filter(
        status__in=[YardMove.Status.FAILED, YardMove.Status.CANCELLED],
        finished_at__gte=period.start,
        finished_at__lt=period.end,
    ).select_related("visit__container", "equipment")
    return [
        {"move": move.pk, "container": move.visit.container.number, "kind": move.kind, "status": move.status,
         "equipment": move.equipment.code if move.equipment_id else "", "at": move.finished_at}
        for move in moves.order_by("finished_at")[:500]
    ]  # fmt: skip


def _awaiting_slot(now: datetime) -> list[dict]:
    moves = YardMove.objects.filter(awaiting_slot_since__isnull=False).select_related("visit__container")
    return [
        {"move": move.pk, "container": move.visit.container.number, "kind": move.kind,
         "since": move.awaiting_slot_since, "hours": round((now - move.awaiting_slot_since).total_seconds() / 3600, 1),
         "reason": (move.allocation or {}).get("refusal", "")}
        for move in moves.order_by("awaiting_slot_since")[:500]
    ]  # fmt: skip


def _trains(period: Period) -> list[dict]:
    turnaround = ExpressionWrapper(F("carrier__departed_at") - F("carrier__arrived_at"), output_field=DurationField())
    left = TrainVisit.objects.filter(carrier__departed_at__gte=period.start, carrier__departed_at__lt=period.end)
    rows = (
        left.values("line__code", "direction")
        .annotate(trains=Count("id"), mean=Avg(turnaround), total=Sum(turnaround))
        .order_by("line__code", "direction")
    )
    done = YardMove.objects.filter(status=YardMove.Status.DONE)
    moves = Counter()
    for side in ("from_carrier", "to_carrier"):  # discharged from the train, loaded onto it
        counted = done.filter(**{f"{side}__train__in": left}).values(
            line=F(f"{side}__train__line__code"), direction=F(f"{side}__train__direction")
        )
        for row in counted.annotate(n=Count("id")):
            moves[row["line"], row["direction"]] += row["n"]
    result = []
    for row in rows:
        hours = row["total"].total_seconds() / 3600 if row["total"] else 0
        count = moves[row["line__code"], row["direction"]]
        result.append({
            "period": period.name,
            "label": period.label,
            "line": row["line__code"] or "-",
            "direction": row["direction"],
            "trains": row["trains"],
            "mean_hours": round(row["mean"].total_seconds() / 3600, 1) if row["mean"] is not None else None,
            "moves": count,
            "moves_per_hour": round(count / hours, 1) if hours else None,
        })  # fmt: skip
    return result


@dataclass(frozen=True)
class ShownKpi(vessel_kpis.Kpi):
    """A vessel KPI as the report shows it: its value written as the reader's language writes numbers."""

    @classmethod
    def of(cls, kpi: vessel_kpis.Kpi) -> "ShownKpi":
        return cls(**{f.name: getattr(kpi, f.name) for f in fields(kpi)})

    @property
    def shown(self) -> str:
        return l10n.figure(self.value)


def _shown(calls: list[dict]) -> list[dict]:
    return [{**row, "kpis": [ShownKpi.of(kpi) for kpi in row["kpis"]]} for row in calls]


def _period_shown(period: Period) -> dict:
    figures = vessel_kpis.period_kpis(period.start, period.end)
    return {**figures, "calls": _shown(figures["calls"]), "totals": [ShownKpi.of(kpi) for kpi in figures["totals"]]}


def _vessels(day: Period, month: Period, now: datetime) -> dict:
    return {
        "columns": [vessel_kpis.NAMES[key] for key in vessel_kpis.CALL_KPIS],  # (name, unit), as each call's KPIs
        "day": _period_shown(day),
        "alongside": _shown(vessel_kpis.alongside_kpis(now=now)),
        "month": _period_shown(month),
    }


def daily_kpis(day: date) -> DailyKpis:
    now = timezone.now()
    periods = periods_for(day)
    machines = Equipment.objects.filter(active=True).exclude(kind=Equipment.Kind.TERMINAL_TRACTOR).count()
    return DailyKpis(
        day=day,
        built_at=now,
        throughput=[_throughput(period) for period in periods],
        occupancy=_occupancy(),
        dwell={period.name: _dwell(period) for period in periods},
        moves=[_moves(period, machines) for period in periods],
        customs=_customs(now),
        dangerous_goods=_dangerous_goods(periods[0]),
        exceptions=_exceptions(periods[0]),
        awaiting_slot=_awaiting_slot(now),
        trains=[row for period in periods for row in _trains(period)],
        vessels=_vessels(periods[0], periods[1], now),
        daily_throughput=_daily_throughput(day),
        actions=action_items(now=now, day_start=periods[0].start, day_end=periods[0].end),
    )
