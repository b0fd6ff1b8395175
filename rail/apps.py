from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RailConfig(AppConfig):
    name = "rail"
    verbose_name = _("Rail")

    def ready(self) -> None:
        from rail import services
        from yard import hooks

        hooks.move_completed.register(services.discharge_note)  # a discharged box leaves its wagon
