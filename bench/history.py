"""Years of finished terminal history, bulk-loaded with PostgreSQL COPY, for the growth benchmarks.

`history_load(years=1)` loads a year of finished container stays ending now: the carriers that brought and
took them (block trains with their train visits, Caspian vessels, trucks), the containers, their visits,
about seven moves per visit with the kinds and timestamps the services leave, holds (customs control on
arrival, officers' holds, inspections, terminal and line holds) with their customs declarations and
inspection orders, DG declarations, and the django-simple-history rows that all of this would have left
(three or four per visit and per move: they are most of a production database). `history_load(years=10)`
afterwards adds the nine years before the one already there, so a benchmark can measure at one year and
then again at ten.

Not through the services: this is what the services would have written, produced at COPY speed. The base
rows are generated with numpy and streamed with COPY; the history rows are derived from them in the
database (INSERT ... SELECT, one statement per table and chunk), so they agree with the rows exactly.
Each table's rows come from a builder of its own that gives values only for the columns it has something
to say about; the columns are the model's own (its concrete fields, as _meta has them when the rows are
made), and the others get the field's default, else NULL ('' for a string column, as Django writes it). So a
migration that adds a column needs no edit here; a NOT NULL column without a default that no builder fills
stops the load with an error naming it.
Ids come from the tables' own sequences (reserved before the COPY), so rows created afterwards through
the services get fresh ids. A large load drops the loaded tables' plain indexes and foreign keys and
recreates them afterwards (one sort per index and one join per foreign key instead of a million single
lookups), inside the same transaction: unique indexes, primary keys and check constraints stay in force
throughout, and the foreign keys are validated when they are added back. The tables are vacuumed and
analysed at the end (only analysed when called inside a transaction, as in tests).

The loader's containers have owner codes HYAU, HYBU, ... (a million serials each); what is already loaded
is counted by them. PostgreSQL only.
"""

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dt_time
from decimal import Decimal
from uuid import UUID

import numpy as np
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models, transaction
from django.db.models import Min
from django.utils import timezone
from psycopg import sql

from aktau_tos.audit import system_user
from customs.models import CustomsDeclaration, InspectionOrder
from dangerous_goods.models import Declaration, DeclarationLine, UnNumber
from rail.models import LoadingLine, TrainVisit
from yard.models import (
    Block,
    CarrierVisit,
    Container,
    ContainerVisit,
    Equipment,
    Hold,
    IsoSizeType,
    Slot,
    YardMove,
)

VISITS_PER_YEAR = 150_000  # 240,000 TEU a year at about 1.6 TEU a box
MOVES_PER_VISIT = 7.0
YEAR_S = 365.25 * 86400
HOUR = 3600.0
DAY = 86400.0
OWNER_PREFIX = "HY"  # HYAU, HYBU, ... : the loader's containers, a million serials per owner code
CHUNK_VISITS = 25_000
BULK_VISITS = 20_000  # from this many visits on, indexes and foreign keys are rebuilt instead of maintained

# Shares of traffic (of container visits).
IN_MODES = {"rail": 0.55, "vessel": 0.25, "truck": 0.20}  # block trains from China dominate arrivals
OUT_MODES = {"rail": 0.25, "vessel": 0.40, "truck": 0.35}  # onwards across the Caspian, by rail, by road
BOXES_PER_CARRIER = {"rail": 100, "vessel": 160}  # a 57-wagon block train; a Caspian feeder's call
STAY_HOURS = {"rail": (4, 10, 30), "vessel": (8, 20, 48)}  # triangular (low, mode, high) on the line / berth
DWELL_HOURS = (6, 60, 400)  # triangular: a mean of about six and a half days
_LEAD = DWELL_HOURS[2] * HOUR + 2 * DAY  # inbound carriers start this long before the first departure
CATEGORIES = {"transit": 0.40, "import": 0.20, "export": 0.15, "transshipment": 0.10, "empty": 0.15}
ISO_MIX = {"22G1": 0.36, "45G1": 0.30, "42G1": 0.14, "L5G1": 0.04, "22R1": 0.02, "45R1": 0.06, "22T3": 0.04,
           "22U1": 0.02, "22P1": 0.02}  # fmt: skip
DG_SHARE = 0.03  # of full boxes: declared dangerous goods
INSPECTED_SHARE = 0.05  # X-ray scan or physical examination: two inspection moves
CANCELLED_SHARE, FAILED_SHARE = 0.03, 0.01  # of the in-between moves (shifts, housekeeping)
STARTED_SHARE = 0.65  # done moves that were started on the handheld before completion
DEVIATION_SHARE = 0.02
HOLD_SHARES = {"documents": 0.05, "terminal": 0.02, "line": 0.04}  # besides customs control and inspections
COMMON_UN = ["1203", "1993", "1263", "3082", "1789", "1830", "2794", "3077", "1075", "2067"]
ORIGINS = ["Lianyungang", "Xi'an", "Urumqi", "Khorgos", "Chongqing"]
DESTINATIONS = {"rail": ["Almaty", "Tashkent", "Khorgos", "Moscow"], "vessel": ["Baku", "Alat", "Turkmenbashi"],
                "truck": ["Aktau", "Zhanaozen", "Atyrau", "Beineu"]}  # fmt: skip

KIND_NAMES = np.array(["discharge", "receive", "load", "delivery", "inspection", "housekeeping", "shift", "dg"])
DISCHARGE, RECEIVE, LOAD, DELIVERY, INSPECTION, HOUSEKEEPING, SHIFT = range(7)
PRIORITY = np.array([15, 20, 10, 20, 30, 90, 40, 30])  # as yard.services.moves.DEFAULT_PRIORITY
STATUS_NAMES = np.array(["done", "cancelled", "failed"])
RAIL, VESSEL, TRUCK = 0, 1, 2
MODE_NAMES = ["rail", "vessel", "truck"]
AREAS = ["full", "empty", "reefer", "dg", "inspection"]
NULL = "\\N"

_LETTER_VALUES = {}
_value = 10
for _letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _value += _value % 11 == 0  # ISO 6346 skips multiples of 11
    _LETTER_VALUES[_letter] = _value
    _value += 1


