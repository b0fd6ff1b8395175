"""Dangerous-goods declarations: checked against the UN list, admitted by the port's rules, kept in step with
the lines the yard's rules work from, and re-checked where the container stands when they change."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from aktau_tos.audit import audited
from dangerous_goods.errors import (
    DangerousGoodsDirectDeliveryOnly,
    DangerousGoodsLineInvalid,
    DangerousGoodsRefused,
    NoDeclaration,
)
from dangerous_goods.models import Declaration, DeclarationLine, SegregationAlert, UnNumber
from dangerous_goods.segregation import class_column, parse_subsidiary_risks
from yard import selectors as yard_selectors
from yard import services as yard_services
from yard.models import ContainerVisit

_DETAIL_FIELDS = ("net_mass_kg", "flash_point_c", "marine_pollutant", "ems")


def _entry_for(index: int, line: dict) -> UnNumber:
    """The UN list entry a declared line matches: same UN number, class and (if given) packing group."""
    un_number = str(line.get("un_number", "")).strip().upper().removeprefix("UN")
    entries = list(UnNumber.objects.filter(un_number=un_number))
    if not entries:
        reason = gettext("UN %(un_number)s is not in the dangerous goods list") % {"un_number": un_number}
        raise DangerousGoodsLineInvalid(line=index + 1, reason=reason)
    declared_class = str(line.get("class", "")).strip().upper()
    group = str(line.get("packing_group") or "").strip().upper()

    def same_class(entry: UnNumber) -> bool:  # "1.4" matches "1.4S": the compatibility group may be left out
        return entry.class_division.upper() == declared_class or (
            declared_class.startswith("1.") and entry.class_division.upper().rstrip("ABCDEFGHJKLNS") == declared_class
        )

    matching = [entry for entry in entries if same_class(entry) and (not group or entry.packing_group == group)]
    if not matching:
        allowed = ", ".join(sorted({_class_text(e.class_division, e.packing_group) for e in entries}))
        # Translators: allowed lists the UN list's readings, e.g. "class 3 PG II"; PG is the packing group.
        reason = gettext("UN %(un_number)s is listed as %(allowed)s, not class %(class)s PG %(group)s") % {
            "un_number": un_number, "allowed": allowed, "class": declared_class, "group": group or "-",
        }  # fmt: skip
        raise DangerousGoodsLineInvalid(line=index + 1, reason=reason)
    # Rows differ by concentration too; without it, the stricter reading (more subsidiary risks) is the safe one.
    return max(matching, key=lambda entry: (len(entry.subsidiary), -entry.source_row))


def _class_text(class_division: str, packing_group: str) -> str:
    """A UN list entry's class and packing group as people write them: "class 3 PG II"."""
    values = {"class": class_division, "group": packing_group}
    # Translators: PG is the packing group (I, II or III).
    return gettext("class %(class)s PG %(group)s") % values if packing_group else gettext("class %(class)s") % values


def _checked_line(index: int, line: dict) -> tuple[UnNumber, dict]:
    entry = _entry_for(index, line)
    subsidiary = list(parse_subsidiary_risks(entry.subsidiary_risks))
    try:
        for hazard in (entry.class_division, *subsidiary):
            class_column(hazard)
    except ValueError as error:
        reason = gettext("the UN list entry for UN %(un_number)s is unreadable (%(error)s); correct it")
        raise DangerousGoodsLineInvalid(
            line=index + 1, reason=reason % {"un_number": entry.un_number, "error": error}
        ) from None
    return entry, {
        "un_number": entry.un_number,
        "class": entry.class_division,
        "packing_group": entry.packing_group,
        "subsidiary_risks": subsidiary,
        "limited_quantity": bool(line.get("limited_quantity", False)),
        "proper_shipping_name": entry.proper_shipping_name,
        **_details_of(line),
    }


def _details_of(line: dict) -> dict:
    """What the papers declared besides the UN entry (net mass, flash point, marine pollutant, EmS), kept with the
    line so that the declaration and the emergency list have it; numbers as floats, for the stay's JSON."""
    details = {field: line[field] for field in _DETAIL_FIELDS if line.get(field) not in (None, "")}
    for number in ("net_mass_kg", "flash_point_c"):
        if number in details:
            details[number] = float(details[number])
    return details


def admission_check(lines: list[dict]) -> None:
    """The port's admission rules for storage (MSC.1/Circ.1216 defaults, see settings)."""
    for line in lines:
        hazard = line["class"]
        primary = hazard.split(".")[0]
        if hazard in settings.DG_REFUSED_CLASSES or primary in settings.DG_REFUSED_CLASSES:
            raise DangerousGoodsRefused(hazard_class=hazard)
        direct = hazard in settings.DG_DIRECT_DELIVERY_CLASSES or primary in settings.DG_DIRECT_DELIVERY_CLASSES
        if direct and hazard not in settings.DG_DIRECT_DELIVERY_EXCEPT:
            raise DangerousGoodsDirectDeliveryOnly(hazard_class=hazard)


def declared_goods_check(lines: list[dict]) -> list[dict]:
    """Registered with yard.hooks.arrival_goods_checks: every line matches the UN list, and the goods may be
    stored."""
    checked = [_checked_line(index, line)[1] for index, line in enumerate(lines)]
    admission_check(checked)
    return checked


