"""Traffic for the Aktau hub: a pure, seeded model of what arrives and what leaves. No database.

Given a number of days, a volume (TEU a year) and a seed, `traffic_generate` returns the same list of
events every time, in simulated time:

- inbound block trains from China (Altynkol/Khorgos Gateway, Dostyk): 57 platforms of the 1520 mm
  catalogue models, wagon numbers with valid check digits, positions, containers per platform within
  each model's length and payload;
- outbound block trains (back to China, Almaty, Tashkent, Astana): empty platforms formed on a line;
- Caspian vessel calls (Baku/Alat, Turkmenbashi): feeders of the default stowage profile, announced days
  ahead on the one container berth in windows that never overlap, each with its arrival bay plan's boxes
  (for Aktau, and through cargo for the next ports that stays on board); they discharge and take the booked
  boxes;
- trucks bringing boxes (exports, empties) and collecting them (local imports).

Each container carries its plan (`BoxPlan`): a number with a valid ISO 6346 check digit, a size/type
from the project's ISO reference, its mass, reefer or dangerous goods (UN numbers drawn from the UN list
the system holds, only entries it accepts), its customs fate (release delay, inspection, result), how
and where it leaves, and its dwell (how long until its cargo is ready to leave). The runner
(`simulation.runner`) replays all of it through the real services.

Why not conflowgen: conflowgen (github.com/1kastner/conflowgen) generates container flows for deep-sea
terminals, but it brings pandas, numpy and its own SQLite database, and it knows nothing of what makes
Aktau's traffic: 1520 mm platform models and wagon numbers, block trains as train lists, ISO 6346
numbers, UN numbers, customs control on arrival. Its output would need the same amount of mapping as
this model needs code, so we build the equivalent with the standard library and our own reference data.

Every parameter below says why it has its value; sources, where we have one, are named in brackets:
[UIC 2019] UIC eNews 644 (feeder service Aktau-Baku launched, 225-TEU vessels, weekly);
[Trend 2025] trend.az 25 Nov 2025 (two 700-TEU vessels for the Caspian by 2027);
[SIA 2025] sia.az (2025 forecast: 96,000 TEU on the Trans-Caspian route, 88,000 of them Aktau-Alyat);
[RS 2024] railway.supply, 2 Feb 2024 (a Xi'an-Baku block train of 55 forty-foot boxes);
[Report 2025] report.az 26 Nov 2025 (the Aktau hub: 140,000 TEU first stage, 240,000 TEU second);
[Upply] upply.com DG guide (class 3 is the most common DG class in containers);
[Alaics] alaics.kz (about 10% of Kazakh customs consignments go to the red corridor at random);
[OSJD] OSJD rules for placing containers on rolling stock, via rail/reference/wagons.csv;
[KTZ] KTZ press releases on Xi'an-Altynkol-Aktau trains (transshipment at the Khorgos Gateway dry port).
The rest are stated assumptions: change them here, not in the runner.
"""

import csv
import math
import random
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from stdnum import iso6346

from dangerous_goods.errors import DangerousGoodsNotAdmitted
from dangerous_goods.reference import REFERENCE_DIR as UN_REFERENCE_DIR
from dangerous_goods.segregation import class_column, parse_subsidiary_risks
from dangerous_goods.services import admission_check
from rail.services import wagon_check_digit
from vessels.identity import imo_check_digit
from yard.reference import REFERENCE_DIR as ISO_REFERENCE_DIR

AKTAU_TZ = ZoneInfo("Asia/Aqtau")
DEFAULT_START = datetime(2026, 1, 5, tzinfo=AKTAU_TZ)  # a Monday: the week starts with a clean calendar

RAIL, VESSEL, TRUCK = "rail", "vessel", "truck"  # the values of yard.models.CarrierVisit.Mode
FULL, EMPTY = "full", "empty"
TRANSIT, IMPORT, EXPORT, EMPTY_CATEGORY = "transit", "import", "export", "empty"


@dataclass(frozen=True)
class PlatformModel:
    """A 1520 mm container platform of the catalogue, with the ways boxes are put on it."""

    code: str  # as in rail/reference/wagons.csv
    share: float  # of the platforms in a block train
    payload_kg: int
    max_box_kg: int | None
    loads: tuple[tuple[tuple[int, ...], float], ...]  # (lengths of the boxes on it, weight)


def _mix(**weights: float) -> dict:
    return dict(weights)


