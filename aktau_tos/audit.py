"""Who changed what: row history (django-simple-history) records the acting user.

Admin and API edits get the user from the request (HistoryRequestMiddleware). Services take an
explicit `actor` and set it on the rows they save; scheduled tasks that act on nobody's behalf pass
`system_user()`, so every historical row names someone.
"""

from typing import TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

SYSTEM_USERNAME = "system"
_Row = TypeVar("_Row")


def system_user() -> AbstractBaseUser:
    """The account scheduled tasks act as. It cannot log in."""
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "Aktau TOS", "last_name": "(tasks)"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def audited(obj: _Row, actor: AbstractBaseUser, reason: str | None = None) -> _Row:
    """Marks a row about to be saved or deleted with who does it (and why) for its history record."""
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    return obj


def fields_update(obj, values: dict, reason: str) -> list[str]:
    """Sets the fields that differ and saves only those, with a reason; an unchanged row writes no history."""
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    for field in changed:
        setattr(obj, field, values[field])
    if changed:
        obj._change_reason = reason
        obj.save(update_fields=changed)
    return changed
