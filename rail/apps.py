from django.apps import AppConfig


class RailConfig(AppConfig):
    name = "rail"
    verbose_name = "Rail"

    def ready(self) -> None:
        from yard.signals import move_completed

        move_completed.connect(_discharge_note, dispatch_uid="rail_discharge_note")


def _discharge_note(sender, move, **kwargs) -> None:
    from rail import services

    services.discharge_note(move=move)