@dataclass(frozen=True)
class TrafficParameters:
    # --- Volume ---------------------------------------------------------------------------------------
    # The hub's design: 240,000 TEU a year [Report 2025; README]. Counted once per stay (arrival TEU),
    # as the architecture does: 240,000 TEU ≈ 150,000 visits ≈ 410 box arrivals a day plus as many departures.
    teu_per_year: float = 240_000

    # --- How boxes arrive (shares of TEU) --------------------------------------------------------------
    # The hub is the sea end of the China-Caspian corridor: most boxes come by block train from China and
    # leave by feeder to Baku/Alat [SIA 2025: 88 of 96 kTEU are Aktau-Alyat]; the return flow arrives by sea
    # and leaves by rail; trucks serve the Mangystau region.
    arrival_share: dict = field(default_factory=lambda: _mix(rail=0.60, vessel=0.25, truck=0.15))
    # Empties per arrival mode: China trains run loaded (shippers' own boxes), the return flow from the
    # Caspian brings the empties back east, trucks return boxes unpacked locally. Gives ≈15% empties overall.
    empty_share: dict = field(default_factory=lambda: _mix(rail=0.03, vessel=0.36, truck=0.28))
    # Shares of all boxes: reefers ≈5% (fruit and vegetables from the Caucasus and Turkey eastbound;
    # assumption), dangerous goods ≈8% (the brief; chemicals, batteries and paints on the corridor).
    reefer_share: float = 0.05
    dangerous_goods_share: float = 0.08

    # --- How boxes leave (shares by arrival mode), and where to ------------------------------------------
    outbound_full: dict = field(
        default_factory=lambda: {
            RAIL: _mix(vessel=0.85, truck=0.10, rail=0.05),  # transit to the Caucasus/Turkey; some local imports
            VESSEL: _mix(rail=0.80, truck=0.20),  # eastbound transit to China and Central Asia
            TRUCK: _mix(vessel=0.60, rail=0.40),  # Kazakh exports
        }
    )
    outbound_empty: dict = field(
        default_factory=lambda: {
            RAIL: _mix(truck=0.60, vessel=0.40),  # to local shippers for stuffing, or on to the Caucasus
            VESSEL: _mix(rail=0.90, truck=0.10),  # repositioned to China
            TRUCK: _mix(rail=0.70, vessel=0.30),  # returned empties go back to their owners, mostly east
        }
    )
    # Ports: Aktau-Alyat carries nearly all of the Trans-Caspian container volume [SIA 2025]; Turkmenbashi
    # the rest (and a little more of what comes back, Central Asian cargo via Turkmenistan): assumption.
    vessel_ports: dict = field(default_factory=lambda: {"Baku/Alat": 0.90, "Turkmenbashi": 0.10})
    vessel_origins: dict = field(default_factory=lambda: {"Baku/Alat": 0.85, "Turkmenbashi": 0.15})
    # China trains are transshipped to 1520 mm at Altynkol (the Khorgos Gateway dry port) or Dostyk [KTZ];
    # the split is an assumption. Eastbound trains go back to China or to Kazakh and Uzbek hubs: assumption.
    rail_origins: dict = field(default_factory=lambda: {"Altynkol (Khorgos Gateway)": 0.75, "Dostyk": 0.25})
    rail_destinations: dict = field(
        default_factory=lambda: {"Altynkol (to China)": 0.45, "Almaty-1": 0.25, "Tashkent": 0.15, "Astana": 0.15}
    )

    # --- Block trains -----------------------------------------------------------------------------------
    # KTZ's container block train: 57 platforms (71 conventional wagons), which the loading lines take.
    platforms_per_train: int = 57
    # A few platforms run empty (bad-ordered boxes, short bookings): assumption.
    empty_platform_share: float = 0.08
    # The catalogue models [OSJD, rail/reference/wagons.csv]: 60' platforms take three 20' or a 40' and a
    # 20'; 40' ones a 40' or two 20'; the 46' 13-6724 also a 45', each box up to 40 t. Mostly 40' boxes on
    # China trains [RS 2024: 55 FEU], so patterns with a 40' dominate. Gives ≈120 TEU per train.
    platform_models: tuple = (
        PlatformModel("13-470", 0.25, 60_000, None, (((40, 20), 0.45), ((40,), 0.35), ((20, 20, 20), 0.15),
                                                      ((20, 20), 0.05))),
        PlatformModel("13-9004", 0.15, 65_000, None, (((40, 20), 0.45), ((40,), 0.35), ((20, 20, 20), 0.15),
                                                       ((20, 20), 0.05))),
        PlatformModel("13-N455", 0.25, 62_000, None, (((40,), 0.85), ((20, 20), 0.15))),
        PlatformModel("11-N004", 0.15, 60_000, None, (((40,), 0.85), ((20, 20), 0.15))),
        PlatformModel("13-6724", 0.20, 80_000, 40_000, (((45,), 0.30), ((40,), 0.65), ((20, 20), 0.05))),
    )  # fmt: skip
    # Time between trains: Erlang with this shape (1 would be a Poisson stream; larger, a stricter timetable).
    # Block trains keep a rough timetable, with delays of hours: assumption.
    train_headway_shape: int = 4
    # The share of rail arrivals that are imports for Kazakh consignees rather than transit (whole trains):
    # assumption. Both are under customs control on arrival (CUSTOMS_CONTROL_CATEGORIES).
    rail_import_share: float = 0.10
    # Outbound trains: what the load planner can put on them. Outbound wagons carry no model in the TOS,
    # so the planner assumes 40' platforms (2 TEU, 60 t, no 45'): 57 x 2 TEU.
    outbound_train_teu: int = 114
    outbound_train_load_factor: float = 0.85  # trains are ordered so that they leave ≈85% full
    outbound_train_max_interval_days: float = 4.0  # even a thin destination gets a train twice a week
    # Empty platforms are placed on a line this long before departure; loading starts an hour later.
    outbound_train_formation_hours: float = 8.0

    # --- Caspian vessels --------------------------------------------------------------------------------
    # Today's 225-TEU feeders [UIC 2019]: the default stowage profile's 224 cells (vessels/profiles.py), which
    # the simulated vessels use. Twice as many calls as 450-TEU ships would make carry the same volume.
    vessel_capacity_teu: int = 224
    vessel_load_factor: float = 0.85  # calls are scheduled so that vessels leave ≈85% full
    vessel_max_interval_days: float = 7.0  # at least weekly, as the feeder service runs [UIC 2019]
    vessel_announce_hours: float = 72.0  # bookings open three days before arrival: assumption
    vessel_import_share: float = 0.30  # the rest is transit to China and Central Asia: assumption
    # UN/LOCODEs the lines write in their bay plans and load lists; a call's next ports are its home port,
    # then the other one (the Caspian triangle service).
    port_locodes: dict = field(default_factory=lambda: {"Baku/Alat": "AZBAK", "Turkmenbashi": "TMKRW"})
    # Boxes that arrive on board for the next ports and stay there (through cargo), as a share of the ship's
    # TEU; some were stowed over boxes for Aktau, which the terminal lifts off and puts back (restows).
    # Assumptions: a feeder calling Aktau between Baku and Turkmenbashi carries little of the other leg's cargo.
    vessel_through_share: float = 0.06
    vessel_restow_share: float = 0.25  # of the through boxes
    berth: str = "CB1"  # the one container berth (yard/layout/aktau.toml): one call at a time
    berth_gap_hours: float = 1.0  # between one vessel's ETD and the next one's ETA: assumption

    # --- Trucks -----------------------------------------------------------------------------------------
    gate_hours: tuple = (8, 20)  # daytime gate, local time: assumption

    # --- Box mix ----------------------------------------------------------------------------------------
    # Lengths of boxes that come by vessel or truck (train boxes follow the platforms): mostly 40' high
    # cubes as on the corridor's trains, few 45' (they need 46' platforms or a truck).
    length_mix: dict = field(default_factory=lambda: {20: 0.40, 40: 0.55, 45: 0.05})
    # ISO size/types per kind and length; every code exists in yard/reference/iso6346_size_types.csv.
    iso_types: dict = field(
        default_factory=lambda: {
            "general": {20: _mix(**{"22G1": 0.90, "25G1": 0.03, "22U1": 0.03, "22T6": 0.04}),
                        40: _mix(**{"45G1": 0.72, "42G1": 0.25, "42U1": 0.03}), 45: _mix(**{"L5G1": 1.0})},
            "reefer": {20: _mix(**{"22R1": 1.0}), 40: _mix(**{"45R1": 0.90, "42R1": 0.10}), 45: _mix(**{"L5R1": 1.0})},
            "dg": {20: _mix(**{"22G1": 0.65, "22T6": 0.35}), 40: _mix(**{"45G1": 0.60, "42G1": 0.40}),
                   45: _mix(**{"L5G1": 1.0})},
            "empty": {20: _mix(**{"22G1": 0.88, "22R1": 0.04, "22T6": 0.04, "22U1": 0.04}),
                      40: _mix(**{"45G1": 0.70, "42G1": 0.20, "45R1": 0.10}), 45: _mix(**{"L5G1": 1.0})},
        }
    )  # fmt: skip
    # Tare (the verified gross mass of an empty box), typical builders' figures.
    tare_kg: dict = field(
        default_factory=lambda: {"22G1": 2_200, "25G1": 2_350, "22U1": 2_300, "22T6": 3_600, "22R1": 3_000,
                                 "42G1": 3_750, "45G1": 3_900, "42U1": 3_900, "42R1": 4_500, "45R1": 4_600,
                                 "L5G1": 4_800, "L5R1": 5_200}
    )  # fmt: skip
    # Gross mass of full boxes, triangular (low, high, most likely) in kg: the corridor's 20' boxes carry
    # dense cargo (metals, chemicals), 40' ones lighter consumer goods; below the 30,480 kg rating of
    # older boxes; tanks and reefers heavier. Assumptions in line with common terminal mass profiles.
    gross_kg: dict = field(
        default_factory=lambda: {("general", 20): (5_000, 28_000, 21_000), ("general", 40): (6_000, 28_000, 14_000),
                                 ("general", 45): (6_000, 27_000, 13_000), ("tank", 20): (12_000, 30_000, 26_000),
                                 ("reefer", 20): (10_000, 27_000, 22_000), ("reefer", 40): (12_000, 29_000, 24_000),
                                 ("reefer", 45): (12_000, 29_000, 23_000)}
    )  # fmt: skip

    # --- Dangerous goods --------------------------------------------------------------------------------
    # Shares of DG boxes by primary class: class 3 dominates [Upply], then class 9 (lithium batteries,
    # environmentally hazardous goods) and 8; the classes the port refuses or sends by direct delivery
    # only (1 except 1.4S, 6.2, 7: settings.DG_*) never come. Assumption for the split.
    dg_classes: dict = field(
        default_factory=lambda: _mix(**{"3": 0.45, "9": 0.20, "8": 0.12, "2.1": 0.03, "2.2": 0.04, "6.1": 0.05,
                                        "4.1": 0.04, "5.1": 0.04, "4.2": 0.01, "4.3": 0.01, "5.2": 0.01})
    )  # fmt: skip
    # Common cargoes per class (all in the UN list with that class); the rest are drawn from the whole list.
    dg_common: dict = field(
        default_factory=lambda: {"3": ("1263", "1993", "1133", "1866", "1210", "1170"),
                                 "9": ("3480", "3481", "3082", "3077", "2211", "3090"),
                                 "8": ("1760", "1789", "1830", "1805", "1719", "1824"), "2.1": ("1950", "1075", "1011"),
                                 "2.2": ("1950", "1066", "1013"), "6.1": ("2810", "2811", "2588", "1593", "1710"),
                                 "4.1": ("1325", "1350", "3175"), "5.1": ("1942", "2067", "1479"), "4.2": ("1361",),
                                 "4.3": ("1402",), "5.2": ("3105", "3106", "3108", "3109")}
    )  # fmt: skip
    dg_common_share: float = 0.60  # the other 40% spread over every accepted entry of the class
    dg_limited_quantity_share: float = 0.10  # LQ boxes are declared but not segregated: assumption

    # --- Dwell: hours until a box's cargo is ready to leave, log-normal (median, sigma) ---------------------
    # Transit waits for the next feeder (the corridor's bottleneck [SIA 2025]) or train; local imports wait
    # for their consignee's free time; empties wait for a booking; reefers (power) and dangerous goods
    # (ports keep them short; MSC.1/Circ.1216) leave quickly. Typical port dwell is 3-7 days. Assumptions.
    dwell: dict = field(
        default_factory=lambda: {"vessel": (60.0, 0.6), "rail": (72.0, 0.6), "truck": (96.0, 0.7),
                                 "empty": (144.0, 0.8), "reefer": (36.0, 0.5), "dg": (36.0, 0.5)}
    )  # fmt: skip
    max_dwell_days: float = 30.0  # the log-normal tail is cut: longer stays are abandoned cargo, not traffic

    # --- Customs ----------------------------------------------------------------------------------------
    # Release of the arrival-control hold (the declaration released), hours after arrival, log-normal:
    # whole block trains travel under one transit declaration filed ahead; vessel boxes one by one.
    release_hours: dict = field(default_factory=lambda: {RAIL: (6.0, 0.8), VESSEL: (12.0, 0.8)})
    # Inspections ordered among boxes under control: below the ≈10% random red-corridor rate for imports
    # [Alaics], since most are transit. X-ray scans first.
    inspection_rates: dict = field(default_factory=lambda: _mix(scan=0.04, physical_exam=0.01, seal_check=0.01))
    inspection_after_hours: tuple = (2.0, 24.0)  # ordered this long after arrival (uniform)
    # At the inspection area: a scan or a seal check takes about an hour with the queue, an examination
    # (unstuffing) half a shift. Most inspections find nothing. Assumptions.
    inspection_hours: dict = field(default_factory=lambda: _mix(scan=1.0, seal_check=1.0, physical_exam=4.0))
    inspection_results: dict = field(default_factory=lambda: _mix(no_suspicion=0.90, suspicion=0.04, findings=0.06))
    exam_findings_share: float = 0.30  # a physical exam after a suspicious scan finds something
    findings_hold_hours: tuple = (24.0, 72.0)  # an officer lifts a findings hold this long after (uniform)

    # --- Handling (used by the runner for timing) ---------------------------------------------------------
    rail_moves_per_hour: float = 40.0  # two rail-mounted gantries at ≈20 moves an hour each: assumption
    quay_moves_per_hour: float = 30.0  # the quay's cranes and reach stackers: assumption
    gate_receive_minutes: float = 15.0  # from the gate to the stack: assumption
    gate_delivery_minutes: float = 25.0  # from the truck's call to the box on it: assumption
    inspection_move_minutes: float = 30.0  # to or from the inspection area, by tractor: assumption


