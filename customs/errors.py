from aktau_tos.errors import DomainError


class ReasonRequired(DomainError):
    code, status, title = "reason_required", 400, "Reason required"
    detail_template = "A customs hold needs a reason."


class InvalidHoldKind(DomainError):
    code, status, title = "invalid_hold_kind", 400, "Unknown customs hold kind"
    detail_template = "{kind!r} is not a customs hold kind; use {allowed}."


class InspectionAlreadyOpen(DomainError):
    code, title = "inspection_already_open", "Inspection already ordered"
    detail_template = "{container} already has an open {kind} order ({order})."


class InspectionNotAtArea(DomainError):
    code, title = "inspection_not_at_area", "Container not at the inspection area"
    detail_template = "Order {order} is {status}: a result is recorded only while the container is at inspection."


class InspectionNotFound(DomainError):
    code, status, title = "inspection_not_found", 404, "Inspection order not found"
    detail_template = "No inspection order {order}."


class DeclarationNotFound(DomainError):
    code, status, title = "declaration_not_found", 404, "Customs declaration not found"
    detail_template = "No customs declaration {declaration}."


class DeclarationExists(DomainError):
    code, title = "declaration_exists", "Customs declaration already registered"
    detail_template = "Customs declaration {number} is already registered."


class DeclarationNotOpen(DomainError):
    code, title = "declaration_not_open", "Customs declaration not open"
    detail_template = "Customs declaration {number} is {status}."
