"""What the operators' vessel screens draw, as plain coordinates for server-rendered SVG (no scripts, no inline
styles: colours come from classes in the admin stylesheet, so the content security policy holds).

- The berth schedule: a week, one lane per berth, each call a bar from ETB (or ETA) to ETD.
- The bay plan: one small grid per 20'/40' bay pair, rows across, tiers up, deck over the hatch line; a 40' box
  spans both 20' halves of its row.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vessels.geometry import Cell, Geometry, cell_parse
from vessels.models import Berth, Booking, OnBoard, VesselCall
from yard.models import IsoSizeType

# Berth schedule
DAYS = 7
LABEL_W, DAY_W, HEADER_H, LANE_H, BAR_H = 80, 150, 34, 44, 30
CHAR_W = 6.6  # about one character of the bar label's 11px font: labels are cut to fit their bar

# Bay plan
HALF_W, TIER_H, HATCH_GAP, AXIS_W, TOP, BOTTOM = 18, 17, 9, 22, 4, 16
POD_COLOURS = 12  # classes pod-0 .. pod-11 in the stylesheet


def _when(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "D j M H:i") if moment else ""


@dataclass
class Day:
    x: int
    date: date

    @property
    def text_x(self) -> int:
        return self.x + 6


@dataclass
class Bar:
    call: VesselCall
    x: float
    width: float
    y: int
    label: str
    title: str
    start_day: date
    arrived_x: float | None = None
    departed_x: float | None = None
    height: int = BAR_H

    @property
    def text_x(self) -> float:
        return self.x + 4

    @property
    def text_y(self) -> int:
        return self.y + BAR_H // 2 + 4

    @property
    def bottom(self) -> int:
        return self.y + BAR_H


@dataclass
class Lane:
    berth: Berth
    y: int
    bars: list[Bar] = field(default_factory=list)

    @property
    def label_y(self) -> int:
        return self.y + LANE_H // 2 + 4

    @property
    def bottom(self) -> int:
        return self.y + LANE_H


@dataclass
class Week:
    start: date
    days: list["Day"]
    lanes: list[Lane]
    calls: list[VesselCall]
    width: int
    height: int
    now_x: float | None
    day_width: int = DAY_W
    header_height: int = HEADER_H

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=DAYS)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=DAYS)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=DAYS - 1)


def berth_week(start: date, berths: list[Berth], calls: list[VesselCall]) -> Week:
    """The week from `start` (local midnight) for these berths, with the calls alongside in it."""
    begin = timezone.make_aware(datetime.combine(start, time.min))
    end = begin + timedelta(days=DAYS)

    def x_of(moment: datetime) -> float:
        clipped = min(max(moment, begin), end)
        return round(LABEL_W + (clipped - begin).total_seconds() / 86_400 * DAY_W, 1)

    lanes = {berth.pk: Lane(berth=berth, y=HEADER_H + index * LANE_H) for index, berth in enumerate(berths)}
    for call in calls:
        lane = lanes.get(call.berth_id)
        if lane is None:
            continue
        left, right = x_of(call.alongside_from), x_of(call.etd)
        width = max(right - left, 4)
        status = call.carrier.get_status_display()
        label = f"{call.vessel.name} {call.voyage_in} · {status}"
        title = [label, _("ETB %(at)s") % {"at": _when(call.alongside_from)}, _("ETD %(at)s") % {"at": _when(call.etd)}]
        bar = Bar(
            call=call,
            x=left,
            width=width,
            y=lane.y + (LANE_H - BAR_H) // 2,
            label=_cut(label, width),
            title="",
            start_day=timezone.localtime(max(call.alongside_from, begin)).date(),
        )
        if (arrived := call.carrier.arrived_at) and begin <= arrived <= end:
            bar.arrived_x = x_of(arrived)
        if arrived:
            title.append(_("arrived %(at)s") % {"at": _when(arrived)})
        if (departed := call.carrier.departed_at) and begin <= departed <= end:
            bar.departed_x = x_of(departed)
        if departed:
            title.append(_("departed %(at)s") % {"at": _when(departed)})
        bar.title = "\n".join(title)
        lane.bars.append(bar)
    now = timezone.now()
    return Week(
        start=start,
        days=[Day(x=LABEL_W + index * DAY_W, date=start + timedelta(days=index)) for index in range(DAYS)],
        lanes=list(lanes.values()),
        calls=calls,
        width=LABEL_W + DAYS * DAY_W + 1,
        height=HEADER_H + max(len(lanes), 1) * LANE_H + 1,
        now_x=x_of(now) if begin <= now < end else None,
    )


def _cut(text: str, width: float) -> str:
    room = int((width - 8) / CHAR_W)
    if len(text) <= room:
        return text
    return text[: room - 1] + "…" if room > 1 else ""


@dataclass
class Slot:
    x: int
    y: int
    width: int
    plugged: bool
    height: int = TIER_H


@dataclass
class Box:
    x: int
    y: int
    width: int
    height: int
    cell: str
    container: str
    pod_class: str
    planned: bool
    kind: str
    dg: bool
    reefer: bool
    restow: bool
    title: str

    @property
    def dg_mark(self) -> str:
        """A diamond in the box's top right corner."""
        x, y = self.x + self.width - 4, self.y + 1
        return f"M{x} {y}l3 3l-3 3l-3 -3z"

    @property
    def reefer_x(self) -> int:
        return self.x + 4

    @property
    def reefer_y(self) -> int:
        return self.y + 4

    @property
    def css(self) -> str:
        classes = ["box", "planned" if self.planned else "onboard", self.pod_class, f"kind-{self.kind}"]
        classes += [name for name, on in (("dg", self.dg), ("reefer", self.reefer), ("restow", self.restow)) if on]
        return " ".join(classes)