# --- Plans and events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DgLine:
    un_number: str
    hazard_class: str
    packing_group: str
    limited_quantity: bool = False

    def as_dict(self) -> dict:
        """As the services take a declared line."""
        return {"un_number": self.un_number, "class": self.hazard_class, "packing_group": self.packing_group,
                "limited_quantity": self.limited_quantity}  # fmt: skip


@dataclass(frozen=True)
class InspectionPlan:
    kind: str  # scan | physical_exam | seal_check (customs.models.InspectionOrder.Kind)
    after_hours: float  # ordered this long after arrival
    duration_hours: float
    result: str  # no_suspicion | suspicion | findings
    exam_result: str  # the physical exam a suspicion orders: no_suspicion | findings
    hold_release_hours: float  # findings: the officer lifts the hold this long after the result


@dataclass(frozen=True)
class BoxPlan:
    """One container's stay as the model plans it."""

    number: str
    iso_type: str
    length_ft: int
    teu: float
    freight_kind: str
    gross_kg: int
    seal: str
    reefer: bool
    dangerous_goods: tuple[DgLine, ...]
    category: str  # transit | import | export | empty
    inbound_mode: str
    origin: str
    outbound_mode: str
    destination: str  # a port, a rail destination, or "" (a local truck)
    dwell_hours: float
    release_hours: float | None  # None: not under customs control on arrival
    inspection: InspectionPlan | None

    @property
    def profile(self) -> str:
        """Which dwell distribution it follows."""
        if self.dangerous_goods:
            return "dg"
        if self.reefer:
            return "reefer"
        if self.freight_kind == EMPTY:
            return "empty"
        return self.outbound_mode


