from django.utils.translation import gettext_lazy as _

from aktau_tos.errors import DomainError


class ReasonRequired(DomainError):
    code, status, title = "reason_required", 400, _("Reason required")
    detail_template = _("A customs hold needs a reason.")


class InvalidHoldKind(DomainError):
    code, status, title = "invalid_hold_kind", 400, _("Unknown customs hold kind")
    # Translators: {allowed} lists the kinds a client sends (documents, scan_required, ...): codes, kept as they are.
    detail_template = _("{kind!r} is not a customs hold kind; use {allowed}.")


class InspectionAlreadyOpen(DomainError):
    code, title = "inspection_already_open", _("Inspection already ordered")
    detail_template = _("{container} already has an open {kind} order ({order}).")


class InspectionNotAtArea(DomainError):
    code, title = "inspection_not_at_area", _("Container not at the inspection area")
    detail_template = _("Order {order} is {status}: a result is recorded only while the container is at inspection.")


class InspectionNotFound(DomainError):
    code, status, title = "inspection_not_found", 404, _("Inspection order not found")
    detail_template = _("No inspection order {order}.")


class DeclarationNotFound(DomainError):
    code, status, title = "declaration_not_found", 404, _("Customs declaration not found")
    detail_template = _("No customs declaration {declaration}.")


class DeclarationExists(DomainError):
    code, title = "declaration_exists", _("Customs declaration already registered")
    detail_template = _("Customs declaration {number} is already registered.")


class DeclarationNotOpen(DomainError):
    code, title = "declaration_not_open", _("Customs declaration not open")
    detail_template = _("Customs declaration {number} is {status}.")
