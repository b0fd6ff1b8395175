"""Rail reads for the screens: a train page's wagons with their containers, in a fixed number of queries."""

from django.db.models import Prefetch

from rail.models import LoadPlanEntry, TrainVisit, TrainWagon, WagonContainer
from yard.models import Occupancy


def _where_now(path: str) -> Prefetch:
    """The place in the yard now of the stays at `path` (yard.selectors.visit_position reads it there)."""
    return Prefetch(
        f"{path}__occupancies",
        queryset=Occupancy.objects.filter(primary=True).select_related("slot__block"),
        to_attr="current_occupancies",
    )


def train_wagons(train: TrainVisit) -> list[TrainWagon]:
    """The train's wagons in order, each with its containers (stay, size/type, check-in and who did it, where the
    box stands now) and, outbound, its load plan: at most five queries for a train of any length."""
    containers = WagonContainer.objects.select_related("visit__container__iso_type", "checked_in_by").order_by("pk")
    planned = LoadPlanEntry.objects.select_related("visit__container__iso_type").order_by("place")
    return list(
        train.wagons.select_related("wagon__model")
        .prefetch_related(
            Prefetch("containers", queryset=containers),
            _where_now("containers__visit"),
            Prefetch("load_plan", queryset=planned),
            _where_now("load_plan__visit"),
        )
        .order_by("position")
    )
