from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = _("Data exchange (EDI)")

    def ready(self) -> None:
        from edi import outbound
        from yard import hooks

        hooks.move_completed.register(outbound.gate_report)
        hooks.carrier_departed.register(outbound.call_departed_report)