def declarations_record(*, visits: list[ContainerVisit], actor: AbstractBaseUser) -> list[Declaration]:
    """Registered with yard.hooks.visits_opened: records the declaration of the goods declared on arrival."""
    recorded = (declaration_record(visit=visit, actor=actor) for visit in visits if visit.dangerous_goods)
    return [declaration for declaration in recorded if declaration]


@transaction.atomic
def declaration_record(*, visit: ContainerVisit, actor: AbstractBaseUser) -> Declaration | None:
    """Records the declaration of the goods declared on a stay's arrival."""
    if not visit.dangerous_goods:
        return None
    declaration = audited(Declaration(visit=visit, declared_by=actor), actor)
    declaration.save()
    for index, line in enumerate(visit.dangerous_goods):
        entry, checked = _checked_line(index, line)
        _line_create(declaration, entry, checked, checked, actor)
    return declaration


@transaction.atomic
def declaration_on_arrival_replace(*, visit: ContainerVisit, actor: AbstractBaseUser) -> Declaration | None:
    """Registered with yard.hooks.goods_declared: the goods declared when an announced box arrived replace what
    was recorded for its stay when it was announced (or are recorded, if nothing was). Without it a DG box booked
    ahead and declared at the gate was missing from the declarations and the emergency list."""
    declaration = Declaration.objects.filter(visit=visit).first()
    if declaration is None:
        return declaration_record(visit=visit, actor=actor)
    for line in declaration.lines.all():
        audited(line, actor, gettext("declared anew on arrival")).delete()
    for index, line in enumerate(visit.dangerous_goods or []):
        entry, checked = _checked_line(index, line)
        _line_create(declaration, entry, checked, checked, actor)
    declaration.declared_by = actor
    audited(declaration, actor, gettext("declared anew on arrival")).save()
    return declaration


def _line_create(declaration: Declaration, entry: UnNumber, checked: dict, details: dict, actor) -> None:
    audited(
        DeclarationLine(
            declaration=declaration,
            un_entry=entry,
            class_division=checked["class"],
            subsidiary_risks=";".join(checked["subsidiary_risks"]),
            packing_group=checked["packing_group"],
            proper_shipping_name=checked["proper_shipping_name"],
            limited_quantity=checked["limited_quantity"],
            **{field: details[field] for field in _DETAIL_FIELDS if details.get(field) is not None},
        ),
        actor,
    ).save()


@transaction.atomic
def declaration_replace(*, container: str, lines: list[dict], actor: AbstractBaseUser) -> Declaration:
    """The DG office's declaration of a container's current stay replaces the previous one.

    The container is then re-checked where it stands: a conflict with a neighbour raises an alert
    (the box is already there; people must move it), it does not undo the declaration.
    """
    box = yard_selectors.container_get_by_number(number=container)
    visit = ContainerVisit.objects.exclude(state=ContainerVisit.State.DEPARTED).filter(container=box).first()
    if visit is None:
        raise NoDeclaration(container=box.number)
    checked = [_checked_line(index, line) for index, line in enumerate(lines)]
    declaration, _ = Declaration.objects.get_or_create(visit=visit, defaults={"declared_by": actor})
    for line in declaration.lines.all():
        audited(line, actor, gettext("declaration replaced")).delete()
    for (entry, line), details in zip(checked, lines, strict=True):
        _line_create(declaration, entry, line, details, actor)
    declaration.declared_by = actor
    audited(declaration, actor).save()
    declaration_synced(declaration=declaration, actor=actor)
    return declaration


def declaration_synced(*, declaration: Declaration, actor: AbstractBaseUser) -> SegregationAlert | None:
    """Hands the declaration's lines to the yard's rules and re-checks the container where it stands."""
    lines = [
        {
            "un_number": line.un_entry.un_number,
            "class": line.class_division,
            "packing_group": line.packing_group,
            "subsidiary_risks": list(parse_subsidiary_risks(line.subsidiary_risks)),
            "limited_quantity": line.limited_quantity,
            "proper_shipping_name": line.proper_shipping_name,
        }
        for line in declaration.lines.select_related("un_entry").order_by("pk")
    ]
    visit = declaration.visit
    yard_services.visit_dangerous_goods_set(visit=visit, lines=lines, actor=actor)
    return position_recheck(visit=visit, actor=actor)


def position_recheck(*, visit: ContainerVisit, actor: AbstractBaseUser) -> SegregationAlert | None:
    """Checks the container where it stands against every placement rule; raises an alert on conflict."""
    verdict, position = yard_selectors.visit_placement_verdict(visit)
    if verdict is None or verdict.allowed or verdict.code != "segregation_conflict":
        return None
    alert = SegregationAlert(
        visit=visit, neighbour_id=verdict.neighbour_visit_id, position=position, detail=verdict.reason
    )
    audited(alert, actor).save()
    return alert


@transaction.atomic
def alert_resolve(*, alert_id: int, actor: AbstractBaseUser) -> SegregationAlert:
    alert = SegregationAlert.objects.select_for_update().get(pk=alert_id)
    if alert.resolved_at is None:
        alert.resolved_at, alert.resolved_by = timezone.now(), actor
        audited(alert, actor).save(update_fields=["resolved_at", "resolved_by"])
    return alert
