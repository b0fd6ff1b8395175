from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from aktau_tos.errors import DomainError


class TrainListInvalid(DomainError):
    """Every problem of a train list at once (field path -> messages); nothing of it is saved."""

    code, status, title = "train_list_invalid", 400, _("Train list refused")
    detail_template = ngettext_lazy(
        "The train list has {count} problem; nothing was saved. See errors.",
        "The train list has {count} problems; nothing was saved. See errors.",
        "count",
    )

    def __init__(self, *, problems: dict[str, list[str]]) -> None:
        super().__init__(count=sum(len(messages) for messages in problems.values()))
        self.errors = problems


class TrainNotFound(DomainError):
    code, status, title = "train_not_found", 404, _("Train visit not found")
    detail_template = _("No train visit {train}.")


class ContainerNotOnTrain(DomainError):
    code, status, title = "container_not_on_train", 404, _("Container not on this train")
    detail_template = _("{container} is not on train {train}.")


class WrongWagon(DomainError):
    code, title = "wrong_wagon", _("Not the planned wagon")
    detail_template = _("{container} is planned on wagon position {planned}, not {scanned}.")


class LoadPlanExists(DomainError):
    code, title = "load_plan_exists", _("Load plan already made")
    detail_template = _("Train {train} already has a load plan.")


class TrainNotOutbound(DomainError):
    code, title = "train_not_outbound", _("Not an outbound train")
    detail_template = _("Train {train} is {direction}.")


class TrainNotReady(DomainError):
    code, title = "train_not_ready", _("Train not ready to leave")
    detail_template = ngettext_lazy(
        "Train {train}: {count} container not loaded or discharged yet.",
        "Train {train}: {count} containers not loaded or discharged yet.",
        "count",
    )


class ContainerAlreadyLoaded(DomainError):
    code, title = "container_already_loaded", _("Container already on its wagon")
    detail_template = _("{container} is already loaded on train {train}; it leaves with it.")