def check_digits(owner: str, serials: np.ndarray) -> np.ndarray:
    """ISO 6346 check digits of `owner` (4 letters) followed by each 6-digit serial."""
    total = sum(_LETTER_VALUES[letter] * 2**i for i, letter in enumerate(owner))
    sums = np.full(len(serials), total, dtype=np.int64)
    for i in range(6):
        sums += (serials // 10 ** (5 - i) % 10) * 2 ** (4 + i)
    return sums % 11 % 10


def owner_code(index: int) -> str:
    if not 0 <= index < 26:
        raise ValueError("the loader numbers at most 26 million containers")
    return f"{OWNER_PREFIX}{chr(ord('A') + index)}U"


# ---------------------------------------------------------------------------------------------- text for COPY


def _ints(values: np.ndarray, null: np.ndarray | None = None) -> list[str]:
    text = values.astype(np.int64).astype(str)
    if null is not None:
        text = np.where(null, NULL, text)
    return text.tolist()


def _times(seconds: np.ndarray, null: np.ndarray | None = None) -> list[str]:
    """Epoch seconds as ISO 8601 UTC timestamps (microseconds), NULL where `null` or NaN."""
    missing = np.isnan(seconds) if null is None else (null | np.isnan(seconds))
    micros = np.where(missing, 0, seconds * 1e6).astype(np.int64).astype("datetime64[us]")
    text = np.datetime_as_string(micros, unit="us", timezone="UTC")
    return np.where(missing, NULL, text).tolist()


def _escape(text: str) -> str:
    """A value from the database (a UN list name) as COPY text."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _bools(values: np.ndarray) -> list[str]:
    return np.where(values, "t", "f").tolist()


def _pick(names, index: np.ndarray) -> list[str]:
    return np.asarray(names, dtype=object)[index].tolist()


def _const(value: str, n: int) -> list[str]:
    return [value] * n


@dataclass
class _Table:
    """Rows for one model's table as text columns, in the model's column order (see _rows)."""

    model: type[models.Model]
    columns: dict[str, list[str]]

    @property
    def name(self) -> str:
        return self.model._meta.db_table

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


def _field_text(field: models.Field, value) -> str:
    """A Python value of `field` as COPY text."""
    if value is None:
        return NULL
    if isinstance(field, models.JSONField):
        return _escape(json.dumps(value, cls=field.encoder))
    value = field.get_db_prep_save(value, connection)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | dt_time):  # datetimes too
        return value.isoformat()
    if isinstance(value, str | int | float | Decimal | UUID):
        return _escape(str(value))
    raise ImproperlyConfigured(f"history_load cannot write {field.model.__name__}.{field.name}'s {value!r} for COPY")


def _unset(model: type[models.Model], field: models.Field) -> str:
    """A column the builder leaves out, as a row written without it would hold it: the field's default (in
    Python or a constant one in the database), else NULL; a NOT NULL column with no default is an error,
    except a string one, which Django's own save writes as '' (a move's from_place, blank=True)."""
    if field.has_default():
        return _field_text(field, field.get_default())
    if isinstance(field.db_default, models.Value):
        return _field_text(field, field.db_default.value)
    if field.null:
        return NULL
    if field.empty_strings_allowed and isinstance(field, models.CharField | models.TextField):
        return _field_text(field, "")
    raise ImproperlyConfigured(
        f"history_load has no value for {model._meta.db_table}.{field.column}: the column is NOT NULL and has no "
        f"default; give it one in the loader's builder for {model.__name__}."
    )


def _rows(model: type[models.Model], values: dict[str, list[str]]) -> _Table:
    """A builder's rows of `model`: one column per concrete field, in _meta's order (read at every call).

    `values` are COPY text columns keyed by field name, attname or column, for the fields the builder has
    something to say about; every other column is filled by _unset. So a migration that adds a column needs
    no edit in the loader, and one the loader cannot fill stops it before its table is copied.
    """
    fields = model._meta.concrete_fields
    lengths = {len(column) for column in values.values()}
    if len(lengths) != 1:
        raise ValueError(f"history_load's rows of {model._meta.db_table}: columns of {sorted(lengths)} rows")
    (n,) = lengths
    columns, used = {}, set()
    for f in fields:
        keys = [key for key in dict.fromkeys((f.name, f.attname, f.column)) if key in values]
        if len(keys) > 1:
            raise ValueError(f"history_load's rows of {model._meta.db_table}: {' and '.join(keys)} are one column")
        columns[f.column] = values[keys[0]] if keys else [_unset(model, f)] * n
        used.update(keys)
    if unknown := set(values) - used:
        raise ImproperlyConfigured(f"history_load writes {', '.join(sorted(unknown))}: not in {model.__name__}")
    return _Table(model, columns)


def _copy(cursor, table: _Table, batch: int = 20_000) -> int:
    rows = len(table)
    if not rows:
        return 0
    names = list(table.columns)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    columns = [table.columns[name] for name in names]
    with cursor.copy(statement) as copy:
        for start in range(0, rows, batch):
            part = zip(*(column[start : start + batch] for column in columns), strict=True)
            copy.write("\n".join(map("\t".join, part)) + "\n")
    return rows


class _Ids:
    """Ids from each table's own sequence, reserved in one block per table before the load (so that the
    generating thread never asks the database) and handed out in order; the unused tail is given back."""

    def __init__(self, cursor, sizes: dict[str, int]):
        self.sequence, self.next, self.end = {}, {}, {}
        for table, size in sizes.items():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            self.sequence[table] = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [self.sequence[table]])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(%s, %s)", [self.sequence[table], first + max(size, 1) - 1])
            self.next[table], self.end[table] = first, first + max(size, 1)

    def take(self, table: str, count: int) -> np.ndarray:
        first = self.next[table]
        if first + count > self.end[table]:
            raise RuntimeError(f"history_load reserved too few ids for {table}")
        self.next[table] = first + count
        return first + np.arange(count, dtype=np.int64)

    def give_back(self, cursor) -> None:
        """Sets each sequence just past the ids taken, giving back the unused end of the block (unless
        someone took ids after the block meanwhile: then the sequence is already past everything)."""
        for table, sequence in self.sequence.items():
            cursor.execute("SELECT pg_sequence_last_value(%s::regclass)", [sequence])
            if cursor.fetchone()[0] == self.end[table] - 1:
                taken = self.next[table] - 1
                cursor.execute("SELECT setval(%s, %s, %s)", [sequence, max(taken, 1), taken >= 1])


# ------------------------------------------------------------------------------------------ the yard and carriers


@dataclass
class _Context:
    actor_id: int
    slot_ids: np.ndarray
    slot_block: np.ndarray  # block index per slot
    slot_prefix: np.ndarray  # "A-07-03-" per slot
    block_max_tier: np.ndarray
    block_machines: list[np.ndarray]
    area_slots: dict[str, np.ndarray]  # slot indices per area
    iso_codes: list[str]
    iso_weights: np.ndarray
    iso_length: np.ndarray
    iso_reefer: np.ndarray
    iso_tank: np.ndarray
    line_ids: list[int]
    un_entries: list[tuple[int, str, str, str, str]]  # id, un number, class, packing group, name


def _context(actor_id: int) -> _Context:
    blocks = list(Block.objects.order_by("code"))
    if not blocks:
        raise ImproperlyConfigured("history_load needs the yard layout: run seed_aktau (or layout_apply) first.")
    index = {block.pk: i for i, block in enumerate(blocks)}
    slots = list(Slot.objects.values_list("pk", "block_id", "bay", "row").order_by("pk"))
    slot_block = np.array([index[block] for _, block, _, _ in slots])
    machines: list[list[int]] = [[] for _ in blocks]
    serving = Equipment.blocks.through.objects.filter(equipment__active=True).exclude(
        equipment__kind=Equipment.Kind.TERMINAL_TRACTOR
    )
    for machine_id, block_id in serving.values_list("equipment_id", "block_id"):
        machines[index[block_id]].append(machine_id)
    kinds = np.array([block.kind for block in blocks])
    area_slots = {}
    for area, kind in zip(AREAS, ["full", "empty", "reefer", "dg", "inspection"], strict=True):
        area_slots[area] = np.flatnonzero(kinds[slot_block] == kind)
    for area in AREAS:  # a small layout may lack an area: its boxes go to full blocks (or anywhere)
        if not len(area_slots[area]):
            area_slots[area] = area_slots["full"] if len(area_slots["full"]) else np.arange(len(slots))
    types = {t.code: t for t in IsoSizeType.objects.all()}
    codes = [code for code in ISO_MIX if code in types] or sorted(types)[:1]
    if not codes:
        raise ImproperlyConfigured("history_load needs the ISO size/type codes: run seed_aktau first.")
    weights = np.array([ISO_MIX.get(code, 1.0) for code in codes])
    un = {}
    for entry in UnNumber.objects.filter(un_number__in=COMMON_UN).order_by("source_row"):
        un.setdefault(entry.un_number, (entry.pk, entry.un_number, entry.class_division[:8], entry.packing_group,
                                        entry.proper_shipping_name))  # fmt: skip
    return _Context(
        actor_id=actor_id,
        slot_ids=np.array([pk for pk, _, _, _ in slots]),
        slot_block=slot_block,
        slot_prefix=np.array(
            [f"{blocks[index[b]].code}-{bay:02d}-{row:02d}-" for _, b, bay, row in slots], dtype=object
        ),
        block_max_tier=np.array([block.max_tier for block in blocks]),
        block_machines=[np.array(ids, dtype=np.int64) for ids in machines],
        area_slots=area_slots,
        iso_codes=codes,
        iso_weights=weights / weights.sum(),
        iso_length=np.array([types[code].length_ft for code in codes]),
        iso_reefer=np.array([types[code].group == "R" for code in codes]),
        iso_tank=np.array([types[code].group == "T" for code in codes]),
        line_ids=list(LoadingLine.objects.order_by("code").values_list("pk", flat=True)),
        un_entries=list(un.values()),
    )


@dataclass
class _Carriers:
    """Trains and vessels of one load, in and out: ids, arrival and departure (epoch seconds)."""

    ids: dict[tuple[str, int], np.ndarray]
    arrived: dict[tuple[str, int], np.ndarray]
    departed: dict[tuple[str, int], np.ndarray]
    used: dict[tuple[str, int], np.ndarray]


def _carriers_count(visits: int, start: float, end: float) -> dict[tuple[str, int], int]:
    """Trains and vessels in (over the span and the longest dwell before it) and out (over the span)."""
    span = end - start
    return {
        (name, direction): max(1, round(visits * shares[name] / BOXES_PER_CARRIER[name] * length / span))
        for name in ("rail", "vessel")
        for direction, shares, length in ((0, IN_MODES, span + _LEAD), (1, OUT_MODES, span))
    }


def _carriers_plan(ids: _Ids, rng, visits: int, start: float, end: float) -> _Carriers:
    """Evenly spaced calls with jitter: outbound over the span, inbound from the longest dwell before it."""
    span, lead = end - start, _LEAD
    ids_of, arrived, departed, used = {}, {}, {}, {}
    counts = _carriers_count(visits, start, end)
    for mode in (RAIL, VESSEL):
        name = MODE_NAMES[mode]
        low, mode_h, high = STAY_HOURS[name]
        for direction, first, length in ((0, start - lead, span + lead), (1, start, span)):
            count = counts[name, direction]
            slots = (np.arange(count) + rng.uniform(0.1, 0.9, count)) * (length / count)
            stay = rng.triangular(low, mode_h, high, count) * HOUR
            if direction == 0:  # arrivals spread over the window
                arrive = first + slots
                depart = np.minimum(arrive + stay, end)
            else:  # departures spread over the span
                depart = first + slots
                arrive = depart - stay
            key = (name, direction)
            ids_of[key] = ids.take("yard_carriervisit", count)
            arrived[key], departed[key] = arrive, depart
            used[key] = np.zeros(count, dtype=bool)
    return _Carriers(ids_of, arrived, departed, used)


def _called(carriers: _Carriers, keys: list[tuple[str, int]], of: dict[tuple[str, int], np.ndarray]) -> np.ndarray:
    """`of` for the calls of `keys` that some stay used (the others never happened), key after key."""
    return np.concatenate([of[key][carriers.used[key]] for key in keys])


def _carrier_visits(rng, carriers: _Carriers) -> _Table:
    """The trains' and vessels' calls, departed."""
    keys = list(carriers.used)
    carrier_ids = _called(carriers, keys, carriers.ids)
    n = len(carrier_ids)
    mode = np.repeat([name for name, _ in keys], [int(carriers.used[key].sum()) for key in keys]).tolist()
    arrived, departed = _called(carriers, keys, carriers.arrived), _called(carriers, keys, carriers.departed)
    created = arrived - rng.uniform(1, 5, n) * DAY
    prefix = np.where(np.array(mode) == "rail", "KTZ-", "CSP-")
    return _rows(CarrierVisit, {
        "id": _ints(carrier_ids),
        "mode": mode,
        "reference": [p + str(i) for p, i in zip(prefix.tolist(), carrier_ids.tolist(), strict=True)],
        "status": _const("departed", n),
        "eta": _times(arrived + rng.normal(0, 2, n) * HOUR),
        "etd": _times(departed + rng.normal(0, 2, n) * HOUR),
        "arrived_at": _times(arrived),
        "departed_at": _times(departed),
        "created_at": _times(created),
    })  # fmt: skip


def _train_visits(ids: _Ids, rng, ctx: _Context, carriers: _Carriers) -> _Table:
    """The train visit of each train's call: block trains in from China, out to Central Asia and Russia."""
    keys = [key for key in carriers.used if key[0] == "rail"]
    carrier_ids = _called(carriers, keys, carriers.ids)
    k = len(carrier_ids)
    inbound = np.repeat([direction == 0 for _, direction in keys], [int(carriers.used[key].sum()) for key in keys])
    origins = _pick(ORIGINS, rng.integers(len(ORIGINS), size=k))
    onwards = _pick(DESTINATIONS["rail"], rng.integers(len(DESTINATIONS["rail"]), size=k))
    lines = ctx.line_ids  # none in a layout without loading lines: then NULL
    line = {"line_id": [str(v) for v in _pick(lines, rng.integers(len(lines), size=k))]} if lines else {}
    return _rows(TrainVisit, {
        "id": _ints(ids.take("rail_trainvisit", k)),
        "carrier_id": _ints(carrier_ids),
        "train_number": [str(1000 + i % 9000) for i in carrier_ids.tolist()],
        "direction": np.where(inbound, "inbound", "outbound").tolist(),
        "origin": np.where(inbound, origins, "Aktau").tolist(),
        "destination": np.where(inbound, "Aktau", onwards).tolist(),
        **line,
        "created_by_id": _const(str(ctx.actor_id), k),
        "created_at": _times(_called(carriers, keys, carriers.arrived) - rng.uniform(1, 3, k) * DAY),
    })  # fmt: skip