@dataclass
class Section:
    title: str
    key: str
    bays: tuple[int, ...]
    width: int
    height: int
    hatch_y: int | None
    axis_y: int
    slots: list[Slot] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    row_labels: list[tuple[int, str]] = field(default_factory=list)
    tier_labels: list[tuple[int, str]] = field(default_factory=list)
    columns: dict[int, int] = field(default_factory=dict)  # row -> x of its column
    axis_width: int = AXIS_W
    tiers: dict[int, int] = field(default_factory=dict)  # tier -> y of its line

    def place(self, cell: Cell) -> tuple[int, int, int] | None:
        """x, y and width of a cell's box, or None if the cell is not in this section."""
        if cell.row not in self.columns or cell.tier not in self.tiers:
            return None
        x, y = self.columns[cell.row], self.tiers[cell.tier]
        if cell.long and cell.bay - 1 == self.bays[0] and len(self.bays) == 2:
            return x, y, 2 * HALF_W
        if cell.bay in self.bays:
            return x + self.bays.index(cell.bay) * HALF_W, y, HALF_W
        return None


@dataclass
class Legend:
    pod: str
    css: str
    here: bool


@dataclass
class BayPlan:
    sections: list[Section]
    legend: list[Legend]
    on_board: int
    planned: int
    outside: list[str]  # cells of boxes the ship's profile does not have (the profile changed since)


