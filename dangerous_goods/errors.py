from django.utils.translation import gettext_lazy as _

from aktau_tos.errors import DomainError


class DangerousGoodsLineInvalid(DomainError):
    code, status, title = "dg_line_invalid", 400, _("Dangerous-goods line does not match the UN list")
    # Translators: {line} is the line's number in the declaration; {reason} a whole clause saying what is wrong.
    detail_template = _("Line {line}: {reason}.")


class DangerousGoodsNotAdmitted(DomainError):
    """The port's admission rules do not let the class be stored; the subclasses say which rule (one `code`)."""

    code, title = "dg_not_admitted", _("Dangerous goods not admitted for storage")
    detail_template = _("Class {hazard_class} is not admitted for storage.")


class DangerousGoodsRefused(DangerousGoodsNotAdmitted):
    detail_template = _("Class {hazard_class} is not accepted at the terminal.")


class DangerousGoodsDirectDeliveryOnly(DangerousGoodsNotAdmitted):
    detail_template = _("Class {hazard_class} goes by direct delivery only: it may not be stored in the yard.")


class UnknownHazardClass(DomainError):
    code, status, title = "invalid_class", 400, _("Unknown IMDG class")
    detail_template = _("{value!r} is not an IMDG class or division (e.g. 3, 5.1, 1.4S).")


class SegregationConflict(DomainError):
    code, title = "segregation_conflict", _("Segregation conflict")
    # Translators: {detail} is the placement rule's reason, already translated; keep it as it is.
    detail_template = _("{detail}")


class NoDeclaration(DomainError):
    code, status, title = "dg_declaration_not_found", 404, _("No dangerous-goods declaration")
    detail_template = _("{container} has no dangerous-goods declaration in its current stay.")
