from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandheldConfig(AppConfig):
    name = "handheld"
    verbose_name = _("Handheld client")
