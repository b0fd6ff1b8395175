from django.apps import AppConfig


class SimulationConfig(AppConfig):
    """The planners' simulator: drives every app's services in simulated time. Nothing imports it."""

    name = "simulation"
    verbose_name = "Simulation"
