from django.apps import AppConfig


class DangerousGoodsConfig(AppConfig):
    name = "dangerous_goods"
    verbose_name = "Dangerous goods"
