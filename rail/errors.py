from django.utils.translation import gettext_lazy as _

from aktau_tos.errors import DomainError


class TrainListInvalid(DomainError):
    """Every problem of a train list at once (field path -> messages); nothing of it is saved."""

    code, status, title = "train_list_invalid", 400, "Train list refused"
    detail_template = "The train list has {count} problem(s); nothing was saved. See errors."

    def __init__(self, *, problems: dict[str, list[str]]) -> None:
        super().__init__(count=sum(len(messages) for messages in problems.values()))
        self.errors = problems


class TrainNotFound(DomainError):
    code, status, title = "train_not_found", 404, "Train visit not found"
    detail_template = "No train visit {train}."


class ContainerNotOnTrain(DomainError):
    code, status, title = "container_not_on_train", 404, "Container not on this train"
    detail_template = "{container} is not on train {train}."


class WrongWagon(DomainError):
    code, title = "wrong_wagon", "Not the planned wagon"
    detail_template = "{container} is planned on wagon position {planned}, not {scanned}."


class LoadPlanExists(DomainError):
    code, title = "load_plan_exists", "Load plan already made"
    detail_template = "Train {train} already has a load plan."


class TrainNotOutbound(DomainError):
    code, title = "train_not_outbound", "Not an outbound train"
    detail_template = "Train {train} is {direction}."


class TrainNotReady(DomainError):
    code, title = "train_not_ready", "Train not ready to leave"
    detail_template = "Train {train}: {count} container(s) not loaded or discharged yet."


class ContainerAlreadyLoaded(DomainError):
    code, title = "container_already_loaded", _("Container already on its wagon")
    detail_template = _("{container} is already loaded on train {train}; it leaves with it.")