def _trucks(rng, truck_ids: np.ndarray, arrived: np.ndarray, at_gate: np.ndarray) -> _Table:
    """A truck's gate visit per box brought or taken by road: from `arrived` until shortly after `at_gate`."""
    n = len(truck_ids)
    plates = rng.integers(0, 1000, n)
    letters = np.array(list("ABCEHKMOPTXY"))[rng.integers(0, 12, (n, 3))]
    return _rows(CarrierVisit, {
        "id": _ints(truck_ids),
        "mode": _const("truck", n),
        "reference": [f"{p:03d}{''.join(l3)}12" for p, l3 in zip(plates.tolist(), letters.tolist(), strict=True)],
        "status": _const("departed", n),
        "arrived_at": _times(arrived),
        "departed_at": _times(at_gate + rng.uniform(5, 40, n) * 60),
        "created_at": _times(arrived),
    })  # fmt: skip


# ---------------------------------------------------------------------------------------------- one chunk of stays


@dataclass
class _Stays:
    """One chunk's stays, one value per stay, as the builders share them."""

    visit_ids: np.ndarray
    container_ids: np.ndarray
    created: np.ndarray  # announced
    arrived: np.ndarray
    departed: np.ndarray
    in_mode: np.ndarray
    in_carrier: np.ndarray
    out_mode: np.ndarray
    out_carrier: np.ndarray
    deadline: np.ndarray  # the outbound train's or vessel's departure; NaN for trucks
    category: np.ndarray  # index into CATEGORIES
    empty: np.ndarray
    gross: np.ndarray
    area: np.ndarray  # index into AREAS: where the box is kept
    dangerous: np.ndarray
    un_pick: np.ndarray  # index into the context's UN entries, for the dangerous ones
    seal_numbers: np.ndarray


@dataclass
class _MovePlan:
    """One chunk's moves in order of stay and time: what, where from and to, when, by which machine."""

    visit: np.ndarray  # index of the stay
    kind: np.ndarray  # index into KIND_NAMES
    status: np.ndarray  # index into STATUS_NAMES
    first: np.ndarray
    last: np.ndarray
    from_slot: np.ndarray  # index into the context's slots, -1 for none
    from_tier: np.ndarray
    to_slot: np.ndarray
    to_tier: np.ndarray
    created: np.ndarray
    dispatched: np.ndarray
    started: np.ndarray
    finished: np.ndarray
    machine: np.ndarray  # equipment id, 0 for none
    inspected: np.ndarray  # the stays inspected
    inspection_at: np.ndarray  # their moves to the inspection area (the move back is the next one)


