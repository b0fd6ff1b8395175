"""Holds: any authority places one on a container's stay; the yard refuses the moves it blocks."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history

from aktau_tos import roles
from aktau_tos.audit import SYSTEM_USERNAME, audited
from aktau_tos.locking import lock_wait
from yard import selectors
from yard.errors import ContainerNotInTerminal, HoldNotActive, HoldNotFound, HoldNotYours, InvalidMoveKinds
from yard.models import ContainerVisit, Hold, YardMove

# What a hold blocks unless its authority says otherwise: the container may not leave.
OUTBOUND_MOVE_KINDS = [YardMove.Kind.LOAD, YardMove.Kind.DELIVERY]
# Who may place and release the holds of each authority, whatever the channel (API, admin, task).
AUTHORITY_ROLES = {
    Hold.Authority.CUSTOMS: {roles.CUSTOMS_OFFICER},
    Hold.Authority.DANGEROUS_GOODS: {roles.DG_OFFICER},
    Hold.Authority.TERMINAL: {roles.OPERATOR},
    Hold.Authority.LINE: {roles.OPERATOR},
}


def _authority_check(actor: AbstractBaseUser, authority: str) -> None:
    """Only the authority's own officers touch its holds; superusers and scheduled tasks act for all."""
    if actor.is_superuser or actor.get_username() == SYSTEM_USERNAME:
        return
    if not roles.user_roles(actor) & AUTHORITY_ROLES.get(authority, set()):
        raise HoldNotYours(authority=Hold.Authority(authority).label if authority in Hold.Authority else authority)


@transaction.atomic
def hold_place(
    *,
    container: str,
    authority: str,
    kind: str,
    actor: AbstractBaseUser,
    reason: str = "",
    blocked_move_kinds: list[str] | None = None,
) -> Hold:
    """Places a hold on the container's current (or announced) stay."""
    _authority_check(actor, authority)
    found = selectors.container_get_by_number(number=container)
    # The visit row is the meeting point with move completion: a hold and a departure never cross.
    with lock_wait(format_lazy(_("container {container}"), container=found.number)):
        visit = (
            ContainerVisit.objects.select_for_update()
            .exclude(state=ContainerVisit.State.DEPARTED)
            .filter(container=found)
            .first()
        )
    if visit is None:
        raise ContainerNotInTerminal(container=found.number)
    return _holds_write([visit], authority, kind, actor, reason, blocked_move_kinds)[0]


@transaction.atomic
def holds_place(
    *,
    visits: list[ContainerVisit],
    authority: str,
    kind: str,
    actor: AbstractBaseUser,
    reason: str = "",
    blocked_move_kinds: list[str] | None = None,
) -> list[Hold]:
    """The same hold on each of these stays, which this transaction opened (nobody else sees them yet) or holds
    locked: customs holds a whole train's boxes on arrival, in one statement."""
    _authority_check(actor, authority)
    return _holds_write(visits, authority, kind, actor, reason, blocked_move_kinds)


def _holds_write(visits, authority, kind, actor, reason, blocked_move_kinds) -> list[Hold]:
    kinds = list(OUTBOUND_MOVE_KINDS if blocked_move_kinds is None else blocked_move_kinds)
    unknown = sorted(set(kinds) - set(YardMove.Kind.values))
    if unknown or not kinds:
        raise InvalidMoveKinds(kinds=unknown or "[]", allowed=", ".join(YardMove.Kind.values))
    holds = [
        audited(
            Hold(visit=visit, authority=authority, kind=kind, reason=reason, blocked_move_kinds=kinds, placed_by=actor),
            actor,
        )
        for visit in visits
    ]
    return bulk_create_with_history(holds, Hold, default_user=actor) if holds else []


@transaction.atomic
def hold_release(*, hold_id: int, actor: AbstractBaseUser, authority: str | None = None) -> Hold:
    """Releases an active hold; `authority` restricts which holds the caller may release."""
    with lock_wait(format_lazy(_("hold {hold}"), hold=hold_id)):
        holds = Hold.objects.select_for_update().filter(pk=hold_id)
        if authority is not None:
            holds = holds.filter(authority=authority)
        hold = holds.first()
    if hold is None:
        raise HoldNotFound(hold=hold_id)
    _authority_check(actor, hold.authority)
    if hold.released_at is not None:
        raise HoldNotActive(hold=hold.reference)
    hold.released_at, hold.released_by = timezone.now(), actor
    audited(hold, actor).save(update_fields=["released_at", "released_by"])
    return hold
