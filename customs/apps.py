from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomsConfig(AppConfig):
    name = "customs"
    verbose_name = _("Customs")

    def ready(self) -> None:
        from customs import services
        from yard import hooks

        hooks.visits_opened.register(services.control_on_arrival)  # the hold on arrival, by policy
        hooks.move_completed.register(services.arrival_at_inspection_note)