def _chunk(ids: _Ids, rng, ctx: _Context, carriers: _Carriers, first_serial: int, n: int, window: tuple[float, float],
           moves_per_visit: float) -> list[_Table]:  # fmt: skip
    """n finished stays departing within `window`, with everything they leave behind.

    Computes what the tables share (times, modes, carriers, which stays get what) and has each table's
    builder make its rows; the random draws stay in one order, so a seed gives the same history.
    """
    lo, hi = window

    # Outbound: a train or vessel departing in the window (loaded during its stay), else a truck.
    out_mode = rng.choice(3, size=n, p=[OUT_MODES["rail"], OUT_MODES["vessel"], OUT_MODES["truck"]])
    out_carrier = np.zeros(n, dtype=np.int64)
    departed = rng.uniform(lo, hi, n)
    deadline = np.full(n, np.nan)
    for mode in (RAIL, VESSEL):
        key = (MODE_NAMES[mode], 1)
        first, last = np.searchsorted(carriers.departed[key], [lo, hi])
        chosen = np.flatnonzero(out_mode == mode)
        if last <= first:
            out_mode[chosen] = TRUCK
            continue
        pick = rng.integers(first, last, size=len(chosen))
        carriers.used[key][pick] = True
        arrive, depart = carriers.arrived[key][pick], carriers.departed[key][pick]
        departed[chosen] = arrive + rng.uniform(0.2, 0.95, len(chosen)) * (depart - arrive)
        out_carrier[chosen] = carriers.ids[key][pick]
        deadline[chosen] = depart
    # Inbound: the train or vessel that called last before the box's arrival, else a truck.
    dwell = rng.triangular(*DWELL_HOURS, n) * HOUR
    arrived = departed - dwell
    in_mode = rng.choice(3, size=n, p=[IN_MODES["rail"], IN_MODES["vessel"], IN_MODES["truck"]])
    in_carrier = np.zeros(n, dtype=np.int64)
    in_carrier_arrived = arrived.copy()
    for mode in (RAIL, VESSEL):
        key = (MODE_NAMES[mode], 0)
        chosen = np.flatnonzero(in_mode == mode)
        pick = np.searchsorted(carriers.arrived[key], arrived[chosen], side="right") - 1
        late = pick < 0
        in_mode[chosen[late]] = TRUCK
        chosen, pick = chosen[~late], pick[~late]
        carriers.used[key][pick] = True
        arrive, depart = carriers.arrived[key][pick], carriers.departed[key][pick]
        landed = arrive + rng.uniform(0.1, 0.8, len(chosen)) * (depart - arrive)
        arrived[chosen] = np.maximum(arrive, np.minimum(landed, departed[chosen] - 2 * HOUR))
        in_carrier[chosen] = carriers.ids[key][pick]
        in_carrier_arrived[chosen] = arrive
    # Trucks: one carrier visit each way per box.
    truck_in, truck_out = np.flatnonzero(in_mode == TRUCK), np.flatnonzero(out_mode == TRUCK)
    trucks = len(truck_in) + len(truck_out)
    truck_ids = ids.take("yard_carriervisit", trucks)
    in_carrier[truck_in], out_carrier[truck_out] = truck_ids[: len(truck_in)], truck_ids[len(truck_in) :]
    truck_at = np.concatenate([arrived[truck_in], departed[truck_out]])
    truck_arrived = truck_at - rng.uniform(10, 60, trucks) * 60
    in_carrier_arrived[truck_in] = truck_arrived[: len(truck_in)]
    truck_rows = _trucks(rng, truck_ids, truck_arrived, truck_at)

    # The boxes.
    visit_created = np.minimum(in_carrier_arrived - rng.uniform(0.5, 48, n) * HOUR, arrived - HOUR)
    iso = rng.choice(len(ctx.iso_codes), size=n, p=ctx.iso_weights)
    length, reefer, tank = ctx.iso_length[iso], ctx.iso_reefer[iso], ctx.iso_tank[iso]
    category = rng.choice(len(CATEGORIES), size=n, p=list(CATEGORIES.values()))
    empty = category == list(CATEGORIES).index("empty")
    dangerous = ~empty & ~reefer & (rng.random(n) < DG_SHARE) & bool(ctx.un_entries)
    tare = np.where(length == 20, 2200, np.where(length == 40, 3800, 4800)) + reefer * 1000 + tank * 1400
    tare = tare + rng.integers(-150, 150, n)
    max_gross = np.where(length == 20, 30480, 32500) + reefer * 1500
    gross = np.where(empty, tare, tare + rng.integers(4000, 20000, n))
    gross = np.minimum(gross, max_gross)
    container_ids = ids.take("yard_container", n)
    containers = _containers(rng, ctx, container_ids, first_serial, iso, tare, max_gross, visit_created)
    area = np.zeros(n, dtype=np.int64)
    area[empty] = AREAS.index("empty")
    area[reefer & ~empty] = AREAS.index("reefer")
    area[dangerous] = AREAS.index("dg")
    stays = _Stays(
        visit_ids=ids.take("yard_containervisit", n), container_ids=container_ids, created=visit_created,
        arrived=arrived, departed=departed, in_mode=in_mode, in_carrier=in_carrier, out_mode=out_mode,
        out_carrier=out_carrier, deadline=deadline, category=category, empty=empty, gross=gross, area=area,
        dangerous=dangerous, seal_numbers=rng.integers(1_000_000, 9_999_999, n),
        un_pick=rng.integers(len(ctx.un_entries) or 1, size=n),
    )  # fmt: skip
    visits = _visits(rng, ctx, stays)

    plan = _move_plan(rng, ctx, stays, moves_per_visit)
    move_ids = ids.take("yard_yardmove", len(plan.visit))
    moves = _moves(rng, ctx, stays, plan, move_ids)

    # Holds: customs control on arrival for import and transit (released with the declaration), officers'
    # document holds, terminal and line holds, and the inspections' holds; all released before the box left.
    last_planned = plan.created[plan.last]
    controlled = np.isin(category, [list(CATEGORIES).index("import"), list(CATEGORIES).index("transit")])
    hold_visit, hold_authority, hold_kind, hold_placed, hold_released = [], [], [], [], []

    def add_holds(mask: np.ndarray, authority: str, kind_name: str, placed_at: np.ndarray, released_at: np.ndarray):
        chosen = np.flatnonzero(mask)
        hold_visit.append(chosen)
        hold_authority.extend([authority] * len(chosen))
        hold_kind.extend([kind_name] * len(chosen))
        hold_placed.append(placed_at[chosen])
        hold_released.append(released_at[chosen])

    span = last_planned - arrived
    control_placed = arrived + 60.0
    control_released = control_placed + rng.uniform(0.1, 0.9, n) * (last_planned - control_placed)
    add_holds(controlled, "customs", "customs_control", control_placed, control_released)
    for kind_name, share in HOLD_SHARES.items():
        placed_at = arrived + rng.uniform(0.0, 0.5, n) * span
        released_at = placed_at + rng.uniform(0.1, 0.95, n) * (last_planned - placed_at)
        authority = {"documents": "customs", "terminal": "terminal", "line": "line"}[kind_name]
        name = {"documents": "documents", "terminal": "damage_survey", "line": "line_release"}[kind_name]
        add_holds(rng.random(n) < share, authority, name, placed_at, released_at)
    # Inspections: ordered with the move in, at the area when it is done, result before the move back.
    inspected, move_in = plan.inspected, plan.inspection_at
    physical = rng.random(len(inspected)) < 0.2
    ordered = plan.created[move_in]
    at_area = plan.finished[move_in]
    recorded = at_area + rng.uniform(0.2, 0.8, len(inspected)) * (plan.created[move_in + 1] - at_area)
    first_inspection_hold = sum(len(v) for v in hold_visit)
    hold_visit.append(inspected)
    hold_authority.extend(["customs"] * len(inspected))
    hold_kind.extend(np.where(physical, "physical_exam", "scan_required").tolist())
    hold_placed.append(ordered)
    hold_released.append(recorded)
    holds_visit = np.concatenate(hold_visit)
    hold_ids = ids.take("yard_hold", len(holds_visit))
    holds = _holds(ctx, hold_ids, stays.visit_ids[holds_visit], hold_authority, hold_kind,
                   np.concatenate(hold_placed), np.concatenate(hold_released))  # fmt: skip
    orders = _inspection_orders(
        ids, rng, ctx, visit_ids=stays.visit_ids[inspected], hold_ids=hold_ids[first_inspection_hold:],
        physical=physical, ordered=ordered, at_area=at_area, recorded=recorded, move_in=move_ids[move_in],
        move_out=move_ids[move_in + 1],
    )  # fmt: skip

    # Customs declarations: one per controlled box (transit or import), released with its control hold.
    declared = np.flatnonzero(controlled)
    declaration_ids = ids.take("customs_customsdeclaration", len(declared))
    declarations = _customs_declarations(rng, ctx, declaration_ids, category[declared] == list(CATEGORIES).index(
        "import"), control_placed[declared], control_released[declared])  # fmt: skip
    declaration_visits = _customs_declaration_visits(ids, declaration_ids, stays.visit_ids[declared])
    # Dangerous goods: a declaration per DG box, one line (sometimes two).
    dg = np.flatnonzero(dangerous)
    dg_ids = ids.take("dangerous_goods_declaration", len(dg))
    dg_declarations = _dg_declarations(rng, ctx, dg_ids, stays.visit_ids[dg], visit_created[dg])
    dg_lines = _dg_lines(ids, rng, ctx, dg_ids, stays.un_pick[dg])
    return [truck_rows, containers, visits, moves, holds, orders, declarations, declaration_visits,
            dg_declarations, dg_lines]  # fmt: skip


