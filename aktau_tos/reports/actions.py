"""What needs action today: the list the nightly report opens with.

Each item is counted in full and names its first boxes or carriers (the e-mail shows NAMES_SHOWN of them, the
workbook up to ROWS_MAX). Everything is as at the time the report is built, except the failed and cancelled moves,
which are those of the report's day. The thresholds are settings: REPORT_HOLD_AGE_HOURS, REPORT_DWELL_LIMIT_DAYS
and CUSTOMS_STORAGE_LIMIT_DAYS.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Exists, F, OuterRef, Q, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aktau_tos.reports.l10n import moment
from dangerous_goods.models import SegregationAlert
from yard.models import CarrierVisit, ContainerVisit, Hold, YardMove

NAMES_SHOWN = 5
ROWS_MAX = 500  # a longer list is a problem of its own, and its count says so

# A late carrier's name: a whole pattern for each mode, so that a language may put the word after the reference.
CARRIER_NAMES = {
    CarrierVisit.Mode.RAIL: gettext_lazy("Train %(reference)s"),
    CarrierVisit.Mode.VESSEL: gettext_lazy("Vessel %(reference)s"),
}
MOVE_OUTCOMES = {YardMove.Status.FAILED: gettext_lazy("failed"), YardMove.Status.CANCELLED: gettext_lazy("cancelled")}


@dataclass(frozen=True)
class ActionEntry:
    """One box or carrier of an item: its name, why it is listed, and since when (for the workbook)."""

    name: str
    detail: str
    since: datetime | None = None


@dataclass(frozen=True)
class ActionItem:
    key: str
    title: str
    hint: str
    count: int
    entries: list[ActionEntry] = field(default_factory=list)

    @property
    def shown(self) -> list[ActionEntry]:
        return self.entries[:NAMES_SHOWN]

    @property
    def not_shown(self) -> int:
        return self.count - len(self.shown)


def _age(delta: timedelta) -> str:
    """52 h, or 5 d from three days up: the unit a reader compares at a glance."""
    hours = max(0, int(delta.total_seconds() // 3600))
    if hours < 72:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(days)d d") % {"days": hours // 24}


def _old_holds(now: datetime) -> ActionItem:
    hours = settings.REPORT_HOLD_AGE_HOURS
    holds = Hold.objects.filter(released_at__isnull=True, placed_at__lte=now - timedelta(hours=hours))
    entries = [
        ActionEntry(
            hold.visit.container.number,
            _("%(authority)s hold (%(kind)s), open %(age)s")
            % {"authority": hold.authority, "kind": hold.kind, "age": _age(now - hold.placed_at)},
            hold.placed_at,
        )
        for hold in holds.select_related("visit__container").order_by("placed_at", "pk")[:ROWS_MAX]
    ]
    return ActionItem(
        "old_holds",
        ngettext("Holds open longer than %(hours)d hour", "Holds open longer than %(hours)d hours", hours)
        % {"hours": hours},
        _("Chase the authority that placed each hold, or release the terminal's own."),
        holds.count(),
        entries,
    )


def _past_limit(now: datetime) -> ActionItem:
    """Boxes past their expected departure; without one, in the yard longer than the dwell limit; and boxes under
    customs control past the temporary-storage limit."""
    dwell_days, storage_days = settings.REPORT_DWELL_LIMIT_DAYS, settings.CUSTOMS_STORAGE_LIMIT_DAYS
    customs_hold = Hold.objects.filter(visit=OuterRef("pk"), authority=Hold.Authority.CUSTOMS, released_at__isnull=True)
    visits = (
        ContainerVisit.objects.filter(state=ContainerVisit.State.IN_YARD)
        .annotate(under_customs=Exists(customs_hold))
        .filter(
            Q(expected_departure__lt=now)
            | Q(expected_departure__isnull=True, arrived_at__lte=now - timedelta(days=dwell_days))
            | Q(under_customs=True, arrived_at__lte=now - timedelta(days=storage_days))
        )
    )
    entries = []
    for visit in visits.select_related("container").order_by("arrived_at", "pk")[:ROWS_MAX]:
        days = (now - visit.arrived_at).days if visit.arrived_at else 0
        reasons = []
        if visit.expected_departure and visit.expected_departure < now:
            reasons.append(_("expected out %(time)s") % {"time": moment(visit.expected_departure)})
        elif days >= dwell_days:
            reasons.append(ngettext("%(days)d day in the yard", "%(days)d days in the yard", days) % {"days": days})
        if visit.under_customs and days >= storage_days:
            reasons.append(
                ngettext(
                    "past the %(limit)d-day customs storage limit",
                    "past the %(limit)d-day customs storage limit",
                    storage_days,
                )
                % {"limit": storage_days}
            )
        entries.append(ActionEntry(visit.container.number, "; ".join(reasons), visit.arrived_at))
    return ActionItem(
        "past_limit",
        ngettext(
            "Boxes past their expected departure, the %(days)d-day dwell limit or the customs storage limit",
            "Boxes past their expected departure, the %(days)d-day dwell limit or the customs storage limit",
            dwell_days,
        )
        % {"days": dwell_days},
        _("Ask the line or the consignee to collect them, or correct the expected departure."),
        visits.count(),
        entries,
    )


def _awaiting_slot(now: datetime) -> ActionItem:
    moves = YardMove.objects.filter(awaiting_slot_since__isnull=False, status__in=YardMove.OPEN_STATUSES)
    entries = []
    for move in moves.select_related("visit__container").order_by("awaiting_slot_since", "pk")[:ROWS_MAX]:
        values = {"kind": move.kind, "move": move.pk, "age": _age(now - move.awaiting_slot_since),
                  "reason": str((move.allocation or {}).get("refusal", "")).strip()}  # fmt: skip
        if values["reason"]:  # the allocator's refusal, as it was written when the move was planned
            detail = _("%(kind)s move #%(move)d, waiting %(age)s: %(reason)s") % values
        else:
            detail = _("%(kind)s move #%(move)d, waiting %(age)s") % values
        entries.append(ActionEntry(move.visit.container.number, detail, move.awaiting_slot_since))
    return ActionItem(
        "awaiting_slot",
        _("Boxes awaiting a slot"),
        _("Their areas were full when they were planned: send them to the overflow area, or free space."),
        moves.count(),
        entries,
    )


def _failed_moves(start: datetime, end: datetime) -> ActionItem:
    moves = YardMove.objects.filter(
        status__in=list(MOVE_OUTCOMES), finished_at__gte=start, finished_at__lt=end
    ).select_related("visit__container", "equipment")
    entries = []
    for move in moves.order_by("finished_at", "pk")[:ROWS_MAX]:
        values = {"kind": move.kind, "move": move.pk, "outcome": MOVE_OUTCOMES[move.status],
                  "time": moment(move.finished_at)}  # fmt: skip
        if move.equipment_id:
            detail = _("%(kind)s move #%(move)d %(outcome)s at %(time)s (%(machine)s)") % {
                **values,
                "machine": move.equipment.code,
            }
        else:
            detail = _("%(kind)s move #%(move)d %(outcome)s at %(time)s") % values
        entries.append(ActionEntry(move.visit.container.number, detail, move.finished_at))
    return ActionItem(
        "failed_moves",
        _("Moves failed or cancelled on the day"),
        _("Check why each one failed: its box may still need moving."),
        moves.count(),
        entries,
    )


def _segregation_alerts() -> ActionItem:
    alerts = SegregationAlert.objects.filter(resolved_at__isnull=True).select_related(
        "visit__container", "neighbour__container"
    )
    entries = [
        ActionEntry(
            alert.visit.container.number,
            _("at %(position)s, too close to %(neighbour)s")
            % {"position": alert.position, "neighbour": alert.neighbour.container.number},
            alert.raised_at,
        )
        for alert in alerts.order_by("raised_at", "pk")[:ROWS_MAX]
    ]
    return ActionItem(
        "segregation_alerts",
        _("Open dangerous-goods segregation alerts"),
        _("Move one of the two boxes away, then resolve the alert."),
        alerts.count(),
        entries,
    )


def _late_carriers(now: datetime) -> ActionItem:
    """Trains and vessels past their ETA and not arrived, or past their ETD and not departed."""
    not_arrived = Q(status=CarrierVisit.Status.EXPECTED, eta__lt=now)
    not_departed = Q(status__in=[CarrierVisit.Status.EXPECTED, CarrierVisit.Status.ARRIVED], etd__lt=now)
    carriers = (
        CarrierVisit.objects.filter(mode__in=list(CARRIER_NAMES))
        .filter(not_arrived | not_departed)
        .annotate(due=Case(When(not_arrived, then=F("eta")), default=F("etd")))
    )
    entries = []
    for carrier in carriers.order_by("due", "pk")[:ROWS_MAX]:
        if carrier.status == CarrierVisit.Status.EXPECTED and carrier.eta and carrier.eta < now:
            detail = _("ETA %(time)s, not arrived, %(age)s late")
        else:
            detail = _("ETD %(time)s, not departed, %(age)s late")
        name = CARRIER_NAMES[carrier.mode] % {"reference": carrier.reference}
        entries.append(
            ActionEntry(name, detail % {"time": moment(carrier.due), "age": _age(now - carrier.due)}, carrier.due)
        )
    return ActionItem(
        "late_carriers",
        _("Late trains and vessels"),
        _("Update their ETA or ETD, or record the arrival or departure."),
        carriers.count(),
        entries,
    )


def action_items(*, now: datetime, day_start: datetime, day_end: datetime) -> list[ActionItem]:
    """Every item, most urgent first; an item with a count of 0 needs nothing."""
    return [
        _segregation_alerts(),
        _late_carriers(now),
        _awaiting_slot(now),
        _failed_moves(day_start, day_end),
        _old_holds(now),
        _past_limit(now),
    ]
