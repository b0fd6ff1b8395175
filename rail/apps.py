from django.apps import AppConfig


class RailConfig(AppConfig):
    name = "rail"
    verbose_name = "Rail"