def _containers(rng, ctx: _Context, container_ids: np.ndarray, first_serial: int, iso: np.ndarray, tare: np.ndarray,
                max_gross: np.ndarray, visit_created: np.ndarray) -> _Table:  # fmt: skip
    """The boxes, numbered from `first_serial` (HYAU000000 on), registered shortly before their stays."""
    n = len(container_ids)
    serial = first_serial + np.arange(n)
    owners = serial // 1_000_000
    numbers = np.empty(n, dtype=object)
    for owner in np.unique(owners).tolist():
        mine = owners == owner
        code, serials = owner_code(owner), serial[mine] % 1_000_000
        digits = check_digits(code, serials)
        numbers[mine] = [f"{code}{s:06d}{d}" for s, d in zip(serials.tolist(), digits.tolist(), strict=True)]
    return _rows(Container, {
        "id": _ints(container_ids),
        "number": numbers.tolist(),
        "iso_type_id": _pick(ctx.iso_codes, iso),
        "tare_kg": _ints(tare),
        "max_gross_kg": _ints(max_gross),
        "created_at": _times(visit_created - rng.uniform(0, 2, n) * HOUR),
    })  # fmt: skip


def _visits(rng, ctx: _Context, stays: _Stays) -> _Table:
    """The stays, departed; booked onto their outbound carrier (trucks are not booked ahead)."""
    n = len(stays.visit_ids)
    dg_json = np.full(n, "[]", dtype=object)
    for i in np.flatnonzero(stays.dangerous).tolist():
        _, un, hazard, group, _ = ctx.un_entries[stays.un_pick[i]]
        dg_json[i] = _escape(json.dumps([{"un_number": un, "class": hazard, "packing_group": group}]))
    destination = np.empty(n, dtype=object)
    for mode in (RAIL, VESSEL, TRUCK):
        mine = stays.out_mode == mode
        names = DESTINATIONS[MODE_NAMES[mode]]
        destination[mine] = np.asarray(names, dtype=object)[rng.integers(len(names), size=int(mine.sum()))]
    seals = np.char.add('["KZ', np.char.add(stays.seal_numbers.astype(str), '"]'))
    return _rows(ContainerVisit, {
        "id": _ints(stays.visit_ids),
        "state": _const("departed", n),
        "category": _pick(list(CATEGORIES), stays.category),
        "freight_kind": np.where(stays.empty, "empty", "full").tolist(),
        "gross_kg": _ints(stays.gross),
        "seals": np.where(stays.empty, "[]", seals).tolist(),
        "dangerous_goods": dg_json.tolist(),
        "outbound_mode": _pick(MODE_NAMES, stays.out_mode),
        "destination": destination.tolist(),
        "expected_departure": _times(stays.deadline, stays.out_mode == TRUCK),
        "arrived_at": _times(stays.arrived),
        "departed_at": _times(stays.departed),
        "created_at": _times(stays.created),
        "container_id": _ints(stays.container_ids),
        "inbound_carrier_id": _ints(stays.in_carrier),
        "outbound_carrier_id": _ints(stays.out_carrier),
    })  # fmt: skip


def _move_plan(rng, ctx: _Context, stays: _Stays, moves_per_visit: float) -> _MovePlan:
    """Moves in (discharge/receive), in between (shifts, housekeeping, a pair for an inspection) and out."""
    n = len(stays.visit_ids)
    arrived, departed = stays.arrived, stays.departed
    inspected = ~stays.empty & (rng.random(n) < INSPECTED_SHARE)
    extra = rng.poisson(max(0.0, moves_per_visit - 2 - 2 * INSPECTED_SHARE), n)
    per_visit = 2 + extra + 2 * inspected
    total = int(per_visit.sum())
    owner_visit = np.repeat(np.arange(n), per_visit)
    starts = np.cumsum(per_visit) - per_visit
    position = np.arange(total) - starts[owner_visit]
    last = position == per_visit[owner_visit] - 1
    first = position == 0
    fraction = rng.random(total)
    fraction[first], fraction[last] = 0.0, 1.0
    order = np.lexsort((fraction, owner_visit))
    fraction = fraction[order]
    finish = arrived[owner_visit] + fraction * (departed - arrived)[owner_visit]

    kind = np.where(rng.random(total) < 0.45, HOUSEKEEPING, SHIFT)
    kind[first] = np.where(stays.in_mode == TRUCK, RECEIVE, DISCHARGE)
    kind[last] = np.where(stays.out_mode == TRUCK, DELIVERY, LOAD)
    pair = np.flatnonzero(inspected)
    pair_at = starts[pair] + 1 + (rng.random(len(pair)) * (extra[pair] + 1)).astype(np.int64)
    kind[pair_at], kind[pair_at + 1] = INSPECTION, INSPECTION
    status = np.zeros(total, dtype=np.int64)
    middle = (kind == HOUSEKEEPING) | (kind == SHIFT)
    roll = rng.random(total)
    status[middle & (roll < CANCELLED_SHARE)] = 1
    status[middle & (roll >= CANCELLED_SHARE) & (roll < CANCELLED_SHARE + FAILED_SHARE)] = 2
    done = status == 0

    # Where to: a slot in the box's area (the inspection area for the way in), a carrier or the gate at the end.
    target_area = stays.area[owner_visit].copy()
    target_area[pair_at] = AREAS.index("inspection")
    to_slot = np.full(total, -1, dtype=np.int64)
    for a, name in enumerate(AREAS):
        mine = np.flatnonzero((target_area == a) & ~last)
        to_slot[mine] = ctx.area_slots[name][rng.integers(len(ctx.area_slots[name]), size=len(mine))]
    has_slot = to_slot >= 0
    tier_limit = ctx.block_max_tier[ctx.slot_block[np.where(has_slot, to_slot, 0)]]
    to_tier = np.where(has_slot, 1 + (rng.random(total) * tier_limit).astype(np.int64), 0)
    # Where from: where the previous completed move left it (the carrier for the first move).
    placed = np.where(done & has_slot, np.arange(total), -1)
    placed = np.maximum.accumulate(placed)
    previous = np.where(first, 0, placed[np.maximum(np.arange(total) - 1, 0)])
    from_slot = np.where(first, -1, to_slot[previous])
    from_tier = np.where(first, 0, to_tier[previous])
    work_slot = np.where(has_slot, to_slot, from_slot)
    work_block = ctx.slot_block[np.maximum(work_slot, 0)]

    # When: planned after the previous move finished, dispatched, sometimes started, finished.
    before = np.empty(total)
    before[1:] = finish[:-1]
    first_rows = np.flatnonzero(first)
    before[first_rows] = arrived - np.minimum(6 * HOUR, arrived - stays.created)
    created = before + rng.uniform(0.05, 0.5, total) * (finish - before)
    dispatched = created + rng.uniform(0.02, 0.3, total) * (finish - created)
    never_dispatched = (status == 1) & (rng.random(total) < 0.5)
    dispatched[never_dispatched] = np.nan
    started = np.where(rng.random(total) < STARTED_SHARE, dispatched + rng.uniform(0.3, 0.9, total) *
                       (finish - dispatched), finish)  # fmt: skip
    started[status == 1] = np.nan
    started[status == 2] = (dispatched + 0.5 * (finish - dispatched))[status == 2]

    machine = np.zeros(total, dtype=np.int64)
    for b, machines in enumerate(ctx.block_machines):
        mine = np.flatnonzero((work_block == b) & ~never_dispatched)
        if len(machines) and len(mine):
            machine[mine] = machines[rng.integers(len(machines), size=len(mine))]
    return _MovePlan(
        visit=owner_visit, kind=kind, status=status, first=first, last=last, from_slot=from_slot,
        from_tier=from_tier, to_slot=to_slot, to_tier=to_tier, created=created, dispatched=dispatched,
        started=started, finished=finish, machine=machine, inspected=pair, inspection_at=pair_at,
    )  # fmt: skip


