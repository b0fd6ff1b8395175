from django.apps import AppConfig


class CustomsConfig(AppConfig):
    name = "customs"
    verbose_name = "Customs"

    def ready(self) -> None:
        from customs import services
        from yard import hooks

        hooks.visit_opened.register(services.control_on_arrival)  # the hold on arrival, by policy
        hooks.move_completed.register(services.arrival_at_inspection_note)
