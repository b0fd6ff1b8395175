"""Inbound trains: the train list (натурный лист) checked whole, wagons, check-in by the clerk, discharge.

A train list is refused whole with every problem listed (invalid container or wagon numbers, duplicates,
a container already in the terminal, an overloaded wagon), so nothing partial is ever saved. Wagon
check digits follow a single published rule: a mismatch is a problem the operator may override.
"""

from collections import Counter
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from simple_history.utils import bulk_create_with_history

from aktau_tos.audit import audited
from aktau_tos.errors import DomainError
from rail.errors import (
    ContainerAlreadyLoaded,
    ContainerNotOnTrain,
    LoadPlanExists,
    TrainListInvalid,
    TrainNotFound,
    TrainNotOutbound,
    TrainNotReady,
    WrongWagon,
)
from rail.load_planning import BoxSpec, WagonSpec, load_plan_solve, loading_order
from rail.models import LoadingLine, LoadPlanEntry, TrainVisit, TrainWagon, Wagon, WagonContainer
from yard import hooks as yard_hooks
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.errors import ReasonRequired
from yard.identity import container_number_normalise, seal_matches
from yard.models import AccessPoint, CarrierVisit, ContainerVisit, YardMove


def wagon_check_digit(number: str) -> str:
    """The 8th digit of a 1520 mm wagon number: weights 2,1,2,1,2,1,2 on the first seven, digits of each
    product summed, topped up to the next multiple of ten (rail/reference/README.md)."""
    weights = (2, 1, 2, 1, 2, 1, 2)
    total = sum(sum(divmod(int(digit) * weight, 10)) for digit, weight in zip(number[:7], weights, strict=True))
    return str((10 - total % 10) % 10)


class _Problems:
    def __init__(self) -> None:
        self.by_path: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.by_path.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_path:
            raise TrainListInvalid(problems=self.by_path)


def _check_list(
    line_code: str | None, wagons: list[dict], present: _Problems | None = None
) -> tuple[LoadingLine | None, _Problems, dict[str, str]]:
    """Every problem of the list; and the normalised container numbers by their path.
    `line_code` None: a list checked before its train arrives, which has no line yet. `present`: where a container
    already in the terminal goes (a warning before arrival: it may leave by then); by default, with the problems."""
    problems, numbers, line = _Problems(), {}, None
    present = problems if present is None else present
    if line_code is not None:
        line = LoadingLine.objects.filter(code=str(line_code).strip().upper()).first()
        if line is None:
            problems.add("line", gettext("no loading line '%(line)s'") % {"line": line_code})
        elif _line_busy(line):
            problems.add("line", _line_busy_message(line))
    positions = Counter(wagon.get("position") for wagon in wagons)
    wagon_numbers = Counter(str(wagon.get("number", "")).strip() for wagon in wagons)
    containers_seen: Counter = Counter()
    size_types: dict[str, object] = {}  # a list names a few size/type codes for a hundred boxes: each read once
    known_wagons = {
        wagon.number: wagon
        for wagon in Wagon.objects.filter(number__in=list(wagon_numbers)).select_related("model")
    }  # fmt: skip
    for index, wagon in enumerate(wagons):
        path = f"wagons.{index}"
        number = str(wagon.get("number", "")).strip()
        if not (len(number) == 8 and number.isdigit()):
            problems.add(f"{path}.number", gettext("'%(number)s' is not an 8-digit wagon number") % {"number": number})
        elif number[7] != wagon_check_digit(number) and not wagon.get("override_check_digit"):
            message = gettext(
                # Translators: override_check_digit is a field name of the train list; keep it as it is.
                "check digit should be %(digit)s (set override_check_digit to accept the number as written)"
            )
            problems.add(f"{path}.number", message % {"digit": wagon_check_digit(number)})
        if wagon_numbers[number] > 1:
            count = wagon_numbers[number]
            message = ngettext(
                "wagon %(number)s is listed %(count)d time", "wagon %(number)s is listed %(count)d times", count
            )
            problems.add(f"{path}.number", message % {"number": number, "count": count})
        if positions[wagon.get("position")] > 1:
            message = gettext("position %(position)s is used twice")
            problems.add(f"{path}.position", message % {"position": wagon.get("position")})
        if line and isinstance(wagon.get("position"), int) and wagon["position"] > line.length_wagons:
            message = ngettext(
                "line %(line)s has %(count)d wagon position",
                "line %(line)s has %(count)d wagon positions",
                line.length_wagons,
            )
            problems.add(f"{path}.position", message % {"line": line.code, "count": line.length_wagons})
        gross = 0
        for slot, box in enumerate(wagon.get("containers", [])):
            box_path = f"{path}.containers.{slot}"
            try:
                compact = container_number_normalise(box.get("number", ""))
                code = str(box.get("iso_type", ""))
                size_types[code] = size_types.get(code) or yard_selectors.iso_type_resolve(code)
                yard_hooks.arrival_goods_checked(list(box.get("dangerous_goods") or []))
            except DomainError as error:
                problems.add(box_path, error.detail)
                continue
            numbers[box_path] = compact
            containers_seen[compact] += 1
            gross += box.get("gross_kg") or 0
        known = known_wagons.get(number)
        if known and known.model and known.model.payload_kg and gross > known.model.payload_kg:
            message = gettext("%(gross)s kg exceeds the %(model)s payload of %(payload)s kg")
            values = {"gross": gross, "model": known.model.code, "payload": known.model.payload_kg}
            problems.add(f"{path}.containers", message % values)
    in_terminal = set(
        ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED)
        .filter(container__number__in=set(numbers.values()))
        .values_list("container__number", flat=True)
    )
    for path, compact in numbers.items():
        if compact in in_terminal:
            present.add(path, gettext("%(container)s is already in the terminal") % {"container": compact})
        if containers_seen[compact] > 1:
            count = containers_seen[compact]
            message = ngettext(
                "%(container)s is listed %(count)d time", "%(container)s is listed %(count)d times", count
            )
            problems.add(path, message % {"container": compact, "count": count})
    return line, problems, numbers