def _moves(rng, ctx: _Context, stays: _Stays, plan: _MovePlan, move_ids: np.ndarray) -> _Table:
    """The planned moves, finished (done, or cancelled or failed in between), as the handheld left them."""
    total, actor = len(move_ids), str(ctx.actor_id)
    visit, last, has_slot = plan.visit, plan.last, plan.to_slot >= 0
    out_mode = stays.out_mode[visit]
    to_carrier = np.where(last & (out_mode != TRUCK), stays.out_carrier[visit], 0)
    to_gate = last & (out_mode == TRUCK)
    from_carrier = np.where(plan.first, stays.in_carrier[visit], 0)
    # What the plan showed: the place with its tier (one off where the driver deviated), the carrier, the gate.
    planned_to = np.empty(total, dtype=object)
    slot_rows = np.flatnonzero(has_slot)
    deviation = (plan.status == 0) & has_slot & (rng.random(total) < DEVIATION_SHARE)
    to_tier = plan.to_tier
    shown_tier = np.where(deviation, np.maximum(1, to_tier - 1) + (to_tier == 1), to_tier)
    planned_to[slot_rows] = ctx.slot_prefix[plan.to_slot[slot_rows]] + shown_tier[slot_rows].astype(str).astype(object)
    planned_to[to_gate] = "GATE"
    carrier_rows = np.flatnonzero(to_carrier)
    label = np.where(out_mode[carrier_rows] == RAIL, "RAIL:KTZ-", "VESSEL:CSP-")
    planned_to[carrier_rows] = [f"{p}{c}" for p, c in zip(label.tolist(), to_carrier[carrier_rows].tolist(),
                                                           strict=True)]  # fmt: skip
    return _rows(YardMove, {
        "id": _ints(move_ids),
        "kind": KIND_NAMES[plan.kind].tolist(),
        "status": STATUS_NAMES[plan.status].tolist(),
        "priority": _ints(PRIORITY[plan.kind]),
        "deadline": _times(np.where(plan.kind == LOAD, stays.deadline[visit], np.nan)),
        "from_tier": _ints(plan.from_tier, plan.from_slot < 0),
        "to_tier": _ints(to_tier, ~has_slot),
        "to_gate": _bools(to_gate),
        "planned_to": planned_to.tolist(),
        "deviation": _bools(deviation),
        "created_at": _times(plan.created),
        "dispatched_at": _times(plan.dispatched),
        "started_at": _times(plan.started),
        "finished_at": _times(plan.finished),
        "created_by_id": _const(actor, total),
        "equipment_id": _ints(plan.machine, plan.machine == 0),
        "finished_by_id": _const(actor, total),
        "from_carrier_id": _ints(from_carrier, from_carrier == 0),
        "from_slot_id": _ints(ctx.slot_ids[np.maximum(plan.from_slot, 0)], plan.from_slot < 0),
        "to_carrier_id": _ints(to_carrier, to_carrier == 0),
        "to_slot_id": _ints(ctx.slot_ids[np.maximum(plan.to_slot, 0)], ~has_slot),
        "visit_id": _ints(stays.visit_ids[visit]),
    })  # fmt: skip


_HOLD_REASONS = {"customs_control": "Under customs control on arrival until its declaration is released",
                 "documents": "Documents incomplete", "damage_survey": "Damage survey before delivery",
                 "line_release": "Awaiting the line's release", "scan_required": "X-ray scan ordered",
                 "physical_exam": "Physical examination ordered"}  # fmt: skip


def _holds(ctx: _Context, hold_ids: np.ndarray, visit_ids: np.ndarray, authority: list[str], kind: list[str],
           placed: np.ndarray, released: np.ndarray) -> _Table:  # fmt: skip
    """Holds placed and released, blocking the box's way out meanwhile."""
    n, actor = len(hold_ids), str(ctx.actor_id)
    return _rows(Hold, {
        "id": _ints(hold_ids),
        "authority": authority,
        "kind": kind,
        "reason": [_HOLD_REASONS[k] for k in kind],
        "blocked_move_kinds": _const('["load", "delivery"]', n),
        "placed_at": _times(placed),
        "released_at": _times(released),
        "placed_by_id": _const(actor, n),
        "released_by_id": _const(actor, n),
        "visit_id": _ints(visit_ids),
    })  # fmt: skip


def _inspection_orders(ids: _Ids, rng, ctx: _Context, *, visit_ids: np.ndarray, hold_ids: np.ndarray,
                       physical: np.ndarray, ordered: np.ndarray, at_area: np.ndarray, recorded: np.ndarray,
                       move_in: np.ndarray, move_out: np.ndarray) -> _Table:  # fmt: skip
    """X-ray scans and physical examinations, done: nearly always without suspicion."""
    k, actor = len(visit_ids), str(ctx.actor_id)
    return _rows(InspectionOrder, {
        "id": _ints(ids.take("customs_inspectionorder", k)),
        "kind": np.where(physical, "physical_exam", "scan").tolist(),
        "status": _const("done", k),
        "appointment_at": _times(ordered + rng.uniform(1, 12, k) * HOUR),
        "ordered_at": _times(ordered),
        "arrived_at": _times(at_area),
        "result": np.where(rng.random(k) < 0.95, "no_suspicion", "findings").tolist(),
        "findings": _const("", k),
        "recorded_at": _times(recorded),
        "hold_id": _ints(hold_ids),
        "move_in_id": _ints(move_in),
        "move_out_id": _ints(move_out),
        "ordered_by_id": _const(actor, k),
        "recorded_by_id": _const(actor, k),
        "visit_id": _ints(visit_ids),
    })  # fmt: skip


def _customs_declarations(rng, ctx: _Context, declaration_ids: np.ndarray, imported: np.ndarray,
                          control_placed: np.ndarray, control_released: np.ndarray) -> _Table:  # fmt: skip
    """Import and transit declarations, registered while the box was under control and released with it."""
    d, actor = len(declaration_ids), str(ctx.actor_id)
    return _rows(CustomsDeclaration, {
        "id": _ints(declaration_ids),
        "number": [f"HYL-{i}" for i in declaration_ids.tolist()],
        "procedure": np.where(imported, "import", "transit").tolist(),
        "status": _const("released", d),
        "created_at": _times(control_placed + rng.uniform(0.05, 0.5, d) * (control_released - control_placed)),
        "released_at": _times(control_released),
        "created_by_id": _const(actor, d),
        "released_by_id": _const(actor, d),
    })  # fmt: skip


def _customs_declaration_visits(ids: _Ids, declaration_ids: np.ndarray, visit_ids: np.ndarray) -> _Table:
    """The declarations' containers (a many-to-many table: its columns come from the through model)."""
    return _rows(CustomsDeclaration.visits.through, {
        "id": _ints(ids.take("customs_customsdeclaration_visits", len(declaration_ids))),
        "customsdeclaration_id": _ints(declaration_ids),
        "containervisit_id": _ints(visit_ids),
    })  # fmt: skip


def _dg_declarations(rng, ctx: _Context, dg_ids: np.ndarray, visit_ids: np.ndarray,
                     visit_created: np.ndarray) -> _Table:  # fmt: skip
    """A dangerous goods declaration per DG box, within an hour of its announcement."""
    g = len(dg_ids)
    return _rows(Declaration, {
        "id": _ints(dg_ids),
        "updated_at": _times(visit_created + rng.uniform(0.1, 1, g) * HOUR),
        "declared_by_id": _const(str(ctx.actor_id), g),
        "visit_id": _ints(visit_ids),
    })  # fmt: skip


def _dg_lines(ids: _Ids, rng, ctx: _Context, dg_ids: np.ndarray, un_pick: np.ndarray) -> _Table:
    """The declarations' lines: one each (a fifth have two), of the box's UN entry."""
    owner = np.repeat(np.arange(len(dg_ids)), 1 + (rng.random(len(dg_ids)) < 0.2))
    count = len(owner)
    entries = [ctx.un_entries[i] for i in un_pick[owner].tolist()] if ctx.un_entries else []
    return _rows(DeclarationLine, {
        "id": _ints(ids.take("dangerous_goods_declarationline", count)),
        "class_division": [_escape(e[2]) for e in entries],
        "subsidiary_risks": _const("", count),
        "packing_group": [_escape(e[3]) for e in entries],
        "proper_shipping_name": [_escape(e[4]) for e in entries],
        "net_mass_kg": [f"{m:.2f}" for m in rng.uniform(500, 18000, count).tolist()],
        "ems": _const("F-E, S-D", count),
        "declaration_id": _ints(dg_ids[owner]),
        "un_entry_id": _ints(np.array([e[0] for e in entries], dtype=np.int64)),
    })  # fmt: skip


# --------------------------------------------------------------------------------------------------- history rows

