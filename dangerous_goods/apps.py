from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DangerousGoodsConfig(AppConfig):
    name = "dangerous_goods"
    verbose_name = _("Dangerous goods")

    def ready(self) -> None:
        from dangerous_goods import rules, services, trains
        from yard import hooks

        hooks.placement_rules.register(rules.segregation_rule)
        hooks.arrival_goods_checks.register(services.declared_goods_check)
        hooks.visits_opened.register(services.declarations_record)
        hooks.goods_declared.register(services.declaration_on_arrival_replace)
        hooks.load_plan_checks.register(trains.train_dangerous_goods_warnings)
        hooks.goods_segregation.register(rules.classes_segregation_level)
