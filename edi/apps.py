from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EdiConfig(AppConfig):
    name = "edi"
    verbose_name = _("Data exchange (EDI)")

    def ready(self) -> None:
        from edi import admin_copino  # noqa: F401  (registers the truck pre-notifications' admin page)
