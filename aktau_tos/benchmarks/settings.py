"""Settings of the benchmark's gunicorn: the project's settings, with the benchmark URL conf (the floor endpoint).

Production never uses this module: the floor endpoint exists only where DJANGO_SETTINGS_MODULE names it.
"""

from aktau_tos.settings import *  # noqa: F403

ROOT_URLCONF = "aktau_tos.benchmarks.urls"