@dataclass(frozen=True)
class Platform:
    position: int
    number: str
    model: str
    containers: tuple[BoxPlan, ...] = ()


@dataclass(frozen=True)
class TrainArrival:
    at: datetime
    train_number: str
    origin: str
    category: str
    platforms: tuple[Platform, ...]
    release_hours: float  # the train's transit declaration is released this long after arrival

    @property
    def boxes(self) -> list[BoxPlan]:
        return [box for platform in self.platforms for box in platform.containers]


@dataclass(frozen=True)
class OutboundTrain:
    at: datetime  # formation: the empty platforms are placed on a line
    etd: datetime
    train_number: str
    destination: str
    platforms: tuple[Platform, ...]


@dataclass(frozen=True)
class ThroughBox:
    """A box on board for a later port: it never enters the yard (unless it is restowed)."""

    number: str
    iso_type: str
    length_ft: int
    teu: float
    freight_kind: str
    gross_kg: int
    reefer: bool
    pol: str
    pod: str
    restow: bool  # stowed over the boxes for Aktau


@dataclass(frozen=True)
class VesselCall:
    eta: datetime
    etd: datetime  # the berth window ends: discharge, restows and loading at the quay's rate, and a margin
    announce_at: datetime
    name: str
    imo: str
    voyage: str
    port: str  # where it comes from and goes back to
    rotation: tuple[str, ...]  # the next ports' UN/LOCODEs
    capacity_teu: int
    discharge: tuple[BoxPlan, ...]
    through: tuple[ThroughBox, ...] = ()

    @property
    def reference(self) -> str:
        return f"{self.name} {self.voyage}"


@dataclass(frozen=True)
class VesselAnnouncement:
    at: datetime
    call: VesselCall


