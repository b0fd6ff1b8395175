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


class InterchangeNotFound(DomainError):
    code, status, title = "edi_interchange_not_found", 404, _("Interchange not found")
    detail_template = _("No outbound interchange {interchange}.")


class InterchangeNotResendable(DomainError):
    code, title = "edi_interchange_not_resendable", _("Interchange not sent again")
    detail_template = _("Interchange {interchange} is {status}: only a sent or given-up one is sent again.")
