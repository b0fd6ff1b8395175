from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimulationConfig(AppConfig):
    """The planners' simulator: drives every app's services in simulated time. Nothing imports it."""

    name = "simulation"
    verbose_name = _("Simulation")
