from aktau_tos.errors import DomainError


class DangerousGoodsLineInvalid(DomainError):
    code, status, title = "dg_line_invalid", 400, "Dangerous-goods line does not match the UN list"
    detail_template = "Line {line}: {reason}."


class DangerousGoodsNotAdmitted(DomainError):
    code, title = "dg_not_admitted", "Dangerous goods not admitted for storage"
    detail_template = "Class {hazard_class} {reason}."


class UnknownHazardClass(DomainError):
    code, status, title = "invalid_class", 400, "Unknown IMDG class"
    detail_template = "{value!r} is not an IMDG class or division (e.g. 3, 5.1, 1.4S)."


class SegregationConflict(DomainError):
    code, title = "segregation_conflict", "Segregation conflict"
    detail_template = "{detail}"


class NoDeclaration(DomainError):
    code, status, title = "dg_declaration_not_found", 404, "No dangerous-goods declaration"
    detail_template = "{container} has no dangerous-goods declaration in its current stay."
