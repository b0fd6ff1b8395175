from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = _("Data exchange (EDI)")

    def ready(self) -> None:
        from edi import advices, events, outbound
        from yard import hooks

        # The partners' milestones, then the line's reports, written in the transaction of the event they report.
        hooks.move_completed.register(events.move_noted)
        hooks.move_completed.register(outbound.gate_report)
        hooks.inspection_recorded.register(events.inspection_noted)
        hooks.carrier_departed.register(events.departure_noted)
        hooks.carrier_departed.register(outbound.call_departed_report)
        # Accepted train pre-advices: boxes the capacity forecast counts as announced.
        hooks.capacity_arrivals.register(advices.advices_announced)
        # The pre-advice's and the truck notices' admin pages live in modules of their own.
        from edi import (
            admin_copino,  # noqa: F401
            advice_admin,  # noqa: F401
        )