# Per loaded table: its history steps. Each step is one simple-history row per base row (where `keep` holds),
# at `when`, with some columns as they were then. Expressions are fixed SQL over the base row `b` and the
# step number `s.step`; nothing from outside reaches them.
_HISTORY = {
    "yard_container": {"steps": 1, "when": "b.created_at"},
    "yard_carriervisit": {
        "steps": 3,
        "when": "CASE s.step WHEN 1 THEN b.created_at WHEN 2 THEN b.arrived_at ELSE b.departed_at END",
        "set": {
            "status": "CASE s.step WHEN 1 THEN 'expected' WHEN 2 THEN 'arrived' ELSE b.status END",
            "arrived_at": "CASE WHEN s.step > 1 THEN b.arrived_at END",
            "departed_at": "CASE WHEN s.step > 2 THEN b.departed_at END",
        },
    },
    "rail_trainvisit": {"steps": 1, "when": "b.created_at"},
    "yard_containervisit": {
        "steps": 4,  # announced, arrived, booked onto its outbound train or vessel, departed
        "when": "CASE s.step WHEN 1 THEN b.created_at WHEN 2 THEN b.arrived_at "
        "WHEN 3 THEN b.arrived_at + (b.departed_at - b.arrived_at) * 0.4 ELSE b.departed_at END",
        "keep": "(s.step <> 3 OR b.expected_departure IS NOT NULL)",
        "set": {
            "state": "CASE s.step WHEN 1 THEN 'expected' WHEN 4 THEN b.state ELSE 'in_yard' END",
            "arrived_at": "CASE WHEN s.step > 1 THEN b.arrived_at END",
            "departed_at": "CASE WHEN s.step > 3 THEN b.departed_at END",
            "outbound_carrier_id": "CASE WHEN s.step > 2 THEN b.outbound_carrier_id END",
            "outbound_mode": "CASE WHEN s.step > 2 THEN b.outbound_mode ELSE '' END",
            "expected_departure": "CASE WHEN s.step > 2 THEN b.expected_departure END",
            "destination": "CASE WHEN s.step > 2 THEN b.destination ELSE '' END",
        },
    },
    "yard_yardmove": {
        "steps": 4,  # planned, dispatched, started on the handheld, done (or cancelled, failed)
        "when": "CASE s.step WHEN 1 THEN b.created_at WHEN 2 THEN b.dispatched_at WHEN 3 THEN b.started_at "
        "ELSE b.finished_at END",
        "keep": "(s.step <> 2 OR b.dispatched_at IS NOT NULL) AND (s.step <> 3 OR b.started_at < b.finished_at)",
        "set": {
            "status": "CASE s.step WHEN 1 THEN 'planned' WHEN 2 THEN 'dispatched' WHEN 3 THEN 'in_progress' "
            "ELSE b.status END",
            "equipment_id": "CASE WHEN s.step > 1 THEN b.equipment_id END",
            "dispatched_at": "CASE WHEN s.step > 1 THEN b.dispatched_at END",
            "started_at": "CASE WHEN s.step > 2 THEN b.started_at END",
            "finished_at": "CASE WHEN s.step > 3 THEN b.finished_at END",
            "finished_by_id": "CASE WHEN s.step > 3 THEN b.finished_by_id END",
            "deviation": "s.step > 3 AND b.deviation",
        },
    },
    "yard_hold": {
        "steps": 2,
        "when": "CASE s.step WHEN 1 THEN b.placed_at ELSE b.released_at END",
        "set": {
            "released_at": "CASE WHEN s.step > 1 THEN b.released_at END",
            "released_by_id": "CASE WHEN s.step > 1 THEN b.released_by_id END",
        },
    },
    "customs_inspectionorder": {
        "steps": 3,
        "when": "CASE s.step WHEN 1 THEN b.ordered_at WHEN 2 THEN b.arrived_at ELSE b.recorded_at END",
        "set": {
            "status": "CASE s.step WHEN 1 THEN 'ordered' WHEN 2 THEN 'at_inspection' ELSE b.status END",
            "arrived_at": "CASE WHEN s.step > 1 THEN b.arrived_at END",
            "result": "CASE WHEN s.step > 2 THEN b.result ELSE '' END",
            "recorded_at": "CASE WHEN s.step > 2 THEN b.recorded_at END",
            "recorded_by_id": "CASE WHEN s.step > 2 THEN b.recorded_by_id END",
            "move_out_id": "CASE WHEN s.step > 2 THEN b.move_out_id END",
        },
    },
    "customs_customsdeclaration": {
        "steps": 3,  # registered, its containers set, released
        "when": "CASE WHEN s.step < 3 THEN b.created_at ELSE b.released_at END",
        "set": {
            "status": "CASE WHEN s.step < 3 THEN 'submitted' ELSE b.status END",
            "released_at": "CASE WHEN s.step > 2 THEN b.released_at END",
            "released_by_id": "CASE WHEN s.step > 2 THEN b.released_by_id END",
        },
    },
    "dangerous_goods_declaration": {"steps": 1, "when": "b.updated_at"},
    "dangerous_goods_declarationline": {
        "steps": 1,
        "when": "(SELECT d.updated_at FROM dangerous_goods_declaration d WHERE d.id = b.declaration_id)",
    },
}
_MODELS = {
    model._meta.db_table: model
    for model in (
        Container,
        CarrierVisit,
        TrainVisit,
        ContainerVisit,
        YardMove,
        Hold,
        InspectionOrder,
        CustomsDeclaration,
        Declaration,
        DeclarationLine,
    )
}


def _history_derive(cursor, table: str, low: int, high: int, actor_id: int) -> list[tuple[str, int]]:
    """The simple-history rows of base rows low..high of `table` (see _HISTORY)."""
    spec, model = _HISTORY[table], _MODELS[table]
    historical = model.history.model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields]
    overrides = spec.get("set", {})
    values = [sql.SQL(overrides[c]) if c in overrides else sql.SQL("b.{}").format(sql.Identifier(c)) for c in columns]
    statement = sql.SQL(
        "INSERT INTO {historical} ({columns}, history_date, history_change_reason, history_type, history_user_id) "
        "SELECT {values}, {when}, NULL, CASE WHEN s.step = 1 THEN '+' ELSE '~' END, %s "
        "FROM {table} b CROSS JOIN generate_series(1, %s) AS s(step) WHERE b.id BETWEEN %s AND %s AND {keep}"
    ).format(
        historical=sql.Identifier(historical),
        columns=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        values=sql.SQL(", ").join(values),
        when=sql.SQL(spec["when"]),
        table=sql.Identifier(table),
        keep=sql.SQL(spec.get("keep", "TRUE")),
    )
    cursor.execute(sql.SQL("SELECT COALESCE(max(history_id), 0) FROM {}").format(sql.Identifier(historical)))
    newer_than = cursor.fetchone()[0]
    cursor.execute(statement, [actor_id, spec["steps"], low, high])
    written = [(historical, cursor.rowcount)]
    if table == "customs_customsdeclaration":  # the m2m history: the containers as of steps 2 and 3
        cursor.execute(
            "INSERT INTO customs_historicalcustomsdeclaration_visits (id, containervisit_id, customsdeclaration_id, "
            "history_id) SELECT l.id, l.containervisit_id, l.customsdeclaration_id, h.history_id "
            "FROM customs_historicalcustomsdeclaration h JOIN customs_customsdeclaration_visits l "
            "ON l.customsdeclaration_id = h.id WHERE h.history_id > %s AND h.history_type = '~'",
            [newer_than],
        )
        written.append(("customs_historicalcustomsdeclaration_visits", cursor.rowcount))
    return written


# ------------------------------------------------------------------------------- indexes and keys during a big load

_BIG_TABLES = [
    "yard_container", "yard_carriervisit", "rail_trainvisit", "yard_containervisit", "yard_yardmove", "yard_hold",
    "customs_inspectionorder", "customs_customsdeclaration", "customs_customsdeclaration_visits",
    "dangerous_goods_declaration", "dangerous_goods_declarationline",
]  # fmt: skip


def _history_tables() -> list[str]:
    tables = [_MODELS[t].history.model._meta.db_table for t in _MODELS]
    return [*tables, "customs_historicalcustomsdeclaration_visits"]


