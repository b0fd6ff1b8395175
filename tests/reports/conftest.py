# The vessel fixtures (a port, calls, a call worked by two cranes), shared with the vessel section's tests.
from tests.vessels.conftest import call_at_berth, clerk, port, put, size_types, small_yard, worked_call  # noqa: F401
