"""Stowage profiles: the default one applies to a vessel whose own cells are not known."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from aktau_tos.audit import audited
from vessels.geometry import Geometry
from vessels.models import StowageProfile, Vessel

# A typical Caspian container feeder of the Turkestan's size (about 225 TEU): eight 20' bays, seven rows, three
# tiers in the hold and one on deck (8 x 7 x 4 = 224 cells), 18 reefer plugs on deck in the two aft bay pairs.
# Editable in the admin; the seeding never overwrites an operator's edits.
DEFAULT_FEEDER = {
    "name": "Caspian feeder (default, ~225 TEU)",
    "bays_20": 8,
    "rows": 7,
    "hold_tiers": 3,
    "deck_tiers": 1,
    "stack_max_kg": 90_000,
    "reefer_plugs": [f"{bay:02d}{row:02d}82" for bay in (9, 11, 13, 15) for row in (1, 2, 3, 4)] + ["130082", "150082"],
}


@transaction.atomic
def default_profile_ensure(*, actor: AbstractBaseUser) -> StowageProfile:
    """The default profile, created from DEFAULT_FEEDER the first time."""
    profile = StowageProfile.objects.filter(is_default=True).first()
    if profile is None:
        profile = StowageProfile.objects.filter(name=DEFAULT_FEEDER["name"]).first() or StowageProfile(**DEFAULT_FEEDER)
        profile.is_default = True
        audited(profile, actor).save()
    return profile


def profile_of(vessel: Vessel) -> StowageProfile | None:
    return vessel.profile or StowageProfile.objects.filter(is_default=True).first()


def geometry_of(vessel: Vessel) -> Geometry | None:
    profile = profile_of(vessel)
    return profile.geometry() if profile else None
