"""The project's URLs plus the bare-DRF floor endpoint; used only by the benchmark's settings module."""

from django.urls import path

from aktau_tos.urls import urlpatterns as project_urlpatterns
from bench.floor import FLOOR_PATH, FloorView

urlpatterns = [
    path(f"{FLOOR_PATH}<str:number>/", FloorView.as_view(), name="benchmark-floor"),
    *project_urlpatterns,
]
