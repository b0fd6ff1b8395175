from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "customs"
    verbose_name = "Customs"

    def ready(self) -> None:
        from yard.signals import move_completed, visit_opened

        visit_opened.connect(_control_on_arrival, dispatch_uid="customs_control_on_arrival")
        move_completed.connect(_arrival_at_inspection, dispatch_uid="customs_arrival_at_inspection")


def _control_on_arrival(sender, visit, **kwargs) -> None:
    from customs import services

    services.control_on_arrival(visit=visit)


def _arrival_at_inspection(sender, move, **kwargs) -> None:
    from customs import services

    services.arrival_at_inspection_note(move=move)
