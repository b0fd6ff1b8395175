# The yard fixtures (small_yard, put, clerk) are the yard tests' own.
from tests.yard.conftest import clerk, put, size_types, small_yard  # noqa: F401
