from aktau_tos.errors import DomainError


class InvalidContainerNumber(DomainError):
    code, status, title = "invalid_container_number", 400, "Invalid container number"
    detail_template = "{number!r} is not a valid ISO 6346 container number: {reason}."


class ContainerNotFound(DomainError):
    code, status, title = "container_not_found", 404, "Container not found"
    detail_template = "No container {number} is known to the terminal."


class ContainerExists(DomainError):
    code, title = "container_exists", "Container already registered"
    detail_template = "Container {number} is already registered."


class UnknownIsoType(DomainError):
    code, status, title = "invalid_iso_type", 400, "Unknown ISO size/type code"
    detail_template = "{code!r} is not a known ISO 6346 size/type code."


class InvalidContainerMass(DomainError):
    code, status, title = "invalid_container_mass", 400, "Invalid container mass"
    detail_template = "Tare {tare_kg} kg must be less than maximum gross mass {max_gross_kg} kg."
