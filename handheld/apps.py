from django.apps import AppConfig


class HandheldConfig(AppConfig):
    name = "handheld"
    verbose_name = "Handheld client"
