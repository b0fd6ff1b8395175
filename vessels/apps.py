from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VesselsConfig(AppConfig):
    name = "vessels"
    verbose_name = _("Vessels")

    def ready(self) -> None:
        from vessels.services import quay
        from yard import hooks

        hooks.carrier_place_checks.register(quay.cell_check)
        hooks.move_completed.register(quay.move_noted)
        hooks.dispatch_waits.register(quay.moves_waiting)
        hooks.dispatch_machines.register(quay.quay_machines)