def _sections(geometry: Geometry) -> list[Section]:
    deck = sorted((t for t in geometry.tier_numbers if t >= 82), reverse=True)
    hold = sorted((t for t in geometry.tier_numbers if t < 82), reverse=True)
    bays = list(geometry.bay_numbers)
    sections = []
    while bays:
        pair = tuple(bays[:2]) if len(bays) > 1 and bays[1] == bays[0] + 2 else (bays[0],)
        bays = bays[len(pair) :]
        title = f"{pair[0]:02d}" + (f" ({pair[0] + 1:02d}) {pair[1]:02d}" if len(pair) == 2 else "")
        column_w = len(pair) * HALF_W
        columns = {row: AXIS_W + index * (column_w + 2) for index, row in enumerate(geometry.row_numbers)}
        tiers, y = {}, TOP
        for tier in deck:
            tiers[tier], y = y, y + TIER_H
        hatch_y = None
        if deck and hold:
            hatch_y, y = y + HATCH_GAP // 2, y + HATCH_GAP
        for tier in hold:
            tiers[tier], y = y, y + TIER_H
        section = Section(
            title=title,
            key="-".join(f"{bay:02d}" for bay in pair),
            bays=pair,
            width=AXIS_W + len(columns) * (column_w + 2),
            height=y + BOTTOM,
            hatch_y=hatch_y,
            columns=columns,
            tiers=tiers,
            row_labels=[(x + column_w // 2, f"{row:02d}") for row, x in columns.items()],
            tier_labels=[(ty + TIER_H - 4, f"{tier:02d}") for tier, ty in tiers.items()],
            axis_y=y + BOTTOM - 4,
        )
        for row, x in columns.items():
            for tier, ty in tiers.items():
                for index, bay in enumerate(pair):
                    plugged = Cell(bay, row, tier).label in geometry.reefer_plugs
                    section.slots.append(Slot(x=x + index * HALF_W, y=ty, width=HALF_W, plugged=plugged))
        sections.append(section)
    return sections


def _pod_order(call: VesselCall, pods: set[str]) -> list[str]:
    """This port first, then the call's rotation, then any other port alphabetically."""
    order = [settings.TERMINAL_LOCODE, *[port.upper() for port in call.rotation]]
    known = [pod for index, pod in enumerate(order) if pod in pods and pod not in order[:index]]
    return known + sorted(pods - set(known))


def _dg_text(lines: list[dict]) -> str:
    return ", ".join(f"UN {line.get('un_number', '?')}/{line.get('class', '?')}" for line in lines)


def bay_plan(call: VesselCall, geometry: Geometry) -> BayPlan:
    on_board = list(call.on_board.order_by("cell"))
    planned = list(
        call.bookings.filter(status=Booking.Status.PLANNED)
        .exclude(cell="")
        .select_related("visit__container__iso_type")
        .order_by("sequence")
    )
    pods = _pod_order(call, {box.pod for box in on_board} | {booking.pod for booking in planned})
    colour = {pod: f"pod-{index % POD_COLOURS}" for index, pod in enumerate(pods)}
    sections = _sections(geometry)
    outside = []
    kinds = dict(OnBoard.Kind.choices)

    def put(cell_text: str, make) -> None:
        cell = cell_parse(cell_text)
        if cell is None or not geometry.has(cell):
            outside.append(cell_text)
            return
        for section in sections:
            if placed := section.place(cell):
                x, y, width = placed
                section.boxes.append(make(cell, x + 1, y + 1, width - 2, TIER_H - 2))
                return
        outside.append(cell_text)

    for box in on_board:
        facts = [box.container, box.cell, box.iso_type, f"{box.gross_kg:,} kg", _("to %(pod)s") % {"pod": box.pod}]
        facts.append(str(kinds.get(box.kind, box.kind)))
        if box.dangerous_goods:
            facts.append(_dg_text(box.dangerous_goods))
        if box.temperature_c is not None:
            facts.append(f"{box.temperature_c:+} °C")
        if box.restow:
            facts.append(_("restow"))
        put(box.cell, lambda cell, x, y, w, h, box=box, facts=facts: Box(
            x=x, y=y, width=w, height=h, cell=box.cell, container=box.container, pod_class=colour[box.pod],
            planned=False, kind=box.kind, dg=bool(box.dangerous_goods), reefer=box.reefer, restow=box.restow,
            title=" · ".join(facts),
        ))  # fmt: skip
    for booking in planned:
        visit = booking.visit
        mass = f"{booking.vgm_kg:,} kg" if booking.vgm_kg else _("no VGM")
        facts = [booking.container, booking.cell, visit.container.iso_type.code, mass]
        facts += [_("to %(pod)s") % {"pod": booking.pod}, _("planned load no. %(n)s") % {"n": booking.sequence}]
        if visit.dangerous_goods:
            facts.append(_dg_text(visit.dangerous_goods))
        put(booking.cell, lambda cell, x, y, w, h, booking=booking, visit=visit, facts=facts: Box(
            x=x + 2, y=y + 2, width=w - 4, height=h - 4, cell=booking.cell, container=booking.container,
            pod_class=colour[booking.pod], planned=True, kind="load", dg=bool(visit.dangerous_goods),
            reefer=visit.container.iso_type.group == IsoSizeType.Group.REEFER, restow=False, title=" · ".join(facts),
        ))  # fmt: skip
    legend = [Legend(pod=pod, css=colour[pod], here=pod == settings.TERMINAL_LOCODE) for pod in pods]
    return BayPlan(sections=sections, legend=legend, on_board=len(on_board), planned=len(planned), outside=outside)