def _detach(cursor, tables: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Drops the plain (non-unique, not constraint-backed) indexes and the foreign keys of `tables`.

    Returns their definitions, as PostgreSQL prints them, for _reattach.
    """
    cursor.execute(
        "SELECT n.nspname, c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = current_schema() AND t.relname = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
        [tables],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
        "JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = current_schema() AND k.contype = 'f' AND t.relname = ANY(%s)",
        [tables],
    )
    keys = cursor.fetchall()
    for table, name, _ in keys:
        cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(table), sql.Identifier(name)))
    for schema, name, _ in indexes:
        cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, name)))
    return [(name, definition) for _, name, definition in indexes], keys


def _reattach(cursor, indexes: list[tuple[str, str]], keys: list[tuple[str, str, str]]) -> dict:
    """Recreates what _detach dropped; returns the seconds spent on indexes and on keys, and the slowest steps."""
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    steps = []
    for name, definition in indexes:
        tick = time.perf_counter()
        cursor.execute(sql.SQL(definition))  # PostgreSQL's own text for the index it had
        steps.append(("index", name, time.perf_counter() - tick))
    for table, name, definition in keys:  # validated here: one join per key
        tick = time.perf_counter()
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.Identifier(table), sql.Identifier(name), sql.SQL(definition)
            )
        )
        steps.append(("foreign key", name, time.perf_counter() - tick))
    return {
        "indexes": round(sum(s for kind, _, s in steps if kind == "index"), 1),
        "foreign_keys": round(sum(s for kind, _, s in steps if kind == "foreign key"), 1),
        "slowest": [f"{kind} {name}: {s:.1f} s" for kind, name, s in sorted(steps, key=lambda step: -step[2])[:5]],
    }


# ---------------------------------------------------------------------------------------------------- the loader


def _id_blocks(count: int, start: float, end: float, moves_per_visit: float) -> dict[str, int]:
    """Upper bounds of the rows a load of `count` stays writes, per table with an id sequence."""
    carriers = _carriers_count(count, start, end)
    moves = count * (2 + max(0.0, moves_per_visit - 2 - 2 * INSPECTED_SHARE) + 2 * INSPECTED_SHARE)
    return {
        "yard_carriervisit": sum(carriers.values()) + 2 * count,  # trains and vessels, a truck each way at most
        "rail_trainvisit": carriers["rail", 0] + carriers["rail", 1],
        "yard_container": count,
        "yard_containervisit": count,
        "yard_yardmove": int(moves * 1.02) + 1000,  # a Poisson number per stay: far below this
        "yard_hold": 2 * count + 1000,  # about 0.8 a stay
        "customs_inspectionorder": count,
        "customs_customsdeclaration": count,
        "customs_customsdeclaration_visits": count,
        "dangerous_goods_declaration": count,
        "dangerous_goods_declarationline": 2 * count,
    }


def loaded_visits() -> int:
    """How many stays the loader has put in this database (its containers are numbered HYAU..., one per stay)."""
    return Container.objects.filter(number__gte=OWNER_PREFIX, number__lt=OWNER_PREFIX[:-1] + "Z").count()


def history_load(
    *,
    years: float,
    visits_per_year: int = VISITS_PER_YEAR,
    moves_per_visit: float = MOVES_PER_VISIT,
    seed: int = 1,
    now: datetime | None = None,
    chunk_visits: int = CHUNK_VISITS,
    rebuild: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Loads finished history until `years` of it are in the database (ending now); returns what it did.

    Incremental: what is there already counts, and the missing years are added before it. `rebuild`
    (default: for loads of BULK_VISITS stays or more) drops and recreates the loaded tables' plain indexes
    and foreign keys around the load. The figures returned include rows per second (all rows written,
    history included, over the seconds until commit) and the sizes of the largest tables.
    """
    if connection.vendor != "postgresql":
        raise ImproperlyConfigured(
            f"history_load bulk-loads with PostgreSQL COPY; this database is {connection.vendor}. "
            "Run it with DATABASE_URL pointing at PostgreSQL (scripts/with-postgres does)."
        )
    say = progress or (lambda message: None)
    started = time.perf_counter()
    before = loaded_visits()
    target = round(years * visits_per_year)
    result = {"years_requested": years, "visits_before": before, "visits_added": 0, "rows_added": {}}
    if target <= before:
        result.update(_totals(visits_per_year))
        return result
    actor_id = system_user().pk
    now = now or timezone.now()
    if before:  # the new years end where the loaded ones begin
        earliest = ContainerVisit.objects.filter(
            container__number__gte=OWNER_PREFIX, container__number__lt=OWNER_PREFIX[:-1] + "Z"
        ).aggregate(first=Min("departed_at"))["first"]
        end = (earliest or now).timestamp()
    else:
        end = now.timestamp() - 2 * HOUR
    count = target - before
    start = end - count / visits_per_year * YEAR_S
    rebuild = count >= max(BULK_VISITS, before // 2) if rebuild is None else rebuild
    rng = np.random.default_rng([seed, before])
    ctx = _context(actor_id)
    added: dict[str, int] = {}
    timings = {}

    def note(table: str, rows: int) -> None:
        added[table] = added.get(table, 0) + rows

    with transaction.atomic(), connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg cursor: COPY
        detached = ([], [])
        if rebuild:
            # Checks still pending in an outer transaction would forbid ALTER TABLE: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            detached = _detach(cursor, _BIG_TABLES + _history_tables())
            say(f"dropped {len(detached[0])} plain indexes and {len(detached[1])} foreign keys for the load")
        ids = _Ids(cursor, _id_blocks(count, start, end, moves_per_visit))
        carriers = _carriers_plan(ids, rng, count, start, end)
        chunks = [(done, min(chunk_visits, count - done)) for done in range(0, count, chunk_visits)]

        def generate(index: int) -> list[_Table]:
            done, n = chunks[index]  # newest first: stays numbered from `before` depart from `end` backwards
            window = (end - (done + n) / count * (end - start), end - done / count * (end - start))
            return _chunk(ids, rng, ctx, carriers, before + done, n, window, moves_per_visit)

        waited = copy_seconds = history_seconds = 0.0
        # One thread generates the next chunk while the database copies this one and derives its history.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-load") as pool:
            upcoming = pool.submit(generate, 0)
            for index, (done, n) in enumerate(chunks):
                tick = time.perf_counter()
                tables = upcoming.result()
                waited += time.perf_counter() - tick
                if index + 1 < len(chunks):
                    upcoming = pool.submit(generate, index + 1)
                tick = time.perf_counter()
                for table in tables:
                    note(table.name, _copy(cursor, table))
                copy_seconds += time.perf_counter() - tick
                tick = time.perf_counter()
                for table in tables:
                    if table.name in _HISTORY and len(table):
                        low, high = int(table.columns["id"][0]), int(table.columns["id"][-1])
                        for name, rows in _history_derive(cursor, table.name, low, high, actor_id):
                            note(name, rows)
                history_seconds += time.perf_counter() - tick
                say(f"{before + done + n:,} stays loaded ({(before + done + n) / visits_per_year:.2f} years)")
        tick = time.perf_counter()
        for table in (_carrier_visits(rng, carriers), _train_visits(ids, rng, ctx, carriers)):
            note(table.name, _copy(cursor, table))
            if len(table):
                low, high = min(map(int, table.columns["id"])), max(map(int, table.columns["id"]))
                for name, rows in _history_derive(cursor, table.name, low, high, actor_id):
                    note(name, rows)
        copy_seconds += time.perf_counter() - tick
        ids.give_back(cursor)
        tick = time.perf_counter()
        if rebuild:
            say("recreating indexes and foreign keys")
            result["rebuild"] = _reattach(cursor, *detached)
        timings["indexes_and_keys"] = round(time.perf_counter() - tick, 1)
    committed = time.perf_counter() - started
    tick = time.perf_counter()
    _vacuum_analyse(_BIG_TABLES + _history_tables())
    timings.update(waiting_for_generation=round(waited, 1), copy=round(copy_seconds, 1),
                   history_rows=round(history_seconds, 1), vacuum_analyse=round(time.perf_counter() - tick, 1),
                   until_commit=round(committed, 1))  # fmt: skip
    total_rows = sum(added.values())
    result.update(
        visits_added=count,
        rebuilt_indexes=rebuild,
        rows_added=dict(sorted(added.items())),
        rows_added_total=total_rows,
        seconds=timings,
        load_seconds=round(time.perf_counter() - started, 1),
        rows_per_second=round(total_rows / committed),
        **_totals(visits_per_year),
    )
    return result


def _vacuum_analyse(tables: list[str]) -> None:
    """VACUUM ANALYZE (ANALYZE only inside a transaction, where VACUUM cannot run)."""
    command = sql.SQL("ANALYZE {}" if connection.in_atomic_block else "VACUUM (ANALYZE) {}")
    with connection.cursor() as django_cursor:
        for table in tables:
            django_cursor.cursor.execute(command.format(sql.Identifier(table)))


def _totals(visits_per_year: int) -> dict:
    visits = loaded_visits()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "WHERE c.relname = ANY(%s) AND c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace",
            [["yard_yardmove", "yard_historicalyardmove", "yard_containervisit", "yard_historicalcontainervisit"]],
        )
        sizes = {name: round(size / 2**20) for name, size in cursor.fetchall()}
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
    return {
        "visits_loaded": visits,
        "years_loaded": round(visits / visits_per_year, 3),
        "moves_total": YardMove.objects.count(),
        "table_mib": sizes,
        "database_mib": round(database / 2**20),
    }
