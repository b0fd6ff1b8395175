import pytest

from rail.reference import rail_reference_load
from tests.vessels.conftest import port  # noqa: F401  (the vessels fixtures, shared)
from tests.yard.conftest import size_types, small_yard  # noqa: F401
from yard import reference
from yard.layout import layout_apply


@pytest.fixture
def aktau_yard(un_list):
    """The Aktau layout with its reference data, as `seed_aktau` loads it."""
    reference.iso_size_types_load()
    layout_apply()
    rail_reference_load()
