from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories.yard import EquipmentFactory
from tests.yard.conftest import clerk, put, size_types, small_yard  # noqa: F401  (the yard fixtures, shared)
from vessels import services
from vessels.models import Berth, StowageProfile
from yard.models import AccessPoint, Equipment

IMO = "9074729"  # a valid IMO number: 9*7 + 0*6 + 7*5 + 4*4 + 7*3 + 2*2 = 139 -> check digit 9


@pytest.fixture
def port(small_yard, settings):  # noqa: F811 (a fixture, imported above)
    """The small yard, a quay, one berth with two harbour cranes, a small default profile (2 bay pairs, 4 rows,
    2 hold tiers, 1 deck tier) with plugs on deck in bay 01."""
    settings.TERMINAL_LOCODE = "KZAAU"
    AccessPoint.objects.create(kind=AccessPoint.Kind.QUAY, x_m=0, y_m=200)
    berth = Berth.objects.create(code="CB1", name="Container berth", length_m=180)
    cranes = [EquipmentFactory(code=f"MHC-{i}", kind=Equipment.Kind.HARBOUR_CRANE, max_tier=0) for i in (1, 2)]
    berth.equipment.set(cranes)
    StowageProfile.objects.create(
        name="test feeder", bays_20=4, rows=4, hold_tiers=2, deck_tiers=1, stack_max_kg=90_000,
        reefer_plugs=["010182", "010282"], is_default=True,
    )  # fmt: skip
    return berth


@pytest.fixture
def window():
    start = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    return start, start + timedelta(hours=30)


@pytest.fixture
def call_body(window):
    eta, etd = window
    return {
        "vessel": {"name": "Turkestan", "imo": IMO, "call_sign": "UNAT"},
        "line": "KMTF", "voyage_in": "0412E", "voyage_out": "0412W", "berth": "CB1",
        "eta": eta.isoformat(), "etd": etd.isoformat(), "rotation": ["AZBAK", "TMKRW"],
    }  # fmt: skip


@pytest.fixture
def alongside(port, operator, window):
    """TURKESTAN 0412E alongside at CB1, through the services, on the port's default profile (bays 01-07, rows
    04 02 01 03, tiers 02 04 in the hold and 82 on deck)."""
    eta, etd = window
    vessel = services.vessel_register(name="Turkestan", imo=IMO, actor=operator)
    created = services.call_create(vessel=vessel, voyage_in="0412E", berth="CB1", eta=eta, etd=etd, actor=operator)
    return services.call_arrive(call_id=created.pk, actor=operator)
