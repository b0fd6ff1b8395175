from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = _("Data exchange (EDI)")

    def ready(self) -> None:
        from edi import events
        from yard import hooks

        # The partners' milestones, written in the transaction of the event they report.
        hooks.move_completed.register(events.move_noted)
        hooks.inspection_recorded.register(events.inspection_noted)
        hooks.carrier_departed.register(events.departure_noted)
        # The pre-advice's admin lives in a module of its own (edi/admin.py is the partners' and messages').
        from edi import (
            admin_copino,  # noqa: F401  (registers the truck pre-notifications' admin page)
            advice_admin,  # noqa: F401
        )
