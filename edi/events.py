"""Container milestones for the partners' feed: recorded by the yard's hooks in the transaction of the event itself
(a move confirmed, an inspection's result, a carrier's departure), read back page by page with a cursor.

The feed's order is (writing transaction, id), and it hands out only events whose transaction is older than every
transaction still running (PostgreSQL's snapshot xmin). Ids are drawn when rows are inserted, not when they
commit: two moves confirmed at once may commit out of id order, and a feed by id alone would step over the one
that commits last. Under this rule a cursor never skips an event and never gives one twice. SQLite (development)
runs one writing transaction at a time, so there ids are already in commit order.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from edi.errors import FeedCursorInvalid
from edi.models import ContainerEvent, Partner
from yard import selectors as yard_selectors
from yard.identity import container_number_normalise
from yard.models import CarrierVisit, ContainerVisit, YardMove

Milestone = ContainerEvent.Milestone


def _transaction_id():
    """The writing transaction's id (assigned now if it has none yet), as stored on the event."""
    if connection.vendor == "postgresql":
        return RawSQL("pg_current_xact_id()::text::bigint", [])
    return 0


def _record(visit: ContainerVisit, milestone: str, *, at, place: str = "", carrier: CarrierVisit | None = None,
            mode: str = "", detail: dict | None = None) -> ContainerEvent:  # fmt: skip
    event = ContainerEvent(
        visit=visit,
        container=visit.container.number,
        milestone=milestone,
        at=at or timezone.now(),
        place=(place or "")[:60],
        carrier_mode=carrier.mode if carrier else mode,
        carrier_reference=carrier.reference[:40] if carrier else "",
        line=visit.line,
        detail=detail or {},
        transaction=_transaction_id(),
    )
    event.save()
    return event


# --- Recording (registered with yard.hooks in EdiConfig.ready) ------------------------------------------------


def move_noted(*, move: YardMove, actor) -> None:
    """A confirmed move: off a wagon or a ship, into the yard for the first time, onto a carrier, out of the gate."""
    visit = move.visit
    if move.kind == YardMove.Kind.DISCHARGE and move.from_carrier_id:
        _record(visit, Milestone.DISCHARGED, at=move.finished_at, place=yard_selectors.move_from(move) or "",
                carrier=move.from_carrier)  # fmt: skip
    # The stay's arrival is stamped with its first move's finish: that move, and no later shift, confirms it.
    if move.to_slot_id and visit.state == ContainerVisit.State.IN_YARD and visit.arrived_at == move.finished_at:
        # the carrier it came on is the move's own (read with it) unless the box was put down meanwhile
        came_on = move.from_carrier if move.from_carrier_id == visit.inbound_carrier_id else visit.inbound_carrier
        _record(visit, Milestone.IN_YARD, at=move.finished_at, place=yard_selectors.move_to(move) or "",
                carrier=came_on)  # fmt: skip
    if move.kind == YardMove.Kind.LOAD and move.to_carrier_id:
        _record(visit, Milestone.LOADED, at=move.finished_at, place=yard_selectors.move_to(move) or "",
                carrier=move.to_carrier)  # fmt: skip
    if move.to_gate:  # the truck takes it away: gone with that move
        _record(visit, Milestone.DEPARTED, at=move.finished_at, place=yard_selectors.move_to(move) or "",
                mode=CarrierVisit.Mode.TRUCK)  # fmt: skip


def inspection_noted(*, visit: ContainerVisit, result: str, actor) -> None:
    """Customs recorded an inspection's result (where the box stands: the inspection area)."""
    _record(visit, Milestone.INSPECTED, at=timezone.now(), place=yard_selectors.visit_position(visit) or "",
            detail={"result": result})  # fmt: skip


def departure_noted(*, carrier: CarrierVisit, actor) -> None:
    """A train or ship left: every box loaded onto it left with it."""
    loads = (
        YardMove.objects.filter(to_carrier=carrier, kind=YardMove.Kind.LOAD, status=YardMove.Status.DONE)
        .select_related("visit__container", "to_carrier")
        .order_by("id")
    )
    for load in loads:
        _record(load.visit, Milestone.DEPARTED, at=carrier.departed_at, place=yard_selectors.move_to(load) or "",
                carrier=carrier)  # fmt: skip


# --- Reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    events: list[ContainerEvent]
    next: str | None


def cursor_of(event: ContainerEvent) -> str:
    return f"{event.transaction}.{event.pk}"


def _cursor_parse(cursor: str) -> tuple[int, int]:
    head, _, tail = cursor.partition(".")
    if not (head.isdigit() and tail.isdigit()):
        raise FeedCursorInvalid(cursor=cursor[:40])
    return int(head), int(tail)


def events_visible_to(partner: Partner | None) -> QuerySet[ContainerEvent]:
    """The events a partner may follow: its line's boxes (a line or partner terminal, by its code), every box that
    came or leaves by rail (the railway). The terminal's own people (partner None) see all."""
    events = ContainerEvent.objects.all()
    if partner is None:
        return events
    if partner.kind == Partner.Kind.RAILWAY:
        rail = CarrierVisit.Mode.RAIL
        return events.filter(
            Q(visit__inbound_carrier__mode=rail) | Q(visit__outbound_carrier__mode=rail) | Q(visit__outbound_mode=rail)
        )
    return events.filter(visit__line=partner.code)


def events_page(*, partner: Partner | None, after: str = "", container: str = "", limit: int | None = None) -> Page:
    """At most `limit` events after the cursor, in feed order, and the cursor to ask with next (the same one when
    nothing new is final yet)."""
    size = max(1, min(limit or settings.EDI_FEED_PAGE_SIZE, settings.EDI_FEED_PAGE_SIZE))
    events = events_visible_to(partner)
    if after:
        transaction_id, event_id = _cursor_parse(after)
        events = events.filter(Q(transaction__gt=transaction_id) | Q(transaction=transaction_id, id__gt=event_id))
    if container:
        events = events.filter(container=container_number_normalise(container))
    if connection.vendor == "postgresql":
        # Final: written by a transaction older than any still running (or by the reader's own transaction).
        column = f'"{ContainerEvent._meta.db_table}"."transaction"'
        final = RawSQL(  # nosec B611 # the column is the model's own name; nothing from the request goes in
            f"({column} < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
            f"OR {column} = pg_current_xact_id_if_assigned()::text::bigint)",
            [],
            output_field=BooleanField(),
        )
        events = events.alias(final=final).filter(final=True)
    found = list(events.order_by("transaction", "id")[:size])
    return Page(events=found, next=cursor_of(found[-1]) if found else (after or None))
