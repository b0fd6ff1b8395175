from django.utils.translation import gettext_lazy as _

from aktau_tos.errors import DomainError


class EdiInvalid(DomainError):
    """The interchange cannot be read (syntax, counts, envelope, sender): nothing of it is applied."""

    code, status, title = "edi_invalid", 400, _("Interchange cannot be read")
    detail_template = _("The interchange cannot be read ({count} problem(s)); nothing was applied.")

    def __init__(self, *, problems: list[dict], answer: dict | None = None) -> None:
        super().__init__(count=len(problems))
        self.problems = problems
        self.extra = {**(answer or {}), "problems": problems}


class EdiTooLarge(DomainError):
    code, status, title = "edi_too_large", 413, _("Interchange too large")
    detail_template = _("An interchange may be at most {limit} bytes.")


class MessageRefused(DomainError):
    """A message that cannot be applied as a whole (its call unknown, for another port, a type not handled)."""

    status = 400
    title = _("Message refused")
    detail_template = _("{detail}")

    def __init__(self, *, code: str, detail: str, segment: str = "") -> None:
        self.code, self.segment = code, segment
        super().__init__(detail=detail)


class MessageNotFound(DomainError):
    code, status, title = "edi_message_not_found", 404, _("Message not found")
    detail_template = _("No EDI message {message}.")


class MessageNotRejected(DomainError):
    code, title = "edi_message_not_rejected", _("Message not rejected")
    detail_template = _("Message {message} is {status}: only a rejected message is processed again.")


class TrainAdviceNotFound(DomainError):
    code, status, title = "train_advice_not_found", 404, _("Train pre-advice not found")
    detail_template = _("No train pre-advice {advice}.")


class TrainAdviceArrived(DomainError):
    code, title = "train_advice_already_arrived", _("Train already arrived")
    detail_template = _("Pre-advice {advice} already became train visit {train}; a train arrives once.")

    def __init__(self, *, advice: int, train: int | None) -> None:
        super().__init__(advice=advice, train=train)
        self.extra = {"train": train}


class TrainAdviceNotAccepted(DomainError):
    code, title = "train_advice_not_accepted", _("Pre-advice cannot become the train list")
    detail_template = _("Pre-advice {advice} is {status}: only an accepted one becomes the train list.")


class FeedCursorInvalid(DomainError):
    code, status, title = "feed_cursor_invalid", 400, _("Invalid cursor")
    detail_template = _("{cursor!r} is not a cursor this feed gave out.")


class InterchangeNotFound(DomainError):
    code, status, title = "edi_interchange_not_found", 404, _("Interchange not found")
    detail_template = _("No outbound interchange {interchange}.")


class InterchangeNotResendable(DomainError):
    code, title = "edi_interchange_not_resendable", _("Interchange not sent again")
    detail_template = _("Interchange {interchange} is {status}: only a sent or given-up one is sent again.")