def train_list_check(*, wagons: list[dict]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """A train list's wagons checked before the train arrives (a railway's pre-advice), as the list will be at
    arrival, but for its line: (problems, warnings), each by field path. A container already in the terminal is
    a warning here, since it may leave before the train comes; at arrival it is a problem."""
    present = _Problems()
    _, problems, _ = _check_list(None, wagons, present)
    return problems.by_path, present.by_path


def _line_busy(line: LoadingLine) -> bool:
    return TrainVisit.objects.filter(line=line).exclude(carrier__status=CarrierVisit.Status.DEPARTED).exists()


def _line_busy_message(line: LoadingLine) -> str:
    return gettext("line %(line)s holds another train") % {"line": line.code}


@transaction.atomic
@yard_services.allocation_batch()  # the yard's areas read once for the whole list
def train_list_register(
    *,
    train_number: str,
    line: str,
    wagons: list[dict],
    actor: AbstractBaseUser,
    origin: str = "",
    category: str = ContainerVisit.Category.TRANSIT,
    eta: datetime | None = None,
) -> tuple[TrainVisit, list[YardMove]]:
    """An inbound train as listed: its wagons, its containers' stays, and their discharge moves."""
    loading_line, problems, numbers = _check_list(line, wagons)
    problems.raise_if_any()
    with transaction.atomic():
        LoadingLine.objects.select_for_update().filter(pk=loading_line.pk).first()  # one train per line, even racing
        if _line_busy(loading_line):
            raise TrainListInvalid(problems={"line": [_line_busy_message(loading_line)]})
    carrier = yard_services.carrier_visit_open(
        mode=CarrierVisit.Mode.RAIL,
        reference=train_number.strip().upper(),
        eta=eta,
        arrived_at=timezone.now(),
        actor=actor,
    )
    train = audited(
        TrainVisit(carrier=carrier, train_number=carrier.reference, direction=TrainVisit.Direction.INBOUND,
                   origin=origin, line=loading_line, created_by=actor),
        actor,
    )  # fmt: skip
    train.save()
    ordered = sorted(enumerate(wagons), key=lambda pair: pair[1]["position"])
    bodies = _wagons_of(ordered, actor)
    train_wagons = [
        audited(
            TrainWagon(
                train=train, position=spec["position"], wagon=wagon, check_digit_override=not wagon.check_digit_ok
            ),
            actor,
        )
        for (_, spec), wagon in zip(ordered, bodies, strict=True)
    ]
    train_wagons = bulk_create_with_history(train_wagons, TrainWagon, default_user=actor)
    arrivals, places, size_types = [], [], {}  # a list names a handful of size/types many times
    for (index, spec), train_wagon in zip(ordered, train_wagons, strict=True):
        for slot, box in enumerate(spec.get("containers", [])):
            code = str(box["iso_type"])
            arrivals.append(
                yard_services.Arrival(
                    container=numbers[f"wagons.{index}.containers.{slot}"],
                    iso_type=size_types.get(code) or size_types.setdefault(code, yard_selectors.iso_type_resolve(code)),
                    freight_kind=box.get("freight_kind", ContainerVisit.FreightKind.FULL),
                    category=category,
                    gross_kg=box.get("gross_kg"),
                    seals=tuple(_seals(box)),
                    dangerous_goods=box.get("dangerous_goods"),
                    line=box.get("line") or "",  # the shipping line it travels with, when the list names it
                )
            )
            places.append((train_wagon, next(iter(_seals(box)), "")))
    visits = yard_services.visits_open(arrivals=arrivals, inbound_carrier=carrier, actor=actor)
    bulk_create_with_history(
        [
            audited(WagonContainer(train_wagon=train_wagon, visit=visit, seal_declared=seal), actor)
            for (train_wagon, seal), visit in zip(places, visits, strict=True)
        ],
        WagonContainer,
        default_user=actor,
    )
    moves = yard_services.moves_plan_to_yard(
        visits=visits,
        kind=YardMove.Kind.DISCHARGE,
        arriving_from=AccessPoint.Kind.RAIL,
        actor=actor,
        wait_for_slot=True,  # the train is on its line: a box with no place yet waits for one
    )
    return train, moves


def _wagons_of(ordered: list[tuple[int, dict]], actor: AbstractBaseUser) -> list[Wagon]:
    """The wagon bodies of a list, in its order: known ones as recorded (their check digit result brought up to
    date), new ones registered together."""
    numbers = [str(spec["number"]).strip() for _, spec in ordered]
    known = {wagon.number: wagon for wagon in Wagon.objects.filter(number__in=numbers)}
    new = [
        audited(Wagon(number=number, check_digit_ok=number[7] == wagon_check_digit(number)), actor)
        for number in dict.fromkeys(numbers)
        if number not in known
    ]
    if new:
        try:
            with transaction.atomic():
                known.update(
                    (wagon.number, wagon) for wagon in bulk_create_with_history(new, Wagon, default_user=actor)
                )
        except IntegrityError:  # another list registered one of them meanwhile: one at a time, as it stands now
            known.update((wagon.number, Wagon.objects.get_or_create(number=wagon.number)[0]) for wagon in new)
    for number, wagon in known.items():
        ok = number[7] == wagon_check_digit(number)
        if wagon.check_digit_ok != ok:
            wagon.check_digit_ok = ok
            audited(wagon, actor).save(update_fields=["check_digit_ok"])
    return [known[number] for number in numbers]


def _seals(box: dict) -> list[str]:
    """A box's seals: a list (`seals`, as a railway's pre-advice gives them) or the one `seal` of a train list."""
    seals = [str(seal).strip() for seal in box.get("seals") or [] if str(seal).strip()]
    return seals or ([box["seal"]] if box.get("seal") else [])


@transaction.atomic
def container_check_in(
    *, train_id: int, container: str, actor: AbstractBaseUser, seal: str = "", damage: str = ""
) -> WagonContainer:
    """The clerk checks a container on its wagon: the seal as read (matches the list or not), damage seen."""
    train = TrainVisit.objects.filter(pk=train_id).first()
    if train is None:
        raise TrainNotFound(train=train_id)
    number = container_number_normalise(container)
    place = (
        WagonContainer.objects.select_for_update(of=("self",))
        .select_related("train_wagon", "visit__container")
        .filter(train_wagon__train=train, visit__container__number=number)
        .first()
    )
    if place is None:
        raise ContainerNotOnTrain(container=number, train=train.train_number)
    place.seal_scanned = seal.strip().upper()
    place.seal_ok = seal_matches(seal, [place.seal_declared])
    place.damage, place.checked_in_by, place.checked_in_at = damage.strip(), actor, timezone.now()
    audited(place, actor).save()
    return place


def discharge_note(*, move: YardMove, actor: AbstractBaseUser) -> None:
    """Registered with yard.hooks.move_completed: a discharged container leaves its wagon; an empty wagon
    is released."""
    if move.kind != YardMove.Kind.DISCHARGE:
        return
    if move.from_carrier_id and move.from_carrier.mode != CarrierVisit.Mode.RAIL:
        return  # a ship's box (the completion has read its carrier already): no wagon to look for
    # Two clerks emptying one wagon at once: the wagon row orders them, so the last one releases it.
    place = (
        WagonContainer.objects.select_related("train_wagon")
        .select_for_update(of=("train_wagon",))
        .filter(visit_id=move.visit_id)
        .first()
    )
    if place is None or place.discharged_at:
        return
    wagon, now = place.train_wagon, timezone.now()
    place.discharged_at = now
    audited(place, actor).save(update_fields=["discharged_at"])
    if not wagon.containers.filter(discharged_at__isnull=True).exists():
        wagon.released_at = now
        audited(wagon, actor).save(update_fields=["released_at"])


# --- Outbound ----------------------------------------------------------------------------------------


@transaction.atomic
def train_outbound_create(
    *, train_number: str, line: str, wagons: list[dict], actor: AbstractBaseUser, destination: str = "",
    etd: datetime | None = None,
) -> TrainVisit:  # fmt: skip
    """A departing train on its line with its (empty) wagons; containers are booked to its carrier visit."""
    loading_line, problems, _ = _check_list(line, [{**wagon, "containers": []} for wagon in wagons])
    problems.raise_if_any()
    carrier = yard_services.carrier_visit_open(
        mode=CarrierVisit.Mode.RAIL,
        reference=train_number.strip().upper(),
        etd=etd,
        arrived_at=timezone.now(),
        actor=actor,
    )
    train = TrainVisit(carrier=carrier, train_number=carrier.reference, direction=TrainVisit.Direction.OUTBOUND,
                       destination=destination, line=loading_line, created_by=actor)  # fmt: skip
    audited(train, actor).save()
    for spec in wagons:
        number = str(spec["number"]).strip()
        wagon, _ = Wagon.objects.get_or_create(number=number)
        ok = number[7] == wagon_check_digit(number)
        audited(
            TrainWagon(train=train, position=spec["position"], wagon=wagon, check_digit_override=not ok), actor
        ).save()
    return train


def _outbound(train_id: int) -> TrainVisit:
    train = TrainVisit.objects.select_for_update(of=("self",)).select_related("carrier").filter(pk=train_id).first()
    if train is None:
        raise TrainNotFound(train=train_id)
    if train.direction != TrainVisit.Direction.OUTBOUND:
        raise TrainNotOutbound(train=train.train_number, direction=train.get_direction_display().lower())
    return train


@transaction.atomic
def load_plan_build(*, train_id: int, actor: AbstractBaseUser, time_limit: float = 10.0) -> dict:
    """Chooses the containers booked for the train (no hold blocking loading, verified gross mass known) and
    puts them on wagons by the solver; plans their loading moves, top of each stack first."""
    train = _outbound(train_id)
    if train.load_plan.exists():
        raise LoadPlanExists(train=train.train_number)
    booked = list(
        ContainerVisit.objects.filter(outbound_carrier=train.carrier, state=ContainerVisit.State.IN_YARD)
        .select_related("container__iso_type")
        .prefetch_related("holds", "occupancies")
    )
    excluded, candidates = [], []
    for visit in booked:
        if any(
            hold.released_at is None and YardMove.Kind.LOAD in hold.blocked_move_kinds for hold in visit.holds.all()
        ):
            excluded.append({"container": visit.container.number, "reason": gettext("a hold blocks loading")})
        elif not visit.gross_kg:
            excluded.append({"container": visit.container.number, "reason": gettext("no verified gross mass")})
        else:
            candidates.append(visit)
    wagons = list(train.wagons.select_related("wagon__model"))
    specs = [
        WagonSpec(
            position=w.position,
            payload_kg=(w.wagon.model.payload_kg if w.wagon.model and w.wagon.model.payload_kg else 60_000),
            units_20ft=w.wagon.model.units_20ft if w.wagon.model else 2,
            allows_45=bool(w.wagon.model and w.wagon.model.allows_45),
            max_box_gross_kg=w.wagon.model.max_box_gross_kg if w.wagon.model else None,
        )
        for w in wagons
    ]
    boxes = {v.pk: BoxSpec(key=v.pk, length_ft=v.container.iso_type.length_ft, gross_kg=v.gross_kg) for v in candidates}
    plan = load_plan_solve(specs, list(boxes.values()), time_limit=time_limit)
    by_position = {w.position: w for w in wagons}
    visits = {visit.pk: visit for visit in candidates}
    entries = []
    for position, wagon in by_position.items():
        for place, box in enumerate(loading_order([boxes[key] for key in plan.boxes_on(position)]), start=1):
            entries.append(LoadPlanEntry(train=train, train_wagon=wagon, place=place, visit=visits[box.key]))
    no_room = gettext("no room on the train")
    excluded += [{"container": visits[key].container.number, "reason": no_room}
                 for key in boxes if key not in plan.wagon_of]  # fmt: skip

    def stack_height(entry: LoadPlanEntry) -> int:
        return max((occupancy.tier for occupancy in entry.visit.occupancies.all()), default=0)

    for entry in sorted(entries, key=stack_height, reverse=True):  # top first: loading digs nothing out
        entry.move = yard_services.move_plan(
            visit=entry.visit, kind=YardMove.Kind.LOAD, to_carrier=train.carrier, deadline=train.carrier.etd,
            actor=actor,
        )  # fmt: skip
        audited(entry, actor).save()
    on_wagons = [
        {"position": w.position, "unit": w.wagon.number, "containers": [
            {"container": e.visit.container.number, "dangerous_goods": list(e.visit.dangerous_goods)}
            for e in entries if e.train_wagon_id == w.pk]}
        for w in wagons
    ]  # fmt: skip
    return {
        "entries": len(entries),
        "loaded_teu": plan.loaded_teu,
        "loaded_kg": plan.loaded_kg,
        "optimal": plan.optimal,
        "seconds": round(plan.seconds, 2),
        "excluded": excluded,
        "warnings": yard_hooks.load_plan_warnings(mode=CarrierVisit.Mode.RAIL, units=on_wagons),  # DG cover, separation
    }


def _load_plan_entry(train: TrainVisit, number: str) -> LoadPlanEntry:
    entry = (
        LoadPlanEntry.objects.select_related("train_wagon", "visit__container", "move")
        .filter(train=train, visit__container__number=number)
        .first()
    )
    if entry is None:
        raise ContainerNotOnTrain(container=number, train=train.train_number)
    return entry


@transaction.atomic
def container_load(*, train_id: int, container: str, wagon_position: int, actor: AbstractBaseUser) -> LoadPlanEntry:
    """The scanner confirms a container on its wagon: the planned one, or 409 wrong_wagon."""
    train = _outbound(train_id)
    number = container_number_normalise(container)
    entry = _load_plan_entry(train, number)
    if entry.train_wagon.position != wagon_position:
        raise WrongWagon(container=number, planned=entry.train_wagon.position, scanned=wagon_position)
    if entry.loaded_at:
        return entry
    yard_services.move_complete(
        move_id=entry.move_id, container=number, position=yard_selectors.carrier_label(train.carrier), actor=actor
    )
    entry.loaded_at = timezone.now()
    audited(entry, actor).save(update_fields=["loaded_at"])
    return entry


@transaction.atomic
def container_roll(*, train_id: int, container: str, reason: str, actor: AbstractBaseUser) -> LoadPlanEntry:
    """Takes a container that is not loaded yet off an outbound train's load plan, for a later train: its loading
    move is cancelled and its booking on this train undone, so the next train for its destination can take it.
    Returns the entry as it was (deleted)."""
    if not reason.strip():
        raise ReasonRequired()
    train = _outbound(train_id)
    entry = _load_plan_entry(train, container_number_normalise(container))
    _roll(entry, train, reason, actor)
    return entry


def _roll(entry: LoadPlanEntry, train: TrainVisit, reason: str, actor: AbstractBaseUser) -> None:
    if entry.loaded_at:
        raise ContainerAlreadyLoaded(container=entry.visit.container.number, train=train.train_number)
    why = gettext("rolled off train %(train)s: %(reason)s") % {"train": train.train_number, "reason": reason}
    if entry.move_id and entry.move.status in YardMove.OPEN_STATUSES:
        yard_services.move_cancel(move_id=entry.move_id, actor=actor, reason=why)
    audited(entry, actor, why).delete()
    if entry.visit.outbound_carrier_id == train.carrier_id:
        yard_services.visit_unbook_outbound(visit=entry.visit, actor=actor, reason=why)


@transaction.atomic
def train_depart(*, train_id: int, actor: AbstractBaseUser, roll_unloaded: bool = False) -> TrainVisit:
    """The train leaves, freeing its line: an outbound one once every planned container is on it, an inbound
    one once every wagon is empty. With roll_unloaded, an outbound train leaves on time without the containers
    not loaded yet: each is rolled to a later train (`container_roll`), and the returned train's `rolled` lists
    their numbers (read under the train's lock, so it is exactly what was rolled)."""
    train = TrainVisit.objects.select_for_update(of=("self",)).select_related("carrier").filter(pk=train_id).first()
    if train is None:
        raise TrainNotFound(train=train_id)
    train.rolled = []
    if roll_unloaded and train.direction == TrainVisit.Direction.OUTBOUND:
        for entry in train.load_plan.filter(loaded_at__isnull=True).select_related("visit__container", "move"):
            _roll(entry, train, gettext("not loaded when the train left"), actor)
            train.rolled.append(entry.visit.container.number)
    if train.direction == TrainVisit.Direction.OUTBOUND:
        waiting = train.load_plan.filter(loaded_at__isnull=True).count()
    else:
        waiting = WagonContainer.objects.filter(train_wagon__train=train, discharged_at__isnull=True).count()
    if waiting:
        raise TrainNotReady(train=train.train_number, count=waiting)
    train.carrier = yard_services.carrier_visit_depart(carrier_id=train.carrier_id, actor=actor)
    return train


def consist_rows(train: TrainVisit) -> list[dict]:
    """The consist document: wagons in order, and the containers on each with mass, seals and DG lines."""
    rows = []
    dg_line = gettext("UN%(un_number)s class %(class)s")
    for entry in train.load_plan.select_related("train_wagon__wagon", "visit__container__iso_type"):
        visit = entry.visit
        rows.append({
            "wagon_position": entry.train_wagon.position, "wagon": entry.train_wagon.wagon.number,
            "place": entry.place, "container": visit.container.number, "iso_type": visit.container.iso_type_id,
            "gross_kg": visit.gross_kg, "seals": " ".join(visit.seals),
            "dangerous_goods": "; ".join(dg_line % {"un_number": g["un_number"], "class": g["class"]}
                                         for g in visit.dangerous_goods),
            "loaded": bool(entry.loaded_at),
        })  # fmt: skip
    return rows
