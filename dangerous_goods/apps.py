from django.apps import AppConfig


class DangerousGoodsConfig(AppConfig):
    name = "dangerous_goods"
    verbose_name = "Dangerous goods"

    def ready(self) -> None:
        from dangerous_goods import rules, services, trains
        from rail.extensions import load_plan_check_register
        from yard.extensions import declared_goods_check_register
        from yard.signals import visit_opened
        from yard.stacking import placement_rule_register

        placement_rule_register(rules.segregation_rule)
        declared_goods_check_register(services.declared_goods_check)
        load_plan_check_register(trains.train_dangerous_goods_warnings)
        visit_opened.connect(_declaration_record, dispatch_uid="dangerous_goods_declaration_record")


def _declaration_record(sender, visit, actor, **kwargs) -> None:
    from dangerous_goods import services

    services.declaration_record(visit=visit, actor=actor)
