"""Settings of `make bench`: the project's settings, plus the benchmark app (its commands) and its URL conf
(the bare-DRF floor endpoint the scanner measurements compare against).

Production never uses this module: the floor endpoint and the benchmark commands exist only where
DJANGO_SETTINGS_MODULE names it.
"""

from aktau_tos.settings import *  # noqa: F403
from aktau_tos.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