@dataclass(frozen=True)
class VesselArrival:
    at: datetime
    call: VesselCall


@dataclass(frozen=True)
class TruckArrival:
    at: datetime
    plate: str
    box: BoxPlan


@dataclass(frozen=True)
class TruckPickup:
    at: datetime
    plate: str
    container: str


Event = TrainArrival | OutboundTrain | VesselAnnouncement | VesselArrival | TruckArrival | TruckPickup


@dataclass(frozen=True)
class Traffic:
    parameters: TrafficParameters
    seed: int
    start: datetime
    days: int
    events: tuple  # of Event, in time order
    boxes: dict  # container number -> BoxPlan, every box that arrives

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def summary(self) -> dict:
        """The model's own figures: what it generated, before any service had a say."""
        boxes = list(self.boxes.values())
        count = len(boxes) or 1
        teu = sum(box.teu for box in boxes)
        kinds = Counter(type(event).__name__ for event in self.events)
        dwell_by_profile: dict[str, list[float]] = {}
        for box in boxes:
            dwell_by_profile.setdefault(box.profile, []).append(box.dwell_hours)
        return {
            "boxes": len(boxes),
            "teu": round(teu, 2),
            "teu_per_day": round(teu / self.days, 1),
            "boxes_per_day": round(len(boxes) / self.days, 1),
            "shares": {
                "dangerous_goods": round(sum(bool(box.dangerous_goods) for box in boxes) / count, 4),
                "reefer": round(sum(box.reefer for box in boxes) / count, 4),
                "empty": round(sum(box.freight_kind == EMPTY for box in boxes) / count, 4),
                "20ft": round(sum(box.length_ft == 20 for box in boxes) / count, 4),
                "40ft": round(sum(box.length_ft == 40 for box in boxes) / count, 4),
                "45ft": round(sum(box.length_ft == 45 for box in boxes) / count, 4),
                "under_customs_control": round(sum(box.release_hours is not None for box in boxes) / count, 4),
                "inspected": round(sum(box.inspection is not None for box in boxes) / count, 4),
            },
            "arrivals_by_mode": dict(sorted(Counter(box.inbound_mode for box in boxes).items())),
            "departures_by_mode": dict(sorted(Counter(box.outbound_mode for box in boxes).items())),
            "median_dwell_hours": {
                profile: round(sorted(hours)[len(hours) // 2], 1) for profile, hours in sorted(dwell_by_profile.items())
            },
            "events": dict(sorted(kinds.items())),
        }


# --- Reference data -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeType:
    code: str
    length_ft: int
    teu: float
    group: str


@cache
def size_types() -> dict[str, SizeType]:
    """The ISO size/types the yard loads (yard/reference), by code."""
    with open(ISO_REFERENCE_DIR / "iso6346_size_types.csv", newline="", encoding="utf-8") as f:
        return {
            row["code"]: SizeType(row["code"], int(row["length_ft"]), float(row["teu"]), row["type_group_letter"])
            for row in csv.DictReader(f)
        }


@dataclass(frozen=True)
class UnEntry:
    un_number: str
    hazard_class: str
    packing_group: str
    imdg_agrees: bool


@cache
def _un_rows() -> tuple[UnEntry, ...]:
    with open(UN_REFERENCE_DIR / "un_numbers.csv", newline="", encoding="utf-8") as f:
        return tuple(
            UnEntry(row["un_number"], row["class_division"], row["packing_group"],
                    row["imdg_42_24_same_class_and_pg"] == "yes" and row["imdg_42_24_same_subsidiary_risks"] == "yes")
            for row in csv.DictReader(f)
            if _readable(row["class_division"], row["subsidiary_risks"])
        )  # fmt: skip


def _readable(hazard_class: str, subsidiary_risks: str) -> bool:
    try:
        for hazard in (hazard_class, *parse_subsidiary_risks(subsidiary_risks)):
            class_column(hazard)
    except ValueError:
        return False
    return True


def un_entries_accepted() -> dict[str, list[UnEntry]]:
    """Entries of the UN list (dangerous_goods/reference) the system accepts for storage, by class:
    readable by the segregation table and admitted by the port's rules (settings.DG_*), and the same
    class and packing group in the IMDG Code as in the list."""
    accepted: dict[str, list[UnEntry]] = {}
    for entry in _un_rows():
        if not entry.imdg_agrees:
            continue
        try:
            admission_check([{"class": entry.hazard_class}])
        except DangerousGoodsNotAdmitted:
            continue
        accepted.setdefault(entry.hazard_class, []).append(entry)
    return accepted


# --- The generator ----------------------------------------------------------------------------------------

OWNER_CODES = ("CSQ", "TCN", "TGH", "SEG", "FCI", "BMO", "CAI", "GES", "TEM", "TRH", "UTC", "KTZ", "CMA", "MSK",
               "HDM", "OOL", "FES", "XIN")  # fmt: skip
VESSEL_NAMES = {"Baku/Alat": ("ZHETYSU", "ALATAU", "KARAGIYE", "ABAI"), "Turkmenbashi": ("KURYK", "TOBOL")}
# Made-up IMO numbers (the first six digits; the check digit is computed), one per vessel name.
VESSEL_IMO = {"ZHETYSU": "941201", "ALATAU": "941202", "KARAGIYE": "941203", "ABAI": "941204", "KURYK": "941205",
              "TOBOL": "941206", "CASPIAN TRADER": "941207"}  # fmt: skip
PLATE_LETTERS = "ABCDEHKMOPTXY"


def vessel_imo(name: str) -> str:
    first_six = VESSEL_IMO.get(name, VESSEL_IMO["CASPIAN TRADER"])
    return first_six + str(imo_check_digit(first_six))


def _choice(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[key] for key in keys])[0]


def _log_normal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0.0, sigma))


