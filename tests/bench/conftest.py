from tests.vessels.conftest import port  # noqa: F401  (the vessels fixtures, shared)
from tests.yard.conftest import size_types, small_yard  # noqa: F401