class _Generator:
    def __init__(self, p: TrafficParameters, seed: int, start: datetime, days: int, avoid: Collection[str]) -> None:
        self.p, self.seed, self.start, self.days = p, seed, start, days
        self.end = start + timedelta(days=days)
        self.numbers: set[str] = set(avoid)
        self.boxes: dict[str, BoxPlan] = {}
        self.events: list = []
        self.types = size_types()
        self.un = un_entries_accepted()
        self.daily_teu = p.teu_per_year / 365.0
        empty = sum(p.arrival_share[mode] * p.empty_share[mode] for mode in p.arrival_share)
        self.p_reefer_full = p.reefer_share / (1 - empty)  # reefers and DG are full boxes
        self.p_dg_full = p.dangerous_goods_share / (1 - empty)

    def rng(self, stream: str) -> random.Random:
        """An independent, reproducible stream per concern: more trucks do not change the trains."""
        return random.Random(f"aktau-{self.seed}-{stream}")

    # --- boxes ---

    def number(self, rng: random.Random) -> str:
        while True:
            body = f"{rng.choice(OWNER_CODES)}U{rng.randrange(1_000_000):06d}"
            number = body + iso6346.calc_check_digit(body)
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def box(self, rng: random.Random, *, mode: str, origin: str, category: str | None,
            length: int | None = None) -> BoxPlan:  # fmt: skip
        p = self.p
        length = length or _choice(rng, p.length_mix)
        empty = rng.random() < p.empty_share[mode]
        kind = "empty"
        if not empty:
            draw = rng.random()
            kind = (
                "reefer"
                if draw < self.p_reefer_full
                else "dg"
                if draw < self.p_reefer_full + self.p_dg_full
                else "general"
            )
        iso_type = _choice(rng, p.iso_types[kind][length])
        size_type = self.types[iso_type]
        tare = p.tare_kg[iso_type]
        if empty:
            gross = tare
        else:
            group = "tank" if size_type.group == "T" else "reefer" if kind == "reefer" else "general"
            low, high, mode_kg = p.gross_kg.get((group, length)) or p.gross_kg[("general", length)]
            gross = max(tare + 1_000, round(rng.triangular(low, high, mode_kg), -1))
        goods = (self.dg_line(rng),) if kind == "dg" else ()
        outbound_mode = _choice(rng, (p.outbound_empty if empty else p.outbound_full)[mode])
        if outbound_mode == RAIL and length > 40:
            outbound_mode = TRUCK  # outbound wagons take no 45' in the TOS (see outbound_train_teu)
        destination = (_choice(rng, p.vessel_ports) if outbound_mode == VESSEL
                       else _choice(rng, p.rail_destinations) if outbound_mode == RAIL else "")  # fmt: skip
        if category is None:  # vessel and truck boxes: per box
            if mode == TRUCK:
                category = EMPTY_CATEGORY if empty else EXPORT
            else:
                category = IMPORT if rng.random() < p.vessel_import_share else TRANSIT
        profile = "dg" if goods else "reefer" if kind == "reefer" else "empty" if empty else outbound_mode
        dwell = min(_log_normal(rng, *p.dwell[profile]), 24 * p.max_dwell_days)
        controlled = category in settings.CUSTOMS_CONTROL_CATEGORIES
        release = _log_normal(rng, *p.release_hours[mode]) if controlled and mode in p.release_hours else None
        number = self.number(rng)
        plan = BoxPlan(
            number=number, iso_type=iso_type, length_ft=size_type.length_ft, teu=size_type.teu,
            freight_kind=EMPTY if empty else FULL, gross_kg=int(gross),
            seal="" if empty else f"{number[:2]}{rng.randrange(10_000_000):07d}", reefer=kind == "reefer",
            dangerous_goods=goods, category=category, inbound_mode=mode, origin=origin, outbound_mode=outbound_mode,
            destination=destination, dwell_hours=round(dwell, 2),
            release_hours=None if release is None else round(release, 2),
            inspection=self.inspection(rng) if controlled else None,
        )  # fmt: skip
        self.boxes[number] = plan
        return plan

    def dg_line(self, rng: random.Random) -> DgLine:
        p = self.p
        hazard_class = _choice(rng, p.dg_classes)
        entries = self.un[hazard_class]
        common = [e for e in entries if e.un_number in p.dg_common.get(hazard_class, ())]
        entry = rng.choice(common if common and rng.random() < p.dg_common_share else entries)
        return DgLine(entry.un_number, entry.hazard_class, entry.packing_group,
                      limited_quantity=rng.random() < p.dg_limited_quantity_share)  # fmt: skip

    def inspection(self, rng: random.Random) -> InspectionPlan | None:
        p = self.p
        draw, kind = rng.random(), None
        for candidate, rate in p.inspection_rates.items():
            if draw < rate:
                kind = candidate
                break
            draw -= rate
        if kind is None:
            return None
        return InspectionPlan(
            kind=kind, after_hours=round(rng.uniform(*p.inspection_after_hours), 2),
            duration_hours=p.inspection_hours[kind], result=_choice(rng, p.inspection_results),
            exam_result="findings" if rng.random() < p.exam_findings_share else "no_suspicion",
            hold_release_hours=round(rng.uniform(*p.findings_hold_hours), 2),
        )  # fmt: skip

    def gate_time(self, rng: random.Random, when: datetime) -> datetime:
        """The time moved into the gate's opening hours (a truck that would come at night comes next morning)."""
        opens, closes = self.p.gate_hours
        local = when.astimezone(AKTAU_TZ)
        if opens <= local.hour < closes:
            return when
        day = local.date() if local.hour < opens else local.date() + timedelta(days=1)
        morning = datetime(day.year, day.month, day.day, opens, tzinfo=AKTAU_TZ)
        return morning + timedelta(minutes=rng.uniform(0, 120))

    def plate(self, rng: random.Random) -> str:
        letters = "".join(rng.choice(PLATE_LETTERS) for _ in range(3))
        return f"{rng.randrange(1000):03d}{letters}12"  # 12: Mangystau region

    def pickups(self, rng: random.Random, boxes: list[BoxPlan], arrives: datetime) -> None:
        """Trucks collecting the boxes that leave by road, once their dwell is over (in gate hours)."""
        for box in boxes:
            if box.outbound_mode != TRUCK:
                continue
            at = self.gate_time(rng, arrives + timedelta(hours=box.dwell_hours))
            if at < self.end:
                self.events.append(TruckPickup(at, self.plate(rng), box.number))

    # --- carriers ---

    def expected_train_teu(self) -> float:
        p, teu = self.p, {20: 1.0, 40: 2.0, 45: 2.25}
        per_platform = sum(
            model.share
            * sum(weight * sum(teu[length] for length in lengths) for lengths, weight in model.loads)
            / sum(weight for _, weight in model.loads)
            for model in p.platform_models
        )
        return p.platforms_per_train * (1 - p.empty_platform_share) * per_platform

    def outbound_demand(self, mode: str) -> float:
        """Expected departures by this mode, TEU a day."""
        p, total = self.p, 0.0
        for inbound, share in p.arrival_share.items():
            empty = p.empty_share[inbound]
            total += share * (
                (1 - empty) * p.outbound_full[inbound].get(mode, 0) + empty * p.outbound_empty[inbound].get(mode, 0)
            )
        return self.daily_teu * total

    def trains_in(self) -> None:
        p, rng = self.p, self.rng("rail")
        rate = p.arrival_share[RAIL] * self.daily_teu / self.expected_train_teu()  # trains a day
        if rate <= 0:
            return
        t, serial = rng.uniform(0, 1 / rate), 0
        while t < self.days:  # day and night, as the railway brings them
            serial += 1
            at = self.start + timedelta(days=t)
            origin = _choice(rng, p.rail_origins)
            category = IMPORT if rng.random() < p.rail_import_share else TRANSIT
            platforms, wagons = [], set()
            for position in range(1, p.platforms_per_train + 1):
                model = rng.choices(p.platform_models, weights=[m.share for m in p.platform_models])[0]
                number = self.wagon_number(rng, wagons)
                boxes: list[BoxPlan] = []
                if rng.random() >= p.empty_platform_share:
                    lengths = rng.choices([lengths for lengths, _ in model.loads],
                                          weights=[weight for _, weight in model.loads])[0]  # fmt: skip
                    boxes = [self.box(rng, mode=RAIL, origin=origin, category=category, length=length)
                             for length in lengths]  # fmt: skip
                    while boxes and (
                        sum(b.gross_kg for b in boxes) > model.payload_kg
                        or any(model.max_box_kg and b.gross_kg > model.max_box_kg for b in boxes)
                    ):
                        del self.boxes[boxes.pop().number]  # too heavy for the platform: it rides without it
                    self.pickups(rng, boxes, at)
                platforms.append(Platform(position, number, model.code, tuple(boxes)))
            prefix = "ALT" if origin.startswith("Altynkol") else "DST"
            release = round(_log_normal(rng, *p.release_hours[RAIL]), 2)
            self.events.append(
                TrainArrival(at, f"{prefix}-{4000 + serial}", origin, category, tuple(platforms), release)
            )
            t += rng.gammavariate(p.train_headway_shape, 1 / (rate * p.train_headway_shape))

    def wagon_number(self, rng: random.Random, taken: set[str]) -> str:
        while True:
            first_seven = f"4{rng.randrange(1_000_000):06d}"  # 4: a flat wagon (platform)
            number = first_seven + wagon_check_digit(first_seven)
            if number not in taken:
                taken.add(number)
                return number

    def trains_out(self) -> None:
        p, rng = self.p, self.rng("rail-out")
        demand = self.outbound_demand(RAIL)
        serial = 0
        for destination, share in p.rail_destinations.items():
            per_day = demand * share
            if per_day <= 0:
                continue
            interval = min(
                p.outbound_train_max_interval_days, p.outbound_train_teu * p.outbound_train_load_factor / per_day
            )
            t = rng.uniform(0.2, interval)  # the first departure: some time after the start, so boxes are there
            while t < self.days:
                serial += 1
                etd = self.start + timedelta(days=t)
                wagons: set[str] = set()
                platforms = tuple(Platform(position, self.wagon_number(rng, wagons), "")
                                  for position in range(1, p.platforms_per_train + 1))  # fmt: skip
                formation = etd - timedelta(hours=p.outbound_train_formation_hours)
                self.events.append(OutboundTrain(max(formation, self.start), etd, f"KZ-{2400 + serial}", destination,
                                                 platforms))  # fmt: skip
                t += interval * rng.uniform(0.9, 1.1)

    def vessels(self) -> None:
        """Calls of both ports, then one berth's timeline: a call whose window would overlap the previous one's
        comes later (after its ETD and a gap), as the berth planner would give it."""
        p, rng = self.p, self.rng("vessel")
        demand = self.outbound_demand(VESSEL)
        drafts = []
        for port, share in p.vessel_ports.items():
            per_day = demand * share
            if per_day <= 0:
                continue
            interval = min(p.vessel_max_interval_days, p.vessel_capacity_teu * p.vessel_load_factor / per_day)
            inbound_teu = self.daily_teu * p.arrival_share[VESSEL] * p.vessel_origins.get(port, 0) * interval
            t, voyage = rng.uniform(0.25, min(interval, 1.0) + 0.25), 0
            while t < self.days:
                voyage += 1
                eta = self.start + timedelta(days=t, hours=rng.uniform(-3, 3))
                drafts.append((eta, port, voyage, inbound_teu * rng.uniform(0.8, 1.2)))
                t += interval
        free_from = self.start
        loads = p.vessel_capacity_teu * p.vessel_load_factor / 1.6  # boxes: TEU at about 1.6 TEU a box
        for eta, port, voyage, inbound_teu in sorted(drafts):
            through = self.through_boxes(rng, port)
            room = p.vessel_capacity_teu - sum(box.teu for box in through)  # cells left for Aktau's boxes
            discharge, teu = [], 0.0
            while teu < min(inbound_teu, room) - 1:
                box = self.box(rng, mode=VESSEL, origin=port, category=None)
                if teu + box.teu > room:
                    del self.boxes[box.number]
                    break
                discharge.append(box)
                teu += box.teu
            eta = max(eta, free_from)
            if eta >= self.end:  # the berth has no window for it in the simulated days: it does not come
                for box in discharge:
                    del self.boxes[box.number]
                continue
            restows = sum(box.restow for box in through)
            hours = (len(discharge) + 2 * restows + loads) / p.quay_moves_per_hour + 2
            etd = eta + timedelta(hours=hours)
            free_from = etd + timedelta(hours=p.berth_gap_hours)
            self.pickups(rng, discharge, eta)
            names = VESSEL_NAMES.get(port, ("CASPIAN TRADER",))
            name = names[voyage % len(names)]
            home = p.port_locodes.get(port, "")
            call = VesselCall(
                eta=eta, etd=etd, announce_at=max(self.start, eta - timedelta(hours=p.vessel_announce_hours)),
                name=name, imo=vessel_imo(name), voyage=f"V{voyage:03d}", port=port,
                rotation=(home, *sorted(code for code in p.port_locodes.values() if code != home)),
                capacity_teu=p.vessel_capacity_teu, discharge=tuple(discharge), through=through,
            )  # fmt: skip
            self.events.append(VesselAnnouncement(call.announce_at, call))
            self.events.append(VesselArrival(eta, call))

    def through_boxes(self, rng: random.Random, port: str) -> tuple[ThroughBox, ...]:
        """Boxes the vessel brings from its home port for the other one, staying on board at Aktau."""
        p = self.p
        home = p.port_locodes.get(port, "")
        others = sorted(code for code in p.port_locodes.values() if code != home) or [home]
        target = p.vessel_capacity_teu * p.vessel_through_share * rng.uniform(0.5, 1.5)
        boxes, teu = [], 0.0
        while teu < target - 1:
            length = _choice(rng, p.length_mix)
            empty = rng.random() < p.empty_share[VESSEL]
            iso_type = _choice(rng, p.iso_types["empty" if empty else "general"][length])
            size_type = self.types[iso_type]
            gross = p.tare_kg[iso_type]
            if not empty:
                group = "tank" if size_type.group == "T" else "general"
                low, high, mode_kg = p.gross_kg.get((group, length)) or p.gross_kg[("general", length)]
                gross = max(gross + 1_000, round(rng.triangular(low, high, mode_kg), -1))
            box = ThroughBox(
                number=self.number(rng), iso_type=iso_type, length_ft=size_type.length_ft, teu=size_type.teu,
                freight_kind=EMPTY if empty else FULL, gross_kg=int(gross), reefer=size_type.group == "R",
                pol=home, pod=rng.choice(others), restow=rng.random() < p.vessel_restow_share,
            )  # fmt: skip
            boxes.append(box)
            teu += size_type.teu
        return tuple(boxes)

    def trucks_in(self) -> None:
        p, rng = self.p, self.rng("truck")
        teu_per_box = sum(share * {20: 1.0, 40: 2.0, 45: 2.25}[length] for length, share in p.length_mix.items())
        per_day = p.arrival_share[TRUCK] * self.daily_teu / teu_per_box
        opens, closes = p.gate_hours
        for day in range(self.days):
            count = int(per_day) + (rng.random() < per_day - int(per_day))
            morning = self.start.astimezone(AKTAU_TZ).replace(hour=opens, minute=0, second=0) + timedelta(days=day)
            for at in sorted(morning + timedelta(hours=rng.uniform(0, closes - opens)) for _ in range(count)):
                box = self.box(rng, mode=TRUCK, origin="Mangystau region", category=None)
                self.events.append(TruckArrival(at, self.plate(rng), box))
                self.pickups(rng, [box], at)

    def run(self) -> Traffic:
        self.trains_in()
        self.vessels()
        self.trucks_in()
        self.trains_out()
        events = sorted((event for event in self.events if self.start <= event.at < self.end), key=lambda e: e.at)
        return Traffic(self.p, self.seed, self.start, self.days, tuple(events), dict(self.boxes))


def traffic_generate(
    *,
    days: int,
    seed: int,
    teu_per_year: float | None = None,
    start: datetime = DEFAULT_START,
    parameters: TrafficParameters | None = None,
    avoid_numbers: Collection[str] = (),
) -> Traffic:
    """The traffic of `days` days from `start`: the same seed gives the same events. `avoid_numbers` are
    container numbers already in the terminal (an earlier run's boxes): none of them is drawn again."""
    if days < 1:
        raise ValueError("days must be at least 1")
    parameters = parameters or TrafficParameters()
    if teu_per_year is not None:
        parameters = replace(parameters, teu_per_year=teu_per_year)
    if parameters.teu_per_year <= 0:
        raise ValueError("teu_per_year must be positive")
    return _Generator(parameters, seed, start, days, avoid_numbers).run()
